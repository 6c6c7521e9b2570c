import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubernetesUnavailable } from '../errors.js';
import { ConsoleMetrics } from '../metrics.js';
import type { SecretData } from './catalog.js';
import { CredentialCache, type SecretReader } from './credentials.js';

/** A Secret store standing in for the API server: counts reads, can be slow or fail. */
class Secrets implements SecretReader {
  reads = 0;
  secret: SecretData | undefined;
  failure: Error | undefined;
  delayMs = 0;

  constructor(password: string, version = '1') {
    this.set(password, version);
  }

  set(password: string, version: string): void {
    this.secret = {
      resourceVersion: version,
      data: { username: 'reader', password, host: 'db', port: '5432', database: 'shop', uri: `postgresql://reader:${password}@db/shop`, 'pending-password': 'next' },
    };
  }

  async readSecret(): Promise<SecretData | undefined> {
    this.reads++;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failure) throw this.failure;
    return this.secret && structuredClone(this.secret);
  }
}

async function readsOf(metrics: ConsoleMetrics, reason: string): Promise<number> {
  const values = (await metrics.secretReads.get()).values;
  return values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

describe('CredentialCache', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reuses what it read for the TTL, then reads the Secret again', async () => {
    const store = new Secrets('pw-one-0123456789');
    const cache = new CredentialCache(store, 5_000);
    const first = await cache.get('ns', 'reader-credentials');
    expect(first).toEqual({ version: '1', fields: { username: 'reader', password: 'pw-one-0123456789', host: 'db', port: '5432', database: 'shop' } });
    vi.advanceTimersByTime(4_999);
    expect(await cache.get('ns', 'reader-credentials')).toBe(first);
    expect(store.reads).toBe(1);
    store.set('pw-two-0123456789', '2');
    vi.advanceTimersByTime(1);
    expect((await cache.get('ns', 'reader-credentials'))?.fields.password).toBe('pw-two-0123456789');
    expect(store.reads).toBe(2);
  });

  it('keeps only what a query needs: no URI, no pending password', async () => {
    const cache = new CredentialCache(new Secrets('pw-one-0123456789'), 5_000);
    const read = await cache.get('ns', 'reader-credentials');
    expect(Object.keys(read?.fields ?? {}).sort()).toEqual(['database', 'host', 'password', 'port', 'username']);
    expect(JSON.stringify(read)).not.toContain('next');
    expect(Object.isFrozen(read) && Object.isFrozen(read?.fields)).toBe(true);
  });

  it('reads a Secret once for many queries at the same moment', async () => {
    vi.useRealTimers();
    const store = new Secrets('pw-one-0123456789');
    store.delayMs = 20;
    const cache = new CredentialCache(store, 5_000);
    const reads = await Promise.all(Array.from({ length: 10 }, () => cache.get('ns', 'reader-credentials')));
    expect(new Set(reads).size).toBe(1);
    expect(store.reads).toBe(1);
  });

  it('reads again at once when the database refused the version held, and only once for many refusals', async () => {
    const metrics = new ConsoleMetrics();
    const store = new Secrets('pw-one-0123456789');
    const cache = new CredentialCache(store, 60_000, metrics);
    const held = await cache.get('ns', 'reader-credentials');
    store.set('pw-two-0123456789', '2');
    const fresh = await cache.get('ns', 'reader-credentials', held?.version);
    expect(fresh?.version).toBe('2');
    // Other queries refused with version 1 get version 2 without another read.
    expect(await cache.get('ns', 'reader-credentials', '1')).toBe(fresh);
    expect(store.reads).toBe(2);
    expect(await readsOf(metrics, 'expired')).toBe(1);
    expect(await readsOf(metrics, 'rejected')).toBe(1);
  });

  it('with a TTL of 0 reads the Secret for every query and keeps nothing', async () => {
    const store = new Secrets('pw-one-0123456789');
    const cache = new CredentialCache(store, 0);
    await cache.get('ns', 'reader-credentials');
    await cache.get('ns', 'reader-credentials');
    expect(store.reads).toBe(2);
  });

  it('fails closed: a failed read is not hidden behind an expired copy, and is not remembered', async () => {
    const store = new Secrets('pw-one-0123456789');
    const cache = new CredentialCache(store, 1_000);
    await cache.get('ns', 'reader-credentials');
    vi.advanceTimersByTime(1_000);
    store.failure = new KubernetesUnavailable('the API server is down');
    await expect(cache.get('ns', 'reader-credentials')).rejects.toBeInstanceOf(KubernetesUnavailable);
    store.failure = undefined;
    expect((await cache.get('ns', 'reader-credentials'))?.version).toBe('1');
    expect(store.reads).toBe(3);
  });

  it('forgets a Secret that was deleted', async () => {
    const store = new Secrets('pw-one-0123456789');
    const cache = new CredentialCache(store, 1_000);
    await cache.get('ns', 'reader-credentials');
    vi.advanceTimersByTime(1_000);
    store.secret = undefined;
    expect(await cache.get('ns', 'reader-credentials')).toBeUndefined();
    store.set('pw-two-0123456789', '2');
    expect((await cache.get('ns', 'reader-credentials'))?.version).toBe('2');
  });

  it('keeps Secrets of different namespaces and names apart', async () => {
    const store = new Secrets('pw-one-0123456789');
    const cache = new CredentialCache(store, 5_000);
    await cache.get('a', 'reader-credentials');
    await cache.get('b', 'reader-credentials');
    await cache.get('a', 'other-credentials');
    expect(store.reads).toBe(3);
  });
});
