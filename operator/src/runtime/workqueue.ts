import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createLogger, forController, forKey } from './logger.js';
import { ItemExponentialBackoff, type RateLimiterOptions } from './rate-limiter.js';
import { isTerminal } from '../errors.js';
import { workQueueMetrics, type WorkQueueMetrics } from './workqueue-metrics.js';

export interface WorkQueueOptions extends RateLimiterOptions {
  /** The queue's metric label and log `controller` field; one queue per controller. */
  name: string;
  /** Where the workqueue_* metrics go; none if omitted. */
  registry?: Registry;
  logger?: Logger;
  /** Called after every pass of the handler, e.g. to count reconciles by result. */
  onOutcome?: (outcome: WorkOutcome) => void;
}

/** What a handler may ask for: another pass of the same key after a delay (a periodic resync). */
export interface WorkResult {
  requeueAfterMs?: number;
}

export type WorkHandler = (key: string) => Promise<WorkResult | void>;

export interface WorkOutcome {
  key: string;
  /** success: done until the next add; requeue: succeeded and asked for another pass; error: retried with backoff; terminal: failed and forgotten. */
  result: 'success' | 'requeue' | 'error' | 'terminal';
  durationSeconds: number;
  error?: unknown;
}

interface DelayedAdd {
  at: number;
  timer: NodeJS.Timeout;
}

/**
 * A rate-limited queue of keys, like client-go's workqueue: a key waits in the queue at most once; a key being
 * processed is never handed to a second worker, and if it is added meanwhile it is processed once more
 * afterwards; failures are retried with per-key exponential backoff.
 */
export class WorkQueue {
  readonly name: string;

  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly delayed = new Map<string, DelayedAdd>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly limiter: ItemExponentialBackoff;
  private readonly metrics: WorkQueueMetrics | undefined;
  private readonly log: Logger;
  private shuttingDown = false;

  constructor(private readonly options: WorkQueueOptions) {
    this.name = options.name;
    this.limiter = new ItemExponentialBackoff(options);
    this.log = forController(options.logger ?? createLogger('silent'), options.name);
    this.metrics = options.registry ? workQueueMetrics(options.registry) : undefined;
    this.metrics?.depth.set({ name: this.name }, 0);
    this.metrics?.adds.inc({ name: this.name }, 0);
    this.metrics?.retries.inc({ name: this.name }, 0);
  }

  /** Queues key unless it is already waiting. Ignored after shutdown. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.metrics?.adds.inc({ name: this.name });
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.dispatch();
  }

  /** Adds key after ms. Of several pending delayed adds of one key, the earliest wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** Adds key after its backoff: base·2^(failures so far), capped. */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    this.metrics?.retries.inc({ name: this.name });
    this.addAfter(key, this.limiter.when(key));
  }

  /** Resets key's backoff. */
  forget(key: string): void {
    this.limiter.forget(key);
  }

  /** Failures of key since it last succeeded. */
  numRequeues(key: string): number {
    return this.limiter.retries(key);
  }

  /** Keys waiting to be processed. */
  len(): number {
    return this.queue.length;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** The next key to process, waiting for one if needed; undefined once the queue shuts down. Call done(key) after. */
  get(): Promise<string | undefined> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.dispatch();
    });
  }

  /** Marks key processed; if it was added meanwhile, it goes back in the queue. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) {
      this.queue.push(key);
      this.dispatch();
    }
    if (this.processing.size === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /**
   * Processes keys with `workers` concurrent workers until shutdown. A handler that returns succeeds (its
   * backoff is forgotten, and a requested requeue is scheduled); one that throws is retried with backoff,
   * unless the error is terminal (see isTerminal), which forgets the key.
   */
  async run(workers: number, handler: WorkHandler): Promise<void> {
    await Promise.all(Array.from({ length: workers }, () => this.work(handler)));
  }

  /**
   * Stops the queue: no more adds, pending delayed adds are cancelled, keys still waiting are dropped (whoever
   * leads next lists everything again), and it resolves once the keys being processed are done.
   */
  async shutdown(): Promise<void> {
    if (!this.shuttingDown) {
      this.shuttingDown = true;
      for (const pending of this.delayed.values()) clearTimeout(pending.timer);
      this.delayed.clear();
      this.queue.length = 0;
      this.dirty.clear();
      this.dispatch();
    }
    if (this.processing.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private dispatch(): void {
    while (this.waiters.length > 0) {
      const key = this.queue.shift();
      if (key === undefined) {
        if (this.shuttingDown) for (const waiter of this.waiters.splice(0)) waiter(undefined);
        break;
      }
      const waiter = this.waiters.shift();
      this.dirty.delete(key);
      this.processing.add(key);
      waiter?.(key);
    }
    this.metrics?.depth.set({ name: this.name }, this.queue.length);
  }

  private async work(handler: WorkHandler): Promise<void> {
    for (;;) {
      const key = await this.get();
      if (key === undefined) return;
      await this.process(key, handler);
    }
  }

  private async process(key: string, handler: WorkHandler): Promise<void> {
    const started = performance.now();
    let result: WorkOutcome['result'];
    let error: unknown;
    try {
      const requested = await handler(key);
      this.forget(key);
      const requeueAfterMs = requested ? requested.requeueAfterMs : undefined;
      if (requeueAfterMs !== undefined && requeueAfterMs >= 0) {
        this.addAfter(key, requeueAfterMs);
        result = 'requeue';
      } else {
        result = 'success';
      }
    } catch (err) {
      error = err;
      if (isTerminal(err)) {
        this.forget(key);
        result = 'terminal';
        forKey(this.log, key).error({ err }, 'reconcile failed; not retrying until the object changes');
      } else {
        this.addRateLimited(key);
        result = 'error';
        forKey(this.log, key).warn({ err, failures: this.numRequeues(key) }, 'reconcile failed; retrying with backoff');
      }
    } finally {
      this.done(key);
    }
    const durationSeconds = (performance.now() - started) / 1000;
    this.metrics?.workDuration.observe({ name: this.name }, durationSeconds);
    try {
      this.options.onOutcome?.({ key, result, durationSeconds, error });
    } catch (err) {
      this.log.error({ err }, 'onOutcome threw');
    }
  }
}
