/**
 * A metadata-only informer (PartialObjectMetadata) of Secrets, behind a proxy that keeps every byte the API
 * server sends: the Secrets' names and versions arrive, their data never does.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CoreV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeConfig, uniqueName } from '../../../test/support/kube.js';
import { startRecordingProxy, type RecordingProxy } from '../../../test/support/recording-proxy.js';
import { identityOnly } from '../cache.js';
import { Informer } from './informer.js';

let kc: KubeConfig;
let core: CoreV1Api;
let namespace: string;
const proxies: RecordingProxy[] = [];
const informers: Informer<KubernetesObject>[] = [];

/** Values no API response would hold by chance. */
const distinctive = (label: string): string => `${label}-${uniqueName('zq')}-secret-value`;
const base64 = (value: string): string => Buffer.from(value).toString('base64');

beforeAll(async () => {
  kc = kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  namespace = uniqueName('informer-meta');
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

afterAll(async () => {
  for (const informer of informers) informer.stop();
  for (const proxy of proxies) await proxy.close();
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
});

async function proxied(): Promise<RecordingProxy> {
  const proxy = await startRecordingProxy(kc);
  proxies.push(proxy);
  return proxy;
}

function informerOf(proxy: RecordingProxy, metadataOnly: boolean, name: string): Informer<KubernetesObject> {
  const informer = new Informer<KubernetesObject>(proxy.kubeConfig, {
    path: `/api/v1/namespaces/${namespace}/secrets`, labelSelector: `test=${name}`, metadataOnly, transform: identityOnly,
  });
  informers.push(informer);
  return informer;
}

describe('a metadata-only informer of Secrets', () => {
  it('receives names and versions through list and watch, and not one byte of any Secret data', async () => {
    const values = { listed: distinctive('listed'), added: distinctive('added'), updated: distinctive('updated') };
    const labels = { test: 'meta' };
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'listed', labels }, stringData: { token: values.listed } } });
    const proxy = await proxied();
    const informer = informerOf(proxy, true, 'meta');
    const seen: string[] = [];
    informer.onAdd((s) => seen.push(`add ${s.metadata?.name}`));
    informer.onUpdate((_old, s) => seen.push(`update ${s.metadata?.name}`));
    informer.onDelete((s) => seen.push(`delete ${s.metadata?.name}`));
    informer.start();
    await informer.waitForSync(AbortSignal.timeout(20_000));
    expect(informer.get(namespace, 'listed')).toMatchObject({ metadata: { name: 'listed', namespace } });

    await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'added', labels }, stringData: { token: values.added } } });
    await core.replaceNamespacedSecret({ namespace, name: 'listed', body: { metadata: { name: 'listed', labels }, stringData: { token: values.updated } } });
    await core.deleteNamespacedSecret({ namespace, name: 'added' });
    await eventually('the watch to deliver add, update and delete', () =>
      ['add listed', 'add added', 'update listed', 'delete added'].every((e) => seen.includes(e)), 20_000);

    const received = proxy.received();
    expect(received).toContain('"name":"listed"');
    expect(received).toContain('"name":"added"');
    expect(received).toContain('PartialObjectMetadata');
    for (const value of Object.values(values)) {
      expect(received).not.toContain(value);
      expect(received).not.toContain(base64(value));
    }
    expect(received).not.toMatch(/"data":\{/);
    const secretRequests = proxy.requests.filter((r) => r.url.includes('/secrets'));
    expect(secretRequests.length).toBeGreaterThanOrEqual(2);
    for (const r of secretRequests) {
      expect(r.accept).toBe(r.url.includes('watch=true')
        ? 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1'
        : 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1');
    }
  });

  it('(control: a full informer through the same kind of proxy receives the data, so the check above would see it)', async () => {
    const value = distinctive('control');
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'control', labels: { test: 'control' } }, stringData: { token: value } } });
    const proxy = await proxied();
    const informer = informerOf(proxy, false, 'control');
    informer.start();
    await informer.waitForSync(AbortSignal.timeout(20_000));
    expect(proxy.received()).toContain(base64(value));
    // The transform keeps none of it in the cache.
    expect(JSON.stringify(informer.list())).not.toContain(base64(value));
  });

  it('(caveat: client-side `kubectl apply` copies the data into an annotation, which metadata includes; the cache drops it)', async () => {
    const value = distinctive('applied');
    const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'applied', namespace, labels: { test: 'applied' } }, stringData: { token: value } });
    const child = promisify(execFile)('kubectl', ['apply', '-f', '-'], { env: process.env });
    child.child.stdin?.end(manifest);
    await child;
    const proxy = await proxied();
    const informer = informerOf(proxy, true, 'applied');
    informer.start();
    await informer.waitForSync(AbortSignal.timeout(20_000));
    expect(proxy.received()).toContain('kubectl.kubernetes.io/last-applied-configuration');
    expect(proxy.received()).toContain(value);
    expect(JSON.stringify(informer.list())).not.toContain(value);
    expect(informer.get(namespace, 'applied')?.metadata?.annotations).toBeUndefined();
  });
});
