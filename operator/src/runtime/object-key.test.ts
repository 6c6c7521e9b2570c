import { describe, expect, it } from 'vitest';
import { keyOf, objectKey, splitKey } from './object-key.js';

describe('object keys', () => {
  it('are namespace/name for namespaced objects and name for cluster-scoped ones', () => {
    expect(objectKey({ metadata: { namespace: 'shop', name: 'ai' } })).toBe('shop/ai');
    expect(objectKey({ metadata: { name: 'dbwarden-console-user' } })).toBe('dbwarden-console-user');
    expect(keyOf(undefined, 'n')).toBe('n');
  });

  it('split back into namespace and name', () => {
    expect(splitKey('shop/ai')).toEqual({ namespace: 'shop', name: 'ai' });
    expect(splitKey('cluster-wide')).toEqual({ namespace: undefined, name: 'cluster-wide' });
  });

  it('refuse an object without a name', () => {
    expect(() => objectKey({ metadata: {} })).toThrow(/metadata.name/);
  });
});
