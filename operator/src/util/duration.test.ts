import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads Go durations', () => {
    expect(parseDuration('2160h')).toBe(90 * 24 * 3_600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('15s')).toBe(15_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('250ms')).toBe(250);
  });
  it('refuses anything else', () => {
    for (const bad of ['', '15', '1d', 'h', '-1s', '1h 30m']) expect(() => parseDuration(bad)).toThrow(/not a duration/);
  });
});
