import { describe, expect, it } from 'vitest';
import { parseDuration, tryParseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads Go durations', () => {
    expect(parseDuration('2160h')).toBe(90 * 24 * 3_600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('15s')).toBe(15_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1500us')).toBe(1.5);
  });
  it('refuses anything else', () => {
    for (const bad of ['', '15', '1d', 'h', 's', '1x', '-1s', '1h 30m', '1s ', '1s2']) {
      expect(() => parseDuration(bad), bad).toThrow(/not a duration/);
      expect(tryParseDuration(bad), bad).toBeUndefined();
    }
  });
});
