import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeConfig, uniqueName } from '../../../test/support/kube.js';
import { Informer } from './informer.js';

let kc: KubeConfig;
let core: CoreV1Api;
let namespace: string;
const informers: Informer<KubernetesObject>[] = [];

beforeAll(async () => {
  kc = kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  namespace = uniqueName('informer');
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

afterAll(async () => {
  for (const informer of informers) informer.stop();
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
});

function track<T extends KubernetesObject>(informer: Informer<T>): Informer<T> {
  informers.push(informer as unknown as Informer<KubernetesObject>);
  return informer;
}

/** Records handler calls as `add name`, `update name old-rv->new-rv`, `delete name`. */
function recordEvents<T extends KubernetesObject>(informer: Informer<T>): string[] {
  const events: string[] = [];
  informer.onAdd((obj) => events.push(`add ${obj.metadata?.name}`));
  informer.onUpdate((old, obj) => events.push(`update ${obj.metadata?.name} ${old.metadata?.resourceVersion}->${obj.metadata?.resourceVersion}`));
  informer.onDelete((obj) => events.push(`delete ${obj.metadata?.name}`));
  return events;
}

const configMap = (name: string, label: string, data: Record<string, string> = {}): V1ConfigMap => ({
  metadata: { name, labels: { test: label } },
  data,
});

describe.concurrent('Informer', () => {
  it('lists what exists, then sees adds, updates and deletes through the watch', async () => {
    await core.createNamespacedConfigMap({ namespace, body: configMap('before', 'crud', { v: '1' }) });
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'unlabelled' } } });
    const informer = track(
      new Informer<V1ConfigMap>(kc, { path: `/api/v1/namespaces/${namespace}/configmaps`, labelSelector: 'test=crud' }),
    );
    const events = recordEvents(informer);
    expect(informer.hasSynced()).toBe(false);
    informer.start();
    await informer.waitForSync(AbortSignal.timeout(20_000));
    expect(informer.hasSynced()).toBe(true);
    expect(events).toEqual(['add before']);
    expect(informer.get(namespace, 'before')).toMatchObject({ kind: 'ConfigMap', data: { v: '1' } });
    expect(informer.get(namespace, 'unlabelled')).toBeUndefined();

    await core.createNamespacedConfigMap({ namespace, body: configMap('after', 'crud', { v: '1' }) });
    await eventually('the add', () => informer.get(namespace, 'after'), 10_000);

    const before = informer.get(namespace, 'after')?.metadata?.resourceVersion;
    const updated = await core.replaceNamespacedConfigMap({
      namespace,
      name: 'after',
      body: { ...configMap('after', 'crud', { v: '2' }), metadata: { name: 'after', labels: { test: 'crud' }, resourceVersion: before } },
    });
    await eventually('the update', () => informer.get(namespace, 'after')?.data?.v === '2', 10_000);

    await core.deleteNamespacedConfigMap({ namespace, name: 'before' });
    await eventually('the delete', () => informer.get(namespace, 'before') === undefined, 10_000);

    expect(events).toEqual([
      'add before',
      'add after',
      `update after ${before}->${updated.metadata?.resourceVersion}`,
      'delete before',
    ]);
    expect(informer.list().map((cm) => cm.metadata?.name)).toEqual(['after']);
    expect(informer.stats).toMatchObject({ lists: 1, relists: 0 });

    const late: string[] = [];
    informer.onAdd((obj) => late.push(obj.metadata?.name ?? ''));
    expect(late).toEqual(['after']);
  });

  it('transforms objects before caching them, so Secret data need not be kept', async () => {
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'listed', labels: { test: 'transform' } }, stringData: { password: 'p1' } } });
    const informer = track(new Informer<KubernetesObject & { data?: object }>(kc, {
      path: `/api/v1/namespaces/${namespace}/secrets`,
      labelSelector: 'test=transform',
      transform: (obj) => ({ apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata }),
    }));
    informer.start();
    await informer.waitForSync(AbortSignal.timeout(20_000));
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'watched', labels: { test: 'transform' } }, stringData: { password: 'p2' } } });
    await eventually('the watched Secret', () => informer.get(namespace, 'watched'), 10_000);
    for (const name of ['listed', 'watched']) {
      expect(informer.get(namespace, name)?.metadata?.name).toBe(name);
      expect(informer.get(namespace, name)?.data).toBeUndefined();
    }
  });

  it('survives a watch idle for longer than 30 s and resumes it without listing again', async () => {
    const informer = track(
      new Informer<V1ConfigMap>(kc, { path: `/api/v1/namespaces/${namespace}/configmaps`, labelSelector: 'test=idle' }),
    );
    informer.start();
    await informer.waitForSync(AbortSignal.timeout(20_000));
    await new Promise((resolve) => setTimeout(resolve, 35_000));
    expect(informer.isHealthy()).toBe(true);

    await core.createNamespacedConfigMap({ namespace, body: configMap('after-idle', 'idle') });
    await eventually('the event after the idle period', () => informer.get(namespace, 'after-idle'), 10_000);
    expect(informer.stats.relists).toBe(0);
    expect(informer.stats.watchRestarts).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('lists again on 410 Gone and emits what changed while it was away', async () => {
    // A new CRD's watch cache starts at its creation, so resuming from resourceVersion 1 is certain to be too
    // old: the API server answers the watch with an ERROR event, code 410, as it would after compaction.
    const group = `${uniqueName('informer')}.test.dbwarden.io`;
    const extensions = kc.makeApiClient(ApiextensionsV1Api);
    const objects = kc.makeApiClient(CustomObjectsApi);
    const crdName = `widgets.${group}`;
    await extensions.createCustomResourceDefinition({
      body: {
        metadata: { name: crdName },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [{
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
              },
            },
          }],
        },
      },
    });
    try {
      await eventually('the CRD to be established', async () => {
        const crd = await extensions.readCustomResourceDefinition({ name: crdName });
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      }, 30_000);
      const widget = (name: string, size: number) => ({ apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name }, spec: { size } });
      const create = (name: string, size: number) =>
        objects.createNamespacedCustomObject({ group, version: 'v1', namespace, plural: 'widgets', body: widget(name, size) });
      await eventually('the widgets endpoint', () => create('changes', 1).then(() => true), 20_000);
      await create('goes-away', 1);
      await create('stays', 1);

      const informer = track(new Informer<KubernetesObject & { spec?: { size?: number } }>(kc, { path: `/apis/${group}/v1/widgets` }));
      const events = recordEvents(informer);
      informer.onDelete((obj) => {
        if (informer.get(obj.metadata?.namespace, obj.metadata?.name ?? '')) events.push('handler saw a stale cache');
      });
      informer.start();
      await informer.waitForSync(AbortSignal.timeout(20_000));
      expect(events.sort()).toEqual(['add changes', 'add goes-away', 'add stays']);
      events.length = 0;

      informer.suspendWatch();
      await objects.patchNamespacedCustomObject(
        { group, version: 'v1', namespace, plural: 'widgets', name: 'changes', body: [{ op: 'replace', path: '/spec/size', value: 2 }] },
      );
      await objects.deleteNamespacedCustomObject({ group, version: 'v1', namespace, plural: 'widgets', name: 'goes-away' });
      await create('new', 3);
      expect(events).toEqual([]);

      informer.resumeWatch('1');
      await eventually('the relist', () => informer.stats.relists === 1, 15_000);
      expect(events.map((e) => e.replace(/ \d+->\d+$/, ''))).toEqual(['delete goes-away', 'add new', 'update changes']);
      expect(informer.list().map((w) => `${w.metadata?.name}=${w.spec?.size}`).sort()).toEqual(['changes=2', 'new=3', 'stays=1']);

      await create('after-relist', 4);
      await eventually('a watch event after the relist', () => informer.get(namespace, 'after-relist'), 10_000);
      expect(informer.stats.relists).toBe(1);
    } finally {
      await extensions.deleteCustomResourceDefinition({ name: crdName }).catch(() => undefined);
    }
  });

  it('has a watchdog that restarts a loop that has not watched for too long, and stop ends waiting for sync', async () => {
    const informer = track(
      new Informer(kc, {
        path: '/apis/nothing.dbwarden.io/v1/things',
        retryBaseMs: 60_000,
        retryMaxMs: 60_000,
        stuckAfterMs: 300,
        watchdogIntervalMs: 100,
      }),
    );
    informer.start();
    await expect(informer.waitForSync(AbortSignal.timeout(500))).rejects.toMatchObject({ name: 'TimeoutError' });
    await eventually('a watchdog restart', () => informer.stats.watchdogRestarts >= 1, 5_000);
    expect(informer.stats.lists).toBe(0);

    const waiting = informer.waitForSync();
    informer.stop();
    await expect(waiting).rejects.toThrow(/stopped before it synced/);
  });
});
