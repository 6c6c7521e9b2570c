import { describe, expect, it } from 'vitest';
import type { V1NetworkPolicy } from '@kubernetes/client-node';
import { typed } from '../controllers/network/apply.js';
import { networkPolicyContent, OwnWrites, secretContent } from './own-writes.js';

const secret = (name: string, data: Record<string, string>, annotations: Record<string, string> = {}) =>
  ({ metadata: { namespace: 'ns', name, annotations, labels: { 'app.kubernetes.io/managed-by': 'dbwarden' } }, data });

describe('OwnWrites', () => {
  it('recognises the content this process wrote last, whatever order the server returns its keys in', () => {
    const own = new OwnWrites(secretContent);
    own.record('ns', secret('a', { username: 'dXNlcg==', password: 'cGFzcw==' }, { 'dbwarden.io/rotated-at': 't1' }));
    expect(own.isOwn(secret('a', { password: 'cGFzcw==', username: 'dXNlcg==' }, { 'dbwarden.io/rotated-at': 't1' }))).toBe(true);
    // Someone else's change: other data or annotations, or another Secret.
    expect(own.isOwn(secret('a', { username: 'dXNlcg==', password: 'b3RoZXI=' }, { 'dbwarden.io/rotated-at': 't1' }))).toBe(false);
    expect(own.isOwn(secret('a', { username: 'dXNlcg==', password: 'cGFzcw==' }, { 'dbwarden.io/rotated-at': 't2' }))).toBe(false);
    expect(own.isOwn(secret('b', { username: 'dXNlcg==', password: 'cGFzcw==' }, { 'dbwarden.io/rotated-at': 't1' }))).toBe(false);
  });

  it('forgets a deleted Secret and keeps only the newest write', () => {
    const own = new OwnWrites(secretContent);
    own.record('ns', secret('a', { password: 'MQ==' }));
    own.record('ns', secret('a', { password: 'Mg==' }));
    expect(own.isOwn(secret('a', { password: 'MQ==' }))).toBe(false);
    expect(own.isOwn(secret('a', { password: 'Mg==' }))).toBe(true);
    own.forget(secret('a', {}));
    expect(own.isOwn(secret('a', { password: 'Mg==' }))).toBe(false);
    expect(own.size).toBe(0);
  });

  it('recognises a NetworkPolicy it wrote in the shape the watch delivers it (from, keys in the server\'s order)', () => {
    const own = new OwnWrites<V1NetworkPolicy>(networkPolicyContent);
    const written: V1NetworkPolicy = {
      metadata: { namespace: 'ns', name: 'dbwarden-shop-ingress', labels: { 'app.kubernetes.io/managed-by': 'dbwarden', 'dbwarden.io/connection': 'shop' },
        ownerReferences: [{ apiVersion: 'dbwarden.io/v1alpha1', kind: 'DatabaseConnection', name: 'shop', uid: 'u1', controller: true }] },
      spec: { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'],
        ingress: [{ _from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }] },
    };
    own.record('ns', written);
    // As watched: wire JSON (`from`), keys in another order, server fields the operator does not control.
    const watched = (from: object[]) => ({
      spec: { ingress: [{ ports: [{ port: 5432, protocol: 'TCP' }], from }], policyTypes: ['Ingress'], podSelector: { matchLabels: { app: 'db' } } },
      metadata: { resourceVersion: '42', uid: 'np1', name: 'dbwarden-shop-ingress', namespace: 'ns', generation: 3,
        ownerReferences: [{ uid: 'u1', name: 'shop', kind: 'DatabaseConnection', controller: true, apiVersion: 'dbwarden.io/v1alpha1' }],
        labels: { 'dbwarden.io/connection': 'shop', 'app.kubernetes.io/managed-by': 'dbwarden' } },
    }) as unknown as V1NetworkPolicy;
    expect(own.isOwn(typed(watched([{ podSelector: { matchLabels: { app: 'api' } } }]))!)).toBe(true);
    // Someone opened the database to every pod: not the operator's write.
    expect(own.isOwn(typed(watched([{ podSelector: {} }]))!)).toBe(false);
    own.forget(written);
    expect(own.isOwn(typed(watched([{ podSelector: { matchLabels: { app: 'api' } } }]))!)).toBe(false);
  });
});
