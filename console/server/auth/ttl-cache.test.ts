import { describe, expect, it, vi } from 'vitest';
import { TtlCache } from './ttl-cache.js';

describe('TtlCache', () => {
  it('forgets entries after their TTL and the oldest past the size', () => {
    vi.useFakeTimers();
    try {
      const c = new TtlCache<number>(1000, 2);
      c.set('a', 1);
      c.set('b', 2);
      c.set('c', 3);
      expect(c.get('a')).toBeUndefined();
      expect(c.get('b')).toBe(2);
      vi.advanceTimersByTime(1001);
      expect(c.get('b')).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('caches nothing with a TTL of 0', () => {
    const c = new TtlCache<boolean>(0);
    c.set('a', true);
    expect(c.get('a')).toBeUndefined();
  });
});
