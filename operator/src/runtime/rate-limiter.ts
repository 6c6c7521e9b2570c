import { exponentialDelayMs } from './backoff.js';

export interface RateLimiterOptions {
  /** Delay before the first retry (default 500 ms); it doubles with every failure in a row. */
  baseDelayMs?: number;
  /** Cap on the delay (default 5 min). */
  maxDelayMs?: number;
}

/** Per-key exponential backoff, like client-go's ItemExponentialFailureRateLimiter. */
export class ItemExponentialBackoff {
  private readonly failures = new Map<string, number>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(options: RateLimiterOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 5 * 60_000;
  }

  /** Records one more failure of key and returns how long to wait before retrying it. */
  when(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    return exponentialDelayMs(failures, this.baseDelayMs, this.maxDelayMs);
  }

  /** Failures of key since it last succeeded. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Key succeeded (or gave up): its next failure starts from the base delay again. */
  forget(key: string): void {
    this.failures.delete(key);
  }
}
