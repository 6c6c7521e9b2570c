/**
 * Watch behaviour of the pinned @kubernetes/client-node against the real API server, which the
 * operator's informers depend on.
 */
import { CoreV1Api, Watch, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeConfig, uniqueName } from '../support/kube.js';

let kc: KubeConfig;
let core: CoreV1Api;
let namespace: string;

beforeAll(async () => {
  kc = kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  namespace = uniqueName('watch');
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

afterAll(async () => {
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
});

describe.concurrent('watches', () => {
  // client-node 2.0.0 aborted every watch 30 s after it started (issue 3020); 2.0.1 (PR 3022) aborts only
  // after 30 s without data. A busy watch must therefore stay on one connection for over a minute.
  it('keeps a busy watch on one connection for longer than a minute (client-node issue 3020)', async () => {
    const events: string[] = [];
    let endedWith: unknown = 'open';
    const watch = await new Watch(kc).watch(
      `/api/v1/namespaces/${namespace}/configmaps`,
      {},
      (phase, obj: { metadata: { name: string } }) => events.push(`${phase} ${obj.metadata.name}`),
      (err: unknown) => {
        endedWith = err ?? 'closed';
      },
    );
    try {
      for (let i = 0; i < 8; i++) {
        await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: `tick-${i}` } } });
        await new Promise((r) => setTimeout(r, 10_000));
      }
      expect(endedWith).toBe('open');
      expect(events.filter((e) => e.startsWith('ADDED tick-'))).toHaveLength(8);
    } finally {
      watch.abort();
    }
  }, 100_000);

  // (Secrets here, so the busy test's ConfigMaps running concurrently do not keep this watch busy.)
  // What the operator's informers rely on: a quiet watch ends with a TimeoutError after 30 s, and a new
  // watch from the last resourceVersion delivers what happened in between, without a relist.
  it('resumes an idle watch from its last resourceVersion without losing events', async () => {
    const cm = await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'idle-start' } } });
    const ended = new Promise<unknown>((resolve) => {
      void new Watch(kc).watch(`/api/v1/namespaces/${namespace}/secrets`,
        { resourceVersion: cm.metadata!.resourceVersion! }, () => undefined, resolve);
    });
    expect(await ended).toMatchObject({ name: 'TimeoutError' });
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'while-disconnected' } } });
    const events: string[] = [];
    const watch = await new Watch(kc).watch(`/api/v1/namespaces/${namespace}/secrets`,
      { resourceVersion: cm.metadata!.resourceVersion! },
      (phase, obj: { metadata: { name: string } }) => events.push(`${phase} ${obj.metadata.name}`), () => undefined);
    try {
      await eventually('the missed event', () => events.includes('ADDED while-disconnected'), 10_000);
    } finally {
      watch.abort();
    }
  }, 60_000);
});
