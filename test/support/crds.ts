import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { required } from './env.js';

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
  await promisify(execFile)('kubectl', ['wait', '--for=condition=Established', '--timeout=60s',
    'crd/databaseconnections.dbwarden.io', 'crd/accesspolicies.dbwarden.io'], { env });
}
