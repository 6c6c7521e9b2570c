import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { EnvError } from '../env/errors.js';
import { devDir, repoRoot } from '../env/paths.js';
import { freePort, portInUse } from '../env/ports.js';
import { demoNamespace } from './manifests.js';
import { applyObjects, serverSideApply, type Kubectl } from './objects.js';

/** The ServiceAccount the demo signs in as: `dbwarden-console-user` in the demo namespace, nothing else. */
export const demoUser = 'demo-analyst';
export const demoTokenFile = join(devDir, 'demo-token');
export const consoleNamespace = 'dbwarden-system';

/**
 * The demo user: a ServiceAccount bound to the ClusterRole dbwarden-console-user in the demo namespace (the
 * ClusterRole itself comes from config/console or the chart), with a 24h token in .dev/demo-token (mode 0600).
 */
export async function createDemoUser(kubectl: Kubectl): Promise<void> {
  const labels = { 'app.kubernetes.io/part-of': 'dbwarden-demo' };
  await applyObjects(kubectl, [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: demoUser, namespace: demoNamespace, labels } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `${demoUser}-console`, namespace: demoNamespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'dbwarden-console-user' },
      subjects: [{ kind: 'ServiceAccount', name: demoUser, namespace: demoNamespace }],
    },
  ]);
  const { stdout: userToken } = await kubectl(['create', 'token', demoUser, '-n', demoNamespace, '--duration=24h']);
  writeFileSync(demoTokenFile, `${userToken.trim()}\n`, { mode: 0o600 });
}

/**
 * The console's own least-privilege RBAC (config/console/rbac.yaml), the user ClusterRole, and the demo
 * user (createDemoUser). Returns the console's kubeconfig: its own ServiceAccount's token only.
 */
export async function setUpConsoleAccess(kubectl: Kubectl, adminKubeconfig: string): Promise<string> {
  await applyObjects(kubectl, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: consoleNamespace } }]);
  await kubectl([...serverSideApply, '-f', join(repoRoot, 'config', 'console', 'rbac.yaml'), '-f', join(repoRoot, 'config', 'console', 'user-clusterrole.yaml')]);
  await createDemoUser(kubectl);

  const { stdout: consoleToken } = await kubectl(['create', 'token', 'dbwarden-console', '-n', consoleNamespace, '--duration=24h']);
  const admin = new KubeConfig();
  admin.loadFromFile(adminKubeconfig);
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new EnvError(`${adminKubeconfig} has no current cluster`);
  const file = join(devDir, 'console.kubeconfig');
  writeFileSync(file, stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server: cluster.server, 'certificate-authority-data': cluster.caData ?? readFileSync(cluster.caFile!).toString('base64') } }],
    users: [{ name: 'dbwarden-console', user: { token: consoleToken.trim() } }],
    contexts: [{ name: 'console', context: { cluster: 'local', user: 'dbwarden-console' } }],
    'current-context': 'console',
  }), { mode: 0o600 });
  return file;
}

export interface RunningConsole {
  url: string;
  process: ChildProcess;
  exited: Promise<number | null>;
}

/**
 * Runs the console (`console/server/main.ts`, serving console/web/dist) on 127.0.0.1: $PORT, else 8080
 * when free, else any free port. OPENAI_* pass through from the environment. Logs: .dev/logs/console.log.
 */
export async function startConsoleProcess(kubeconfig: string, logFile: string): Promise<RunningConsole> {
  const port = process.env.PORT ? Number(process.env.PORT) : (await portInUse(8080)) ? await freePort() : 8080;
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'console', 'server', 'main.ts')], {
    cwd: repoRoot,
    env: { ...process.env, KUBECONFIG: kubeconfig, PORT: String(port), DBWARDEN_CONSOLE_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const tail: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new EnvError('the console did not start within 60s', `see ${logFile}`)), 60_000);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface(stream).on('line', (line) => {
        log.write(`${line}\n`);
        tail.push(line);
        if (tail.length > 20) tail.shift();
        if (line.includes('"msg":"dbwarden console listening"')) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new EnvError(`the console exited (${code}) before listening:\n${tail.join('\n')}`, `see ${logFile}`));
    });
  });
  return { url: `http://127.0.0.1:${port}`, process: child, exited };
}
