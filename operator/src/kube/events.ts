import type { CoreV1Api } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { EventReason } from '../controllers/reasons.js';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export interface EventRecorderOptions {
  component?: string;
  /** The same reason and message for the same object is sent at most once in this long (default 5 min). */
  repeatAfterMs?: number;
  /** Events being sent at once (default 2): recording never competes with reconciling for the API server. */
  concurrency?: number;
  /** Events waiting to be sent; beyond it new ones are dropped, as client-go's broadcaster does (default 1000). */
  queueLimit?: number;
}

type EventBody = Parameters<CoreV1Api['createNamespacedEvent']>[0]['body'];

/**
 * Records Kubernetes Events (what `kubectl describe` shows). The same reason and message for the same object
 * is sent at most once per `repeatAfterMs`, so a failing reconcile that retries does not flood the API.
 * Events are sent in the background through a bounded queue: a burst (thousands of policies failing at
 * start-up) neither opens a connection per Event nor holds unbounded memory; what overflows is dropped and
 * counted in the log.
 */
export class EventRecorder {
  private readonly lastSent = new Map<string, number>();
  private readonly queue: { namespace: string; body: EventBody }[] = [];
  private inFlight = 0;
  private dropped = 0;
  private readonly component: string;
  private readonly repeatAfterMs: number;
  private readonly concurrency: number;
  private readonly queueLimit: number;

  constructor(
    private readonly core: CoreV1Api,
    private readonly log: Logger,
    options: EventRecorderOptions = {},
  ) {
    this.component = options.component ?? 'dbwarden-operator';
    this.repeatAfterMs = options.repeatAfterMs ?? 5 * 60_000;
    this.concurrency = options.concurrency ?? 2;
    this.queueLimit = options.queueLimit ?? 1000;
  }

  /** Events queued or being sent. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  normal(target: EventTarget, reason: EventReason, message: string): void {
    this.record(target, 'Normal', reason, message);
  }

  warning(target: EventTarget, reason: EventReason, message: string): void {
    this.record(target, 'Warning', reason, message);
  }

  private record(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const { name, namespace, uid } = target.metadata ?? {};
    if (!name || !namespace) return;
    const key = `${uid}/${type}/${reason}/${message}`;
    const now = Date.now();
    if (now - (this.lastSent.get(key) ?? -Infinity) < this.repeatAfterMs) return;
    this.lastSent.set(key, now);
    if (this.lastSent.size > 10_000) this.lastSent.clear();
    const time = new Date(now);
    this.enqueue(namespace, {
      metadata: { generateName: `${name}.`, namespace },
      involvedObject: { apiVersion: target.apiVersion, kind: target.kind, name, namespace, uid, resourceVersion: target.metadata?.resourceVersion },
      type,
      reason,
      message: message.slice(0, 1024),
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: process.env.HOSTNAME ?? this.component,
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    });
  }

  private enqueue(namespace: string, body: EventBody): void {
    if (this.queue.length >= this.queueLimit) {
      if (this.dropped++ === 0) this.log.warn({ queueLimit: this.queueLimit }, 'too many events waiting to be sent; dropping new ones until the queue drains');
      return;
    }
    this.queue.push({ namespace, body });
    this.drain();
  }

  private drain(): void {
    while (this.inFlight < this.concurrency) {
      const next = this.queue.shift();
      if (!next) break;
      this.inFlight++;
      this.core
        .createNamespacedEvent(next)
        .catch((err: unknown) => this.log.warn({ err, reason: next.body.reason }, 'could not record event'))
        .finally(() => {
          this.inFlight--;
          if (this.dropped > 0 && this.queue.length === 0) {
            this.log.warn({ dropped: this.dropped }, 'events dropped while the queue was full');
            this.dropped = 0;
          }
          this.drain();
        });
    }
  }
}
