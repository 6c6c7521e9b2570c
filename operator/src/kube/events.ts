import type { CoreV1Api } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

/**
 * Records Kubernetes Events (what `kubectl describe` shows). The same reason and message for the same object
 * is sent at most once per `repeatAfterMs`, so a failing reconcile that retries does not flood the API.
 */
export class EventRecorder {
  private readonly lastSent = new Map<string, number>();

  constructor(
    private readonly core: CoreV1Api,
    private readonly log: Logger,
    private readonly component = 'dbwarden-operator',
    private readonly repeatAfterMs = 5 * 60_000,
  ) {}

  normal(target: EventTarget, reason: string, message: string): void {
    this.record(target, 'Normal', reason, message);
  }

  warning(target: EventTarget, reason: string, message: string): void {
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
    this.core
      .createNamespacedEvent({
        namespace,
        body: {
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
        },
      })
      .catch((err: unknown) => this.log.warn({ err, reason }, 'could not record event'));
  }
}
