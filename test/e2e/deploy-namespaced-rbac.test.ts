/**
 * Namespace-scoped install: the chart with `watchNamespaces` binds the operator only with Roles (in each
 * watched namespace, plus the leader-election Role in its own). This suite applies exactly the RBAC the chart
 * renders, runs the real operator with the chart's own arguments under that ServiceAccount's token, and shows
 * it provisions, rotates (restarting a consumer), fences (NetworkPolicies) and deletes a policy without one
 * forbidden request (startOperator's stop() fails on any) — and that it can read nothing elsewhere.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api, NetworkingV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { AccessPolicy } from '@dbwarden/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { applyCrds } from '../support/crds.js';
import { required } from '../support/env.js';
import { apply, ensureNamespaces, helmTemplate, kubectl, parseManifests, serviceAccountKubeconfig, type Manifest } from '../support/helm.js';
import { eventually, kubeConfig, uniqueName } from '../support/kube.js';
import { startOperator, type RunningOperator } from '../support/operator.js';
import { Resources } from '../support/resources.js';
import { connectWith, createPostgresShop, type ShopDatabase } from '../support/shop-db.js';

const run = promisify(execFile);
const release = 'dbwarden';
const home = uniqueName('nsrbac');
const watched = uniqueName('nsrbac-w');
const elsewhere = uniqueName('nsrbac-x');
const identity = `system:serviceaccount:${home}:${release}-operator`;

let kc: KubeConfig;
let r: Resources;
let db: ShopDatabase;
let rendered: Manifest[];
let operator: RunningOperator | undefined;

beforeAll(async () => {
  kc = kubeConfig();
  await applyCrds();
  await ensureNamespaces([home, watched, elsewhere]);
  rendered = parseManifests(await helmTemplate({ release, namespace: home, values: { watchNamespaces: [watched], console: { enabled: false } } }));
  const rbac = rendered.filter((m) => ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].includes(m.kind));
  await apply(rbac.map((m) => stringify(m)).join('---\n'));

  r = new Resources(kc, watched);
  db = await createPostgresShop();
  await r.secret('admin', { username: db.admin.username, password: db.admin.password });
  await r.secret('db-ca', { 'ca.crt': db.ca });
  await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
    namespace: watched,
    body: {
      metadata: { name: 'consumer' },
      spec: {
        selector: { matchLabels: { app: 'consumer' } },
        template: { metadata: { labels: { app: 'consumer' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      },
    },
  });
}, 600_000);

afterAll(async () => {
  await operator?.stop();
  rmSync(join(import.meta.dirname, '..', '..', '.dev', `${home}.kubeconfig`), { force: true });
  await db?.close();
  await kubectl(['delete', 'namespace', '--wait=false', '--ignore-not-found', home, watched, elsewhere]).catch(() => undefined);
});

describe('namespace-scoped RBAC from the chart', () => {
  it('binds the operator with Roles only, so it can read nothing outside the watched namespaces', async () => {
    expect(rendered.filter((m) => m.kind.startsWith('Cluster'))).toEqual([]);
    const roles = rendered.filter((m) => m.kind === 'Role').map((m) => `${m.metadata.namespace}/${m.metadata.name}`).sort();
    expect(roles).toEqual([`${home}/${release}-operator-leader-election`, `${watched}/${release}-operator`].sort());
    // `kubectl auth can-i` prints yes or no, and exits 1 for no.
    const can = async (...args: string[]): Promise<string> => {
      const env = { ...process.env, KUBECONFIG: required('KUBECONFIG') };
      const out = await run('kubectl', ['auth', 'can-i', `--as=${identity}`, ...args], { env }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
      return out.stdout.trim();
    };
    expect(await can('list', 'secrets', '-n', watched)).toBe('yes');
    expect(await can('watch', 'accesspolicies.dbwarden.io', '-n', watched)).toBe('yes');
    expect(await can('list', 'secrets', '-n', elsewhere)).toBe('no');
    expect(await can('list', 'secrets', '--all-namespaces')).toBe('no');
    expect(await can('get', 'accesspolicies.dbwarden.io', '-n', elsewhere)).toBe('no');
    expect(await can('update', 'leases.coordination.k8s.io', '-n', home)).toBe('yes');
    expect(await can('update', 'leases.coordination.k8s.io', '-n', watched)).toBe('no');
  });

  it('runs the operator with those Roles: provision, rotate and restart a consumer, fence, delete — nothing forbidden', async () => {
    const deployment = rendered.find((m) => m.kind === 'Deployment')!;
    const container = (deployment as unknown as { spec: { template: { spec: { containers: { args: string[] }[] } } } }).spec.template.spec.containers[0]!;
    expect(container.args).toContain(`--namespaces=${watched}`);
    // The chart's own arguments, except the fixed port (tests pick a free one) and the 30 s resync.
    const args = container.args.filter((a) => !a.startsWith('--metrics-port=') && !a.startsWith('--resync-period='));
    const kubeconfig = await serviceAccountKubeconfig(home, `${release}-operator`, `${home}.kubeconfig`);
    operator = await startOperator([watched], args, { KUBECONFIG: kubeconfig, POD_NAMESPACE: home });
    await eventually('the operator to lead', () => operator!.logs.some((l) => l.includes('became leader')));

    await r.connection('shop', {
      engine: 'postgres', host: db.host, port: db.port, database: db.database,
      adminSecretRef: { name: 'admin' }, tls: { mode: 'verify-full', caSecretRef: { name: 'db-ca' } },
      network: { podSelector: { matchLabels: { app: 'shop-db' } } },
    });
    await r.policy('app', {
      connectionRef: { name: 'shop' }, tables: [{ name: 'products' }],
      clients: { podSelector: { matchLabels: { app: 'consumer' } } },
      rotation: { gracePeriod: '3s', restartTargets: [{ kind: 'Deployment', name: 'consumer' }] },
    });
    const { username } = (await r.waitReady<AccessPolicy>('accesspolicies', 'app')).status!;
    const first = (await r.readSecret('app-credentials'))!;
    const client = await connectWith('postgres', first);
    await client.query('SELECT count(*) FROM products');
    await client.close();

    const policies = (await kc.makeApiClient(NetworkingV1Api).listNamespacedNetworkPolicy({ namespace: watched })).items.map((p) => p.metadata?.name);
    expect(policies).toEqual(expect.arrayContaining(['dbwarden-app', 'dbwarden-shop-ingress']));

    await r.patch('accesspolicies', 'app', { metadata: { annotations: { 'dbwarden.io/rotate': 'now' } } });
    const rotated = await eventually('the rotation', async () => {
      const p = await r.get<AccessPolicy>('accesspolicies', 'app');
      const s = await r.readSecret('app-credentials');
      return s && s.username !== first.username && p?.status?.activeUsername === s.username ? p : undefined;
    });
    await eventually('the consumer to be restarted', async () => {
      const d = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: watched, name: 'consumer' });
      return d.spec?.template.metadata?.annotations?.['dbwarden.io/credentials-rotated-at'] === rotated.status!.lastRotationTime;
    });
    const events = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: watched });
    expect(events.items.some((e) => e.source?.component === 'dbwarden-operator')).toBe(true);

    await r.delete('accesspolicies', 'app');
    await r.gone('accesspolicies', 'app');
    const left = await db.superQuery<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname = ANY($1)', [[username, `${username}_a`, `${username}_b`]]);
    expect(left).toEqual([]);

    expect(await operator.stop()).toBe(0);
    operator = undefined;
  }, 180_000);

  it('(control: the same identity watching every namespace is refused, and the test notices)', async () => {
    const kubeconfig = await serviceAccountKubeconfig(home, `${release}-operator`, `${home}.kubeconfig`);
    const everywhere = await startOperator([], [`--leader-election-id=${home}-control`], { KUBECONFIG: kubeconfig, POD_NAMESPACE: home });
    await eventually('a forbidden list', () => everywhere.logs.some((l) => /forbidden/i.test(l)));
    await expect(everywhere.stop()).rejects.toThrow(/refused by RBAC/);
  });
});
