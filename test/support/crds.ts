import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiextensionsV1Api, KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { eventually } from './kube.js';

const root = join(import.meta.dirname, '..', '..');
export const crdFiles = ['databaseconnections.dbwarden.io.yaml', 'accesspolicies.dbwarden.io.yaml'].map((f) => join(root, 'crds', f));

/** Server-side applies dbwarden's CRDs (idempotent; every suite may call it) and waits until they serve. */
export async function applyCrds(kc: KubeConfig): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  for (const file of crdFiles) {
    const crd = parse(readFileSync(file, 'utf8')) as KubernetesObject;
    await api.patch(crd, undefined, undefined, 'dbwarden-tests', true, PatchStrategy.ServerSideApply);
    await eventually(`CRD ${crd.metadata?.name} to be established`, async () => {
      const got = await ext.readCustomResourceDefinition({ name: crd.metadata!.name! });
      return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    });
  }
}
