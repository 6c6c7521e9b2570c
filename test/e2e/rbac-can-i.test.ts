/**
 * What each identity may do, as the API server says (`kubectl auth can-i --list`, impersonating it), with the
 * shipped RBAC only, against the tables in docs/rbac.md that say so: any drift between the docs and the RBAC
 * fails here. Rows every authenticated identity has (discovery, self-reviews) are left out, taken from an
 * identity bound to nothing. Checked with kustomize's RBAC (config/rbac, config/console) and the real operator
 * granting the console its Secrets, and with the Helm chart's in both modes (cluster-wide, watchNamespaces).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { AccessPolicy } from '@dbwarden/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCrds } from '../support/crds.js';
import { required } from '../support/env.js';
import { apply, ensureNamespaces, helmTemplate, kubectl, parseManifests } from '../support/helm.js';
import { eventually, kubeConfig, uniqueName } from '../support/kube.js';
import { startOperator, type RunningOperator } from '../support/operator.js';
import { Resources } from '../support/resources.js';
import { createPostgresShop, type ShopDatabase } from '../support/shop-db.js';
import { stringify } from 'yaml';

const root = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const operatorUser = 'system:serviceaccount:dbwarden-system:dbwarden-operator';
const consoleUser = 'system:serviceaccount:dbwarden-system:dbwarden-console';
/** The placeholder docs/rbac.md writes for the Secrets of a namespace's console-enabled policies. */
const consoleSecretsPlaceholder = '<the Secret of each console-enabled policy>';

const watched = uniqueName('cani');
const quiet = uniqueName('cani-quiet');
const chartHome = uniqueName('cani-chart');
const chartWatched = uniqueName('cani-chart-w');
const chartRelease = uniqueName('rbac').slice(0, 20);

let kc: KubeConfig;
let db: ShopDatabase;
let operator: RunningOperator | undefined;

/** One row of `kubectl auth can-i --list`: a resource (or non-resource URL), its names, its verbs. */
type Row = string;
const row = (resource: string, names: string[], verbs: string[]): Row =>
  `${resource} | ${[...names].sort().join(',')} | ${[...verbs].sort().join(',')}`;

/** Parses kubectl's table by its header's column positions. */
function parseCanI(text: string): Row[] {
  const [header, ...lines] = text.split('\n').filter((l) => l.trim());
  const at = (name: string): number => header!.indexOf(name);
  const cols = [at('Resources'), at('Non-Resource URLs'), at('Resource Names'), at('Verbs')];
  const list = (cell: string): string[] => cell.trim().replace(/^\[|\]$/g, '').split(' ').filter(Boolean);
  return lines.map((line) => {
    const [resource, urls, names, verbs] = cols.map((start, i) => line.slice(start, cols[i + 1] ?? undefined));
    return row(resource!.trim() || list(urls!).join(','), list(names!), list(verbs!));
  });
}

async function canI(user: string, namespace: string): Promise<Row[]> {
  const { stdout } = await run('kubectl', ['auth', 'can-i', '--list', `--as=${user}`, '-n', namespace], { env: { ...process.env, KUBECONFIG: required('KUBECONFIG') } });
  return parseCanI(stdout);
}

/**
 * What `user` may do in `namespace` beyond what every authenticated identity may, sorted. kubectl prints one
 * row per resource name: rows of one resource with the same verbs are merged into one with all their names.
 */
async function granted(user: string, namespace: string): Promise<Row[]> {
  const baseline = new Set(await canI(`system:serviceaccount:${namespace}:bound-to-nothing`, namespace));
  const merged = new Map<string, Set<string>>();
  for (const r of (await canI(user, namespace)).filter((x) => !baseline.has(x))) {
    const [resource, names, verbs] = r.split(' | ') as [string, string, string];
    const key = `${resource} | ${verbs}`;
    const all = merged.get(key) ?? new Set<string>();
    for (const n of names.split(',').filter(Boolean)) all.add(n);
    merged.set(key, all);
  }
  return [...merged].map(([key, names]) => {
    const [resource, verbs] = key.split(' | ') as [string, string];
    return row(resource, [...names], verbs.split(','));
  }).sort();
}

