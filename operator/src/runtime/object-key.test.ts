import { describe, expect, it } from 'vitest';
import { keyOf, splitKey } from './object-key.js';

describe('object keys', () => {
  it('are namespace/name for namespaced objects and name for cluster-scoped ones', () => {
    expect(keyOf({ metadata: { namespace: 'shop', name: 'ai' } })).toBe('shop/ai');
    expect(keyOf({ metadata: { name: 'dbwarden-console-user' } })).toBe('dbwarden-console-user');
    expect(keyOf('shop', 'ai')).toBe('shop/ai');
    expect(keyOf(undefined, 'n')).toBe('n');
  });

  it('split back into namespace and name', () => {
    expect(splitKey('shop/ai')).toEqual({ namespace: 'shop', name: 'ai' });
    expect(splitKey('cluster-wide')).toEqual({ namespace: undefined, name: 'cluster-wide' });
  });

  it('refuse an object without a name', () => {
    expect(() => keyOf({ metadata: {} })).toThrow(/metadata.name/);
  });
});
