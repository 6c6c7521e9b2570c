import { describe, expect, it } from 'vitest';
import { ItemExponentialBackoff } from './rate-limiter.js';

describe('ItemExponentialBackoff', () => {
  it('defaults to 500 ms doubling per failure, capped at 5 minutes', () => {
    const limiter = new ItemExponentialBackoff();
    const delays = Array.from({ length: 12 }, () => limiter.when('a'));
    expect(delays.slice(0, 4)).toEqual([500, 1_000, 2_000, 4_000]);
    expect(delays.at(-1)).toBe(300_000);
    expect(limiter.retries('a')).toBe(12);
  });

  it('backs off each key on its own and starts over after forget', () => {
    const limiter = new ItemExponentialBackoff({ baseDelayMs: 10, maxDelayMs: 1_000 });
    limiter.when('a');
    limiter.when('a');
    expect(limiter.when('b')).toBe(10);
    expect(limiter.when('a')).toBe(40);
    limiter.forget('a');
    expect(limiter.retries('a')).toBe(0);
    expect(limiter.when('a')).toBe(10);
  });
});