/** The rows of `a` not in `b`. */
const minus = (a: Row[], b: Row[]): Row[] => a.filter((r) => !b.includes(r));

/**
 * The table after `<!-- can-i: key -->` in docs/rbac.md, as rows: its Resources cell may list several
 * (each in backticks), its Resource names cell (optional) names, its Verbs cell comma-separated verbs.
 */
function documented(key: string): Row[] {
  const doc = readFileSync(join(root, 'docs', 'rbac.md'), 'utf8');
  const start = doc.indexOf(`<!-- can-i: ${key} -->`);
  if (start < 0) throw new Error(`docs/rbac.md has no table marked <!-- can-i: ${key} -->`);
  const after = doc.slice(start).split('\n').slice(1);
  const first = after.findIndex((l) => l.startsWith('|'));
  const end = after.findIndex((l, i) => i > first && !l.startsWith('|'));
  const table = after.slice(first, end < 0 ? undefined : end);
  const cells = (l: string): string[] => l.split('|').slice(1, -1).map((c) => c.trim());
  const header = cells(table[0]!);
  const col = (name: string): number => header.findIndex((h) => h.toLowerCase() === name);
  const [resources, names, verbs] = [col('resources'), col('resource names'), col('verbs')];
  const ticked = (cell: string | undefined): string[] => [...(cell ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  return table.slice(2).flatMap((l) => {
    const c = cells(l);
    return ticked(c[resources]).map((resource) =>
      row(resource, names < 0 ? [] : ticked(c[names]), c[verbs]!.split(',').map((v) => v.trim()).filter(Boolean)));
  }).sort();
}

beforeAll(async () => {
  kc = kubeConfig();
  await applyCrds(kc);
  await ensureNamespaces([watched, quiet, chartHome, chartWatched]);
  // config/rbac (startOperator applies it) and config/console/rbac.yaml, as shipped.
  db = await createPostgresShop();
  const r = new Resources(kc, watched);
  await r.secret('admin', { username: db.admin.username, password: db.admin.password });
  await r.secret('db-ca', { 'ca.crt': db.ca });
  operator = await startOperator([watched]);
  await run('kubectl', ['apply', '--server-side', '--force-conflicts', '--field-manager=dbwarden-tests',
    '-f', join(root, 'config', 'console', 'rbac.yaml'), '-f', join(root, 'config', 'console', 'user-clusterrole.yaml')],
  { env: { ...process.env, KUBECONFIG: required('KUBECONFIG') } });
  await r.connection('shop', {
    engine: 'postgres', host: db.host, port: db.port, database: db.database,
    adminSecretRef: { name: 'admin' }, tls: { mode: 'verify-full', caSecretRef: { name: 'db-ca' } },
  });
  await r.policy('queried', { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }], console: { enabled: true } });
  await r.policy('named', { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }], console: { enabled: true }, secretName: 'named-secret' });
  await r.policy('plain', { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }] });
  for (const name of ['queried', 'named', 'plain']) await r.waitReady<AccessPolicy>('accesspolicies', name, 'True', undefined, 60_000);
  await eventually('the console granted its Secrets', async () =>
    (await granted(consoleUser, watched)).some((x) => x.startsWith('secrets | named-secret,queried-credentials |')), 20_000);

  // People: a ServiceAccount bound to dbwarden-console-user in the watched namespace.
  await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccount({ namespace: watched, body: { metadata: { name: 'analyst' } } });
  await kc.makeApiClient(RbacAuthorizationV1Api).createNamespacedRoleBinding({
    namespace: watched,
    body: {
      metadata: { name: 'analyst-query' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'dbwarden-console-user' },
      subjects: [{ kind: 'ServiceAccount', name: 'analyst', namespace: watched }],
    },
  });
}, 240_000);

afterAll(async () => {
  await operator?.stop();
  await db?.close();
  await kubectl(['delete', 'clusterrole,clusterrolebinding', '-l', `app.kubernetes.io/instance=${chartRelease}`, '--ignore-not-found']).catch(() => undefined);
  await kubectl(['delete', 'namespace', '--wait=false', '--ignore-not-found', watched, quiet, chartHome, chartWatched]).catch(() => undefined);
});

