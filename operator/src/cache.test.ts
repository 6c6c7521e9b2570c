import { describe, expect, it } from 'vitest';
import { withoutManagedFields } from './cache.js';

describe('withoutManagedFields', () => {
  it('drops managedFields and keeps everything else', () => {
    const obj = {
      apiVersion: 'dbwarden.io/v1alpha1', kind: 'AccessPolicy',
      metadata: { name: 'p', namespace: 'ns', resourceVersion: '7', annotations: { a: 'b' }, managedFields: [{ manager: 'kubectl' }] },
      spec: { x: 1 },
    };
    expect(withoutManagedFields(obj)).toEqual({
      apiVersion: 'dbwarden.io/v1alpha1', kind: 'AccessPolicy',
      metadata: { name: 'p', namespace: 'ns', resourceVersion: '7', annotations: { a: 'b' } },
      spec: { x: 1 },
    });
    expect(obj.metadata.managedFields).toHaveLength(1);
    const bare = { metadata: { name: 'q' } };
    expect(withoutManagedFields(bare)).toBe(bare);
  });
});
