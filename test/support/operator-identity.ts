import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { required } from './env.js';

const root = join(import.meta.dirname, '..', '..');
export const operatorNamespace = 'dbwarden-system';

let identity: Promise<string> | undefined;

/**
 * A kubeconfig for the ServiceAccount dbwarden-operator with exactly the RBAC in config/rbac, so every test
 * that runs the operator proves it needs no more (a forbidden request fails the suite: see operator.ts).
 */
export function operatorKubeconfig(): Promise<string> {
  identity ??= create();
  return identity;
}

async function create(): Promise<string> {
  const admin = required('KUBECONFIG');
  const env = { ...process.env, KUBECONFIG: admin };
  const run = promisify(execFile);
  const namespace = stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: operatorNamespace } });
  const applyNs = execFile('kubectl', ['apply', '--server-side', '-f', '-'], { env });
  applyNs.stdin?.end(namespace);
  await new Promise((resolve, reject) => applyNs.on('exit', (code) => (code === 0 ? resolve(code) : reject(new Error(`kubectl exited ${code}`)))));
  await run('kubectl', ['apply', '--server-side', '--force-conflicts', '--field-manager=dbwarden-tests', '-k', join(root, 'config', 'rbac')], { env });

  const kc = new KubeConfig();
  kc.loadFromFile(admin);
  const token = await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    namespace: operatorNamespace, name: 'dbwarden-operator', body: { spec: { audiences: [], expirationSeconds: 24 * 3600 } },
  });
  const cluster = kc.getCurrentCluster()!;
  const caData = cluster.caData ?? readFileSync(cluster.caFile!).toString('base64');
  const file = join(root, '.dev', 'operator.kubeconfig');
  writeFileSync(file, stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server: cluster.server, 'certificate-authority-data': caData } }],
    users: [{ name: 'dbwarden-operator', user: { token: token.status!.token } }],
    contexts: [{ name: 'operator', context: { cluster: 'local', user: 'dbwarden-operator' } }],
    'current-context': 'operator',
  }), { mode: 0o600 });
  return file;
}
