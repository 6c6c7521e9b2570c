import { describe, expect, it } from 'vitest';
import { exponentialDelayMs, withJitter } from './backoff.js';

describe('exponentialDelayMs', () => {
  it('doubles from the base and stops at the cap', () => {
    const delays = [0, 1, 2, 3, 4, 10].map((failures) => exponentialDelayMs(failures, 500, 5_000));
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  it('stays at the cap for very many failures instead of overflowing', () => {
    expect(exponentialDelayMs(5_000, 500, 300_000)).toBe(300_000);
  });
});

describe('withJitter', () => {
  it('returns between half and all of the delay', () => {
    expect(withJitter(1_000, () => 0)).toBe(500);
    expect(withJitter(1_000, () => 0.999)).toBeCloseTo(999.5);
  });
});
