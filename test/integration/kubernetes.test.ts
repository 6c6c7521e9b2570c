/**
 * Proves the local control plane is real: kube-apiserver serves CRDs and custom objects with schema
 * validation and watches, and kube-controller-manager garbage-collects dependents and deletes namespaces.
 */
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  VersionApi,
  Watch,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeConfig, uniqueName } from '../support/kube.js';

let kc: KubeConfig;
let core: CoreV1Api;
let namespace: string;

beforeAll(async () => {
  kc = kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  namespace = uniqueName('foundation');
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

afterAll(async () => {
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
});

describe('Kubernetes API server', () => {
  it('is a real kube-apiserver and reports its version', async () => {
    const version = await kc.makeApiClient(VersionApi).getCode();
    console.log(`kube-apiserver ${version.gitVersion} (${version.platform}, ${version.goVersion})`);
    expect(version.gitVersion).toMatch(/^v1\.36\.\d+$/);
  });

  it('serves a CustomResourceDefinition and custom objects, and watches see them', async () => {
    const group = 'foundation.test.dbwarden.io';
    const crd: V1CustomResourceDefinition = {
      metadata: { name: `widgets.${group}` },
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
              properties: {
                spec: {
                  type: 'object',
                  properties: { size: { type: 'integer', minimum: 1 } },
                  required: ['size'],
                },
              },
            },
          },
        }],
      },
    };
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({ body: crd }).catch((err: { code?: number }) => {
      if (err.code !== 409) throw err;
    });
    await eventually('the CRD to be Established', async () => {
      const got = await ext.readCustomResourceDefinition({ name: crd.metadata!.name! });
      return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    });

    const objects = kc.makeApiClient(CustomObjectsApi);
    const list = await eventually('the API to serve widgets', async () => {
      const got: unknown = await objects.listNamespacedCustomObject({ group, version: 'v1', namespace, plural: 'widgets' });
      return got as { metadata: { resourceVersion: string } };
    }, 30_000);

    const events: string[] = [];
    const watch = await new Watch(kc).watch(
      `/apis/${group}/v1/namespaces/${namespace}/widgets`,
      { resourceVersion: list.metadata.resourceVersion },
      (phase, obj: { metadata: { name: string } }) => events.push(`${phase} ${obj.metadata.name}`),
      () => undefined,
    );
    try {
      const body = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } };
      await objects.createNamespacedCustomObject({ group, version: 'v1', namespace, plural: 'widgets', body });
      const bad = { ...body, metadata: { name: 'w2' }, spec: { size: 0 } };
      await expect(
        objects.createNamespacedCustomObject({ group, version: 'v1', namespace, plural: 'widgets', body: bad }),
      ).rejects.toMatchObject({ code: 422 });
      await objects.patchNamespacedCustomObject({
        group, version: 'v1', namespace, plural: 'widgets', name: 'w1',
        body: [{ op: 'replace', path: '/spec/size', value: 4 }],
      });
      await eventually('ADDED and MODIFIED events', () =>
        events.includes('ADDED w1') && events.includes('MODIFIED w1'), 10_000);
    } finally {
      watch.abort();
    }
  });

  it('garbage-collects a dependent when its owner is deleted (kube-controller-manager)', async () => {
    const owner = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'owner' } } });
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: {
          name: 'dependent',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }],
        },
        stringData: { k: 'v' },
      },
    });
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace, propagationPolicy: 'Background' });
    await eventually('the dependent Secret to be garbage-collected', async () => {
      try {
        await core.readNamespacedSecret({ name: 'dependent', namespace });
        return false;
      } catch (err) {
        return (err as { code?: number }).code === 404;
      }
    });
  });

  it('deletes a namespace with its contents (namespace controller)', async () => {
    const ns = uniqueName('doomed');
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'inside' } } });
    await core.deleteNamespace({ name: ns });
    await eventually('the namespace to be finalized', async () => {
      try {
        await core.readNamespace({ name: ns });
        return false;
      } catch (err) {
        return (err as { code?: number }).code === 404;
      }
    });
  });
});
