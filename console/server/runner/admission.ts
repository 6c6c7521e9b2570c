import { QueryCancelled, TooManyRequests } from '../errors.js';

/**
 * Admission to one policy's connections: at most `limit` queries run at once, at most `queueMax` wait, and
 * none waits longer than `timeoutMs`. Past either bound the caller gets 429, so a burst degrades into quick
 * refusals instead of a growing backlog. A waiter whose client went away (`signal`) leaves the queue at once.
 */
export class Admission {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly limit: number,
    private readonly queueMax: number,
    private readonly timeoutMs: number,
  ) {}

  /** Resolves with a release function once the caller may run; rejects with QueryCancelled when `signal` aborts first. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw new QueryCancelled('The query was cancelled because the client went away; it had not started.');
    if (this.running < this.limit) {
      this.running++;
      return this.releaser();
    }
    if (this.waiting.length >= this.queueMax) {
      throw new TooManyRequests(`Too many queries are waiting for this policy (${this.limit} running, ${this.waiting.length} queued); retry shortly.`);
    }
    await new Promise<void>((resolve, reject) => {
      const leave = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
      };
      const entry = (): void => {
        leave();
        resolve();
      };
      const onAbort = (): void => {
        leave();
        reject(new QueryCancelled('The query was cancelled because the client went away while it waited for a connection; it never started.'));
      };
      const timer = setTimeout(() => {
        leave();
        reject(new TooManyRequests(`No connection for this policy became free within ${this.timeoutMs} ms; retry shortly.`));
      }, this.timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
    return this.releaser();
  }

  get busy(): boolean {
    return this.running > 0 || this.waiting.length > 0;
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next(); // the slot passes to the next waiter
      else this.running--;
    };
  }
}