describe('what each identity may do (kubectl auth can-i --list) is what docs/rbac.md says', () => {
  it('the operator, in every namespace (config/rbac)', async () => {
    expect(await granted(operatorUser, quiet)).toEqual(documented('operator'));
    expect(await granted(operatorUser, watched)).toEqual(documented('operator'));
  });

  it('the operator, in addition, in its own namespace dbwarden-system', async () => {
    expect(minus(await granted(operatorUser, 'dbwarden-system'), await granted(operatorUser, quiet))).toEqual(documented('operator, dbwarden-system'));
  });

  it('the console, everywhere: no Secret at all (config/console)', async () => {
    const everywhere = await granted(consoleUser, quiet);
    expect(everywhere).toEqual(documented('console'));
    expect(everywhere.some((x) => x.startsWith('secrets'))).toBe(false);
  });

  it("the console, in addition, where policies enable it: get on exactly their Secrets, by name (the operator's Role)", async () => {
    const extra = minus(await granted(consoleUser, watched), await granted(consoleUser, quiet));
    expect(extra).toEqual([row('secrets', ['named-secret', 'queried-credentials'], ['get'])]);
    const secrets = ['named-secret', 'queried-credentials'].join(',');
    expect(extra.map((x) => x.replace(`| ${secrets} |`, `| ${consoleSecretsPlaceholder} |`))).toEqual(documented('console, namespace with console-enabled policies'));
  });

  it('people bound to dbwarden-console-user: query, nothing else', async () => {
    expect(await granted(`system:serviceaccount:${watched}:analyst`, watched)).toEqual(documented('console user'));
  });

  it('the Helm chart binds the same rules, cluster-wide and with watchNamespaces', async () => {
    const rbacKinds = ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'];
    const rbacOf = (text: string): string => parseManifests(text).filter((m) => rbacKinds.includes(m.kind)).map((m) => stringify(m)).join('---\n');
    // Cluster-wide, under a release name of its own (its ClusterRoles do not touch kustomize's).
    await apply(rbacOf(await helmTemplate({ release: chartRelease, namespace: chartHome, values: { console: { userClusterRole: { create: false } } } })));
    const sa = (name: string): string => `system:serviceaccount:${chartHome}:${chartRelease}-dbwarden-${name}`;
    expect(await granted(sa('operator'), quiet)).toEqual(documented('operator'));
    expect(minus(await granted(sa('operator'), chartHome), await granted(sa('operator'), quiet))).toEqual(documented('operator, dbwarden-system'));
    expect(await granted(sa('console'), quiet)).toEqual(documented('console'));

    // Namespace-scoped: the operator's rules in the watched namespace only; the console's the same everywhere.
    const scopedRelease = `${chartRelease}-ns`;
    const scopedHome = uniqueName('cani-chart-ns');
    await ensureNamespaces([scopedHome]);
    try {
      await apply(rbacOf(await helmTemplate({ release: scopedRelease, namespace: scopedHome, values: { watchNamespaces: [chartWatched], console: { userClusterRole: { create: false } } } })));
      const scoped = (name: string): string => `system:serviceaccount:${scopedHome}:${scopedRelease}-dbwarden-${name}`;
      expect(await granted(scoped('operator'), chartWatched)).toEqual(documented('operator'));
      expect(await granted(scoped('operator'), quiet)).toEqual([]);
      expect(await granted(scoped('operator'), scopedHome)).toEqual(documented('operator, dbwarden-system'));
      expect(await granted(scoped('console'), quiet)).toEqual(documented('console'));
    } finally {
      await kubectl(['delete', 'clusterrole,clusterrolebinding', '-l', `app.kubernetes.io/instance=${scopedRelease}`, '--ignore-not-found']).catch(() => undefined);
      await kubectl(['delete', 'namespace', '--wait=false', scopedHome]).catch(() => undefined);
    }
  });

  it('the operator ran without one refused request', async () => {
    expect(await operator!.stop()).toBe(0);
    operator = undefined;
  });
});
