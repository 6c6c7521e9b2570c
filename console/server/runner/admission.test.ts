import { describe, expect, it } from 'vitest';
import { TooManyRequests } from '../errors.js';
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
});
