import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { required } from './env.js';
import { eventually } from './kube.js';

const root = join(import.meta.dirname, '..', '..');
export const crdFiles = ['databaseconnections.dbwarden.io.yaml', 'accesspolicies.dbwarden.io.yaml'].map((f) => join(root, 'crds', f));

/**
 * Server-side applies dbwarden's CRDs (idempotent; every suite may call it) and waits until they serve.
 * Through kubectl: client-node's typed serializer drops `enum`, `default` and `x-kubernetes-validations`
 * from a plain-object CRD (its model names them `_enum`, `_default`, `xKubernetesValidations`).
 */
export async function applyCrds(_kc?: KubeConfig): Promise<void> {
  const env = { ...process.env, KUBECONFIG: required('KUBECONFIG') };
  const files = crdFiles.flatMap((f) => ['-f', f]);
  await promisify(execFile)('kubectl', ['apply', '--server-side', '--force-conflicts', '--field-manager=dbwarden-tests', ...files], { env });
  await waitEstablished(['databaseconnections.dbwarden.io', 'accesspolicies.dbwarden.io']);
}

/**
 * Waits until each CRD's Established condition is True. Not `kubectl wait`: right after a create the CRD may
 * have no status yet, and kubectl then fails at once ("<nil> is of the type <nil>") instead of waiting.
 */
export async function waitEstablished(names: string[], timeoutMs = 60_000): Promise<void> {
  const env = { ...process.env, KUBECONFIG: required('KUBECONFIG') };
  for (const name of names) {
    await eventually(`CRD ${name} to be Established`, async () => {
      const { stdout } = await promisify(execFile)('kubectl', ['get', 'crd', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}'], { env });
      return stdout.trim() === 'True';
    }, timeoutMs);
  }
}
