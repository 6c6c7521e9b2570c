/**
 * config/samples/ as docs/install.md tells people to apply it: the command is read from the docs and run as
 * written (server-side, against the real API server, the CRDs installed), and every object must be accepted;
 * then the samples must hold together: every namespaced object in a namespace the samples create, every
 * Secret, connection and restart target they reference present, and each policy's `clients` selecting the
 * pods the docs say it selects.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCrds } from '../support/crds.js';
import { parseManifests, type Manifest } from '../support/helm.js';
import { eventually } from '../support/kube.js';
import { required } from '../support/env.js';

const root = join(import.meta.dirname, '..', '..');
const samplesDir = join(root, 'config', 'samples');
const installDoc = readFileSync(join(root, 'docs', 'install.md'), 'utf8');
const env = (): NodeJS.ProcessEnv => ({ ...process.env, KUBECONFIG: required('KUBECONFIG') });
const kubectl = async (args: string[]): Promise<string> => (await promisify(execFile)('kubectl', args, { cwd: root, env: env() })).stdout;

/** The samples in the order `kubectl apply -f <dir>` reads them (file names sorted), each with its file. */
const samples: (Manifest & { file: string })[] = readdirSync(samplesDir).filter((f) => /\.ya?ml$/.test(f)).sort()
  .flatMap((file) => parseManifests(readFileSync(join(samplesDir, file), 'utf8')).map((m) => ({ ...m, file })));

/** The documented command: the line in docs/install.md's code blocks that applies config/samples/. */
function documentedCommand(): string[] {
  const lines = [...installDoc.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n'));
  const found = lines.filter((l) => /^kubectl apply .*config\/samples\/?(\s|$)/.test(l));
  expect(found, 'docs/install.md applies config/samples/ exactly once').toHaveLength(1);
  return found[0]!.replace(/#.*$/, '').trim().split(/\s+/);
}

let createdNamespaces: string[] = [];

beforeAll(async () => {
  await applyCrds();
}, 120_000);

afterAll(async () => {
  // Only namespaces this test created: on a machine where the demo runs, namespace shop is the demo's.
  if (createdNamespaces.length) await kubectl(['delete', 'namespace', '--wait=false', ...createdNamespaces]);
});

describe('config/samples/', () => {
  it('is applied by the command in docs/install.md: every object accepted, server-side', async () => {
    const command = documentedCommand();
    expect(command.slice(0, 2)).toEqual(['kubectl', 'apply']);
    expect(command, 'server-side apply, like every other apply in the docs').toContain('--server-side');
    const namespaces = samples.filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name);
    // Wait out a namespace a previous run deleted; then, where it exists already (the demo's shop), validate
    // without writing into it, else create everything for real.
    await eventually('the samples\' namespaces are not terminating', async () => {
      const phases = await Promise.all(namespaces.map((ns) => kubectl(['get', 'namespace', ns, '--ignore-not-found', '-o', 'jsonpath={.status.phase}'])));
      return phases.every((p) => p !== 'Terminating');
    }, 120_000);
    const existing = (await Promise.all(namespaces.map((ns) => kubectl(['get', 'namespace', ns, '--ignore-not-found', '-o', 'name'])))).filter(Boolean);
    const dryRun = existing.length > 0;
    if (!dryRun) createdNamespaces = namespaces;
    const out = await kubectl([...command.slice(1), ...(dryRun ? ['--dry-run=server'] : [])]);
    const applied = out.trim().split('\n');
    expect(applied).toHaveLength(samples.length);
    for (const line of applied) expect(line).toMatch(dryRun ? / serverside-applied \(server dry run\)$/ : / serverside-applied$/);
    if (!dryRun) {
      const stored = (await kubectl(['get', '-f', 'config/samples/', '-o', 'name'])).trim().split('\n');
      expect(stored).toHaveLength(samples.length);
    }
  }, 180_000);

  it('hold together: namespaces, Secrets, connections and restart targets they name are in the samples', () => {
    const has = (kind: string, namespace: string | undefined, name: string): boolean =>
      samples.some((m) => m.kind === kind && m.metadata.name === name && m.metadata.namespace === namespace);
    const namespaces = new Set(samples.filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name));
    for (const m of samples.filter((m) => m.kind !== 'Namespace')) {
      expect(namespaces, `${m.file}: ${m.kind}/${m.metadata.name} is in a namespace the samples create`).toContain(m.metadata.namespace);
    }
    for (const c of samples.filter((m) => m.kind === 'DatabaseConnection')) {
      const spec = c.spec as { adminSecretRef: { name: string }; tls?: { caSecretRef?: { name: string } } };
      expect(has('Secret', c.metadata.namespace, spec.adminSecretRef.name), `${c.file}: admin Secret ${spec.adminSecretRef.name}`).toBe(true);
      if (spec.tls?.caSecretRef) expect(has('Secret', c.metadata.namespace, spec.tls.caSecretRef.name), `${c.file}: CA Secret ${spec.tls.caSecretRef.name}`).toBe(true);
    }
    for (const p of samples.filter((m) => m.kind === 'AccessPolicy')) {
      const spec = p.spec as { connectionRef: { name: string }; rotation?: { restartTargets?: { kind: string; name: string }[] } };
      expect(has('DatabaseConnection', p.metadata.namespace, spec.connectionRef.name), `${p.file}: connection ${spec.connectionRef.name}`).toBe(true);
      for (const t of spec.rotation?.restartTargets ?? []) expect(has(t.kind, p.metadata.namespace, t.name), `${p.file}: restart target ${t.kind}/${t.name}`).toBe(true);
    }
  });

  it("select with each policy's clients the pods docs/install.md says they select", () => {
    type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
    const matches = (selector: Selector, labels: Record<string, string>): boolean =>
      Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
      (selector.matchExpressions ?? []).every((e) => {
        const value = labels[e.key];
        switch (e.operator) {
          case 'In': return value !== undefined && (e.values ?? []).includes(value);
          case 'NotIn': return value === undefined || !(e.values ?? []).includes(value);
          case 'Exists': return value !== undefined;
          default: return value === undefined;
        }
      });
    const workloads = samples.filter((m) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(m.kind));
    const withClients = samples.filter((m) => m.kind === 'AccessPolicy' && (m.spec as { clients?: unknown }).clients);
    expect(withClients.length).toBeGreaterThan(0);
    for (const p of withClients) {
      const { clients } = p.spec as { clients: { podSelector: Selector; namespaceSelector?: Selector } };
      expect(clients.namespaceSelector, `${p.file}: the samples' clients are in the policy's namespace`).toBeUndefined();
      const selected = workloads.filter((w) => w.metadata.namespace === p.metadata.namespace &&
        matches(clients.podSelector, (w.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels));
      expect(selected.map((w) => w.metadata.name), `${p.file}: clients.podSelector selects a workload of the samples`).not.toEqual([]);
      const labels = Object.entries(clients.podSelector.matchLabels ?? {}).map(([k, v]) => `\`${k}: ${v}\``);
      for (const label of labels) expect(installDoc, `docs/install.md names ${p.metadata.name}'s clients selector`).toContain(label);
      for (const w of selected) expect(installDoc, `docs/install.md names the workload ${w.metadata.name} that ${p.metadata.name}'s clients select`).toContain(`Deployment \`${w.metadata.name}\``);
    }
    // No sample selects the console as a client: it is admitted by console.enabled, and its pods are in another namespace.
    expect(JSON.stringify(samples.map((m) => m.spec ?? null))).not.toContain('dbwarden-console');
  });
});
