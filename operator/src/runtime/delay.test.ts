import { describe, expect, it } from 'vitest';
import { delay } from './delay.js';

describe('delay', () => {
  it('resolves true after the time has passed', async () => {
    const started = Date.now();
    expect(await delay(50)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('resolves false as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    expect(await delay(10_000, controller.signal)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('resolves false at once for an aborted signal', async () => {
    expect(await delay(10_000, AbortSignal.abort())).toBe(false);
  });
});
