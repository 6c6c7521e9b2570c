import { describe, expect, it } from 'vitest';
import { QueryCancelled, TooManyRequests } from '../errors.js';
import { Admission } from './admission.js';

describe('Admission', () => {
  it('runs up to the limit, queues the rest in order, and refuses past the queue', async () => {
    const a = new Admission(2, 1, 1000);
    const r1 = await a.acquire();
    await a.acquire();
    const order: string[] = [];
    const third = a.acquire().then((release) => {
      order.push('third');
      return release;
    });
    await expect(a.acquire()).rejects.toBeInstanceOf(TooManyRequests);
    r1();
    r1(); // a second call does nothing
    (await third)();
    expect(order).toEqual(['third']);
    expect(a.busy).toBe(true);
  });

  it('refuses a waiter after the timeout', async () => {
    const a = new Admission(1, 5, 50);
    await a.acquire();
    await expect(a.acquire()).rejects.toThrow(/within 50 ms/);
  });

  it('lets a waiter whose client went away leave the queue at once, and never hands it a slot', async () => {
    const a = new Admission(1, 1, 10_000);
    const first = await a.acquire();
    const gone = new AbortController();
    const waiting = a.acquire(gone.signal);
    gone.abort();
    await expect(waiting).rejects.toBeInstanceOf(QueryCancelled);
    // The queue has room again, and the slot goes to the next waiter, not to the one that left.
    const next = a.acquire();
    first();
    (await next)();
    expect(a.busy).toBe(false);
    await expect(a.acquire(gone.signal)).rejects.toBeInstanceOf(QueryCancelled);
  });
});
