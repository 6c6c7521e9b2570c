import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { ensureHelm } from '../../hack/helm.js';
import { waitEstablished } from './crds.js';
import { required } from './env.js';

const root = join(import.meta.dirname, '..', '..');
export const chartDir = join(root, 'charts', 'dbwarden');
const run = promisify(execFile);

/** A Kubernetes object as rendered by Helm or kustomize. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** Splits a multi-document YAML stream into objects (empty documents dropped); any YAML error (a duplicate key too) throws. */
export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length) throw new Error(`invalid YAML: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as Manifest | null;
  }).filter((m): m is Manifest => !!m);
}

const adminEnv = (): NodeJS.ProcessEnv => ({ ...process.env, KUBECONFIG: required('KUBECONFIG') });

/** Runs a command; resolves with stdout and stderr, or rejects with both in the message. */
async function exec(command: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stderr}\n${stdout.slice(0, 4000)}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Runs the Helm built by hack/helm.ts (built on first use). */
export async function helm(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return exec(await ensureHelm(), args);
}

export interface TemplateOptions {
  release?: string;
  namespace?: string;
  values?: object;
  includeCrds?: boolean;
}

/** `helm template` of charts/dbwarden with the given values (written to a file, as users pass them). */
export async function helmTemplate({ release = 'dbwarden', namespace = 'dbwarden-system', values = {}, includeCrds = false }: TemplateOptions = {}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'dbwarden-values-'));
  try {
    const file = join(dir, 'values.yaml');
    writeFileSync(file, stringify(values));
    const args = ['template', release, chartDir, '--namespace', namespace, '--values', file, '--kube-version', 'v1.36.3'];
    return (await helm(includeCrds ? [...args, '--include-crds'] : args)).stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `helm lint --strict` with the given values. */
export async function helmLint(values: object = {}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'dbwarden-values-'));
  try {
    const file = join(dir, 'values.yaml');
    writeFileSync(file, stringify(values));
    const { stdout, stderr } = await helm(['lint', '--strict', chartDir, '--values', file, '--kube-version', 'v1.36.3']);
    return stdout + stderr;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `kubectl kustomize <dir>` (no flags: what `kubectl apply -k` and Argo CD build). */
export async function kustomize(dir: string): Promise<string> {
  return (await exec('kubectl', ['kustomize', join(root, dir)])).stdout;
}

/**
 * Server-side apply with --dry-run=server and strict field validation: the API server runs defaulting,
 * schema validation (unknown fields are errors), admission (Pod Security included) and RBAC escalation
 * checks, and persists nothing. Returns kubectl's output; warnings are in stderr.
 */
export async function dryRunApply(manifests: string): Promise<{ stdout: string; stderr: string }> {
  return exec('kubectl', ['apply', '--server-side', '--force-conflicts', '--field-manager=dbwarden-deploy-test',
    '--dry-run=server', '--validate=strict', '-f', '-'], { input: manifests, env: adminEnv() });
}

/** Applies for real (server-side) as the admin. */
export async function apply(manifests: string): Promise<string> {
  return (await exec('kubectl', ['apply', '--server-side', '--force-conflicts', '--field-manager=dbwarden-deploy-test', '-f', '-'],
    { input: manifests, env: adminEnv() })).stdout;
}

/** kubectl as the admin. */
export async function kubectl(args: string[], input?: string): Promise<string> {
  return (await exec('kubectl', args, { input, env: adminEnv() })).stdout;
}

/** Creates namespaces that do not exist yet (as the admin), with optional labels. */
export async function ensureNamespaces(names: string[], labels: Record<string, string> = {}): Promise<void> {
  const docs = names.map((name) => stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }));
  await apply(docs.join('---\n'));
}

const prometheusOperatorVersion = 'v0.85.0';

/**
 * The real ServiceMonitor CRD, so the chart's ServiceMonitors are validated against its schema. It ships in
 * the prometheus-operator Go module (example/prometheus-operator-crd/), fetched with `go mod download`.
 */
export async function applyServiceMonitorCrd(): Promise<void> {
  const { stdout } = await run('go', ['mod', 'download', '-json', `github.com/prometheus-operator/prometheus-operator@${prometheusOperatorVersion}`],
    { env: { ...process.env, GOWORK: 'off', GOFLAGS: '-mod=mod' }, cwd: tmpdir(), maxBuffer: 1 << 20 });
  const dir = (JSON.parse(stdout) as { Dir: string }).Dir;
  const crd = readFileSync(join(dir, 'example', 'prometheus-operator-crd', 'monitoring.coreos.com_servicemonitors.yaml'), 'utf8');
  await apply(crd);
  await waitEstablished(['servicemonitors.monitoring.coreos.com']);
}

/**
 * A kubeconfig (written under .dev/) that authenticates as a ServiceAccount with a bound token, so a process
 * runs with exactly the RBAC bound to that ServiceAccount.
 */
export async function serviceAccountKubeconfig(namespace: string, name: string, file: string): Promise<string> {
  const kc = new KubeConfig();
  kc.loadFromFile(required('KUBECONFIG'));
  const token = await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    namespace, name, body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = kc.getCurrentCluster()!;
  const caData = cluster.caData ?? readFileSync(cluster.caFile!).toString('base64');
  const path = join(root, '.dev', file);
  writeFileSync(path, stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server: cluster.server, 'certificate-authority-data': caData } }],
    users: [{ name, user: { token: token.status!.token } }],
    contexts: [{ name, context: { cluster: 'local', user: name } }],
    'current-context': name,
  }), { mode: 0o600 });
  return path;
}
