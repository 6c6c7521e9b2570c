import { ApiException, CoreV1Api, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfig, uniqueName } from '../../../test/support/kube.js';
import { listAll } from './kube-list.js';

let kc: KubeConfig;
let core: CoreV1Api;
let namespace: string;

beforeAll(async () => {
  kc = kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  namespace = uniqueName('kube-list');
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  for (let i = 0; i < 5; i++) {
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: `cm-${i}`, labels: { parity: i % 2 ? 'odd' : 'even' } }, data: { i: String(i) } },
    });
  }
});

afterAll(async () => {
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
});

describe('listAll', () => {
  it('lists every object across pages, with kind, apiVersion and the raw JSON timestamps', async () => {
    const list = await listAll<V1ConfigMap>(kc, `/api/v1/namespaces/${namespace}/configmaps`, { pageSize: 2 });
    const ours = list.items.filter((cm) => cm.metadata?.name?.startsWith('cm-'));
    expect(ours.map((cm) => cm.metadata?.name)).toEqual(['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4']);
    expect(ours[0]).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', data: { i: '0' } });
    expect(typeof ours[0]?.metadata?.creationTimestamp).toBe('string');
    expect(Number(list.resourceVersion)).toBeGreaterThan(0);
  });

  it('applies a label selector', async () => {
    const list = await listAll<V1ConfigMap>(kc, `/api/v1/namespaces/${namespace}/configmaps`, { labelSelector: 'parity=odd' });
    expect(list.items.map((cm) => cm.metadata?.name)).toEqual(['cm-1', 'cm-3']);
  });

  it('throws an ApiException with the HTTP status for a path the server does not serve', async () => {
    const failure = await listAll(kc, '/apis/nothing.dbwarden.io/v1/things').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApiException);
    expect((failure as ApiException<unknown>).code).toBe(404);
  });
});
