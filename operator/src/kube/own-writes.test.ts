import { describe, expect, it } from 'vitest';
import { OwnWrites } from './own-writes.js';

const secret = (name: string, data: Record<string, string>, annotations: Record<string, string> = {}) =>
  ({ metadata: { namespace: 'ns', name, annotations, labels: { 'app.kubernetes.io/managed-by': 'dbwarden' } }, data });

describe('OwnWrites', () => {
  it('recognises the content this process wrote last, whatever order the server returns its keys in', () => {
    const own = new OwnWrites();
    own.record('ns', secret('a', { username: 'dXNlcg==', password: 'cGFzcw==' }, { 'dbwarden.io/rotated-at': 't1' }));
    expect(own.isOwn(secret('a', { password: 'cGFzcw==', username: 'dXNlcg==' }, { 'dbwarden.io/rotated-at': 't1' }))).toBe(true);
    // Someone else's change: other data or annotations, or another Secret.
    expect(own.isOwn(secret('a', { username: 'dXNlcg==', password: 'b3RoZXI=' }, { 'dbwarden.io/rotated-at': 't1' }))).toBe(false);
    expect(own.isOwn(secret('a', { username: 'dXNlcg==', password: 'cGFzcw==' }, { 'dbwarden.io/rotated-at': 't2' }))).toBe(false);
    expect(own.isOwn(secret('b', { username: 'dXNlcg==', password: 'cGFzcw==' }, { 'dbwarden.io/rotated-at': 't1' }))).toBe(false);
  });

  it('forgets a deleted Secret and keeps only the newest write', () => {
    const own = new OwnWrites();
    own.record('ns', secret('a', { password: 'MQ==' }));
    own.record('ns', secret('a', { password: 'Mg==' }));
    expect(own.isOwn(secret('a', { password: 'MQ==' }))).toBe(false);
    expect(own.isOwn(secret('a', { password: 'Mg==' }))).toBe(true);
    own.forget(secret('a', {}));
    expect(own.isOwn(secret('a', { password: 'Mg==' }))).toBe(false);
    expect(own.size).toBe(0);
  });
});
