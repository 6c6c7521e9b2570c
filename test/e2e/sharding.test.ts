/**
 * Sharding by namespace (docs/sharding.md): two operators with disjoint --namespaces, leader election on and
 * the default Lease name, on one API server and one PostgreSQL server, each behind a proxy that records its
 * requests. Each reconciles only its own namespaces' DatabaseConnections and AccessPolicies (status,
 * finalizers, Secrets, NetworkPolicies, the console's Roles, database users); a namespace neither watches is
 * left alone; with one shard stopped, the other never picks up its objects (a deleted policy waits, its user
 * stays); a deletion in one shard is handled by that shard only; and no request of either is cluster-wide.
 */
import { CoordinationV1Api, CoreV1Api, KubeConfig, NetworkingV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { policyFinalizer as finalizer, type AccessPolicy, type AccessPolicySpec, type DatabaseConnection } from '@dbwarden/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCrds } from '../support/crds.js';
import { eventually, kubeConfig, uniqueName } from '../support/kube.js';
import { startOperator, type RunningOperator } from '../support/operator.js';
import { operatorKubeconfig, operatorNamespace } from '../support/operator-identity.js';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy.js';
import { Resources } from '../support/resources.js';
import { connectWith, createPostgresShop, type ShopDatabase } from '../support/shop-db.js';

const roleName = 'dbwarden-console-credentials';

let kc: KubeConfig;
let db: ShopDatabase;
/** Shard A watches a1 and a2, shard B watches b; nobody watches x. */
const ns = { a1: '', a2: '', b: '', x: '' };
const r: Record<keyof typeof ns, Resources> = {} as Record<keyof typeof ns, Resources>;
const shard: { a?: Shard; b?: Shard } = {};
const unwatchedUser = `shard_x_${Math.random().toString(36).slice(2, 8)}`;

interface Shard {
  namespaces: string[];
  proxy: RecordingProxy;
  operator: RunningOperator;
  /** Every log line of every run of this shard (it is restarted below). */
  logs: string[];
}

async function startShard(namespaces: string[], proxy?: RecordingProxy, logs: string[] = []): Promise<Shard> {
  if (!proxy) {
    const identity = new KubeConfig();
    identity.loadFromFile(await operatorKubeconfig());
    proxy = await startRecordingProxy(identity);
  }
  // No --leader-election-id: the default Lease name is what keeps shards apart.
  const operator = await startOperator(namespaces, ['--leader-elect=true'], { KUBECONFIG: proxy.kubeconfigFile });
  return { namespaces, proxy, operator, logs };
}

async function stopShard(s: Shard): Promise<void> {
  expect(await s.operator.stop()).toBe(0);
  s.logs.push(...s.operator.logs);
}

const allLogs = (s: Shard): string[] => [...s.logs, ...s.operator.logs];
/** The Lease a shard's operator led with ("started leading" carries it as namespace/name). */
const leaseOf = (s: Shard): string | undefined => allLogs(s).map((l) => /"lease":"([^"]+)".*"msg":"started leading"/.exec(l)?.[1]).find(Boolean);

const roleExists = (namespace: string): Promise<boolean> => kc.makeApiClient(RbacAuthorizationV1Api).readNamespacedRole({ namespace, name: roleName }).then(() => true, () => false);
const networkPolicies = async (namespace: string): Promise<string[]> =>
  (await kc.makeApiClient(NetworkingV1Api).listNamespacedNetworkPolicy({ namespace })).items.map((p) => p.metadata!.name!).sort();
const pgRole = async (name: string): Promise<boolean> => (await db.superQuery('SELECT 1 FROM pg_roles WHERE rolname LIKE $1', [`${name}%`])).length > 0;

beforeAll(async () => {
  kc = kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  for (const key of Object.keys(ns) as (keyof typeof ns)[]) {
    ns[key] = uniqueName(`shard-${key}`);
    await core.createNamespace({ body: { metadata: { name: ns[key] } } });
    r[key] = new Resources(kc, ns[key]);
  }
  await applyCrds(kc);
  db = await createPostgresShop();
  // The same objects in every namespace: one database shared by every team, each team its own policies.
  for (const key of Object.keys(ns) as (keyof typeof ns)[]) {
    await r[key].secret('admin', { username: db.admin.username, password: db.admin.password });
    await r[key].secret('db-ca', { 'ca.crt': db.ca });
    await r[key].connection('shop', {
      engine: 'postgres', host: db.host, port: db.port, database: db.database, adminSecretRef: { name: 'admin' },
      tls: { mode: 'verify-full', caSecretRef: { name: 'db-ca' } }, network: { podSelector: { matchLabels: { app: 'shop-db' } } },
    });
    const spec: AccessPolicySpec = {
      connectionRef: { name: 'shop' }, tables: [{ name: 'products' }], console: { enabled: true },
      clients: { podSelector: { matchLabels: { app: 'web' } } }, ...(key === 'x' ? { username: unwatchedUser } : {}),
    };
    await r[key].policy('app', spec);
    if (key !== 'x') await r[key].policy('other', { connectionRef: { name: 'shop' }, tables: [{ name: 'orders' }] });
  }
  [shard.a, shard.b] = await Promise.all([startShard([ns.a1, ns.a2]), startShard([ns.b])]);
}, 180_000);

afterAll(async () => {
  for (const s of [shard.a, shard.b]) {
    if (s && s.operator.process.exitCode === null && s.operator.process.signalCode === null) await s.operator.stop().catch(() => undefined);
    await s?.proxy.close();
  }
  const leases = kc?.makeApiClient(CoordinationV1Api);
  for (const lease of [shard.a, shard.b].map((s) => s && leaseOf(s))) {
    const name = lease?.split('/')[1];
    if (name) await leases?.deleteNamespacedLease({ namespace: operatorNamespace, name }).catch(() => undefined);
  }
  await db?.close();
  for (const name of Object.values(ns)) if (name) await kc?.makeApiClient(CoreV1Api).deleteNamespace({ name }).catch(() => undefined);
});

describe('two operators with disjoint --namespaces', () => {
  it('each leads with a Lease of its own, both at once', async () => {
    const [a, b] = [shard.a!, shard.b!];
    await eventually('both shards to lead', () => leaseOf(a) && leaseOf(b), 30_000);
    expect(leaseOf(a)).not.toBe(leaseOf(b));
    expect(leaseOf(a)).toMatch(new RegExp(`^${operatorNamespace}/dbwarden-operator-[0-9a-f]{10}$`));
  });

  it("each reconciles its own namespaces' objects: status, finalizers, Secrets, NetworkPolicies, Roles, users", async () => {
    for (const key of ['a1', 'a2', 'b'] as const) {
      await r[key].waitReady<DatabaseConnection>('databaseconnections', 'shop');
      for (const name of ['app', 'other']) {
        const p = await r[key].waitReady<AccessPolicy>('accesspolicies', name);
        expect(p.metadata?.finalizers, `${key}/${name}`).toContain(finalizer);
        expect(await pgRole(p.status!.activeUsername!), `${key}/${name}'s user`).toBe(true);
        expect((await r[key].readSecret(`${name}-credentials`))?.username).toBe(p.status!.activeUsername);
      }
      expect(await networkPolicies(ns[key])).toEqual(['dbwarden-app', 'dbwarden-shop-ingress']);
      await eventually(`the console's Role in ${key}`, () => roleExists(ns[key]), 10_000);
    }
  });

  it('leaves a namespace neither watches alone', async () => {
    // Several resync periods (5 s in tests) after everything else converged.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    const conn = await r.x.get<DatabaseConnection>('databaseconnections', 'shop');
    const policy = await r.x.get<AccessPolicy>('accesspolicies', 'app');
    expect(conn?.status).toBeUndefined();
    expect(conn?.metadata?.finalizers ?? []).toEqual([]);
    expect(policy?.status).toBeUndefined();
    expect(policy?.metadata?.finalizers ?? []).toEqual([]);
    expect(await r.x.readSecret('app-credentials')).toBeUndefined();
    expect(await networkPolicies(ns.x)).toEqual([]);
    expect(await roleExists(ns.x)).toBe(false);
    expect(await pgRole(unwatchedUser)).toBe(false);
  });

  it("never picks up a stopped shard's objects: a deleted policy waits for its own shard, and its user stays", async () => {
    const b = shard.b!;
    const other = (await r.b.get<AccessPolicy>('accesspolicies', 'other'))!;
    const user = other.status!.activeUsername!;
    const secret = (await r.b.readSecret('app-credentials'))!;
    await stopShard(b);
    const aLinesBefore = shard.a!.operator.logs.length;
    await r.b.delete('accesspolicies', 'other');
    await r.b.core.deleteNamespacedSecret({ namespace: ns.b, name: 'app-credentials' });
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    const waiting = await r.b.get<AccessPolicy>('accesspolicies', 'other');
    expect(waiting?.metadata?.deletionTimestamp, 'the policy waits for its finalizer').toBeDefined();
    expect(waiting?.metadata?.finalizers).toContain(finalizer);
    expect(await pgRole(user)).toBe(true);
    expect(await r.b.readSecret('app-credentials')).toBeUndefined();
    expect(shard.a!.operator.logs.slice(aLinesBefore).filter((l) => l.includes(ns.b))).toEqual([]);

    // Back: shard B finishes the deletion and puts the Secret back, with a new password.
    shard.b = await startShard(b.namespaces, b.proxy, b.logs);
    await r.b.gone('accesspolicies', 'other', 30_000);
    expect(await pgRole(user)).toBe(false);
    // Written in two steps (the new password pending first): wait for the credentials.
    const back = await eventually('the Secret put back', async () => {
      const s = await r.b.readSecret('app-credentials');
      return s?.username && s.password ? s : undefined;
    }, 30_000);
    expect(back.username).toBe(secret.username);
    expect(back.password).not.toBe(secret.password);
  });

  it('a deletion in shard A is handled by A alone; B and its users carry on', async () => {
    const deleted = (await r.a2.get<AccessPolicy>('accesspolicies', 'app'))!;
    const user = deleted.status!.activeUsername!;
    const bLinesBefore = shard.b!.operator.logs.length;
    await r.a2.delete('accesspolicies', 'app');
    await r.a2.gone('accesspolicies', 'app', 30_000);
    expect(await pgRole(user)).toBe(false);
    await eventually('the egress NetworkPolicy and the Role gone with it', async () =>
      (await networkPolicies(ns.a2)).join() === 'dbwarden-shop-ingress' && !(await roleExists(ns.a2)), 30_000);
    // B never mentions a2, and its own users still work.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(shard.b!.operator.logs.slice(bLinesBefore).filter((l) => l.includes(ns.a2))).toEqual([]);
    const conn = await connectWith('postgres', (await r.b.readSecret('app-credentials'))!);
    try {
      expect(await conn.query('SELECT count(*) FROM public.products')).toHaveLength(1);
    } finally {
      await conn.close();
    }
    await r.a1.waitReady('accesspolicies', 'app');
  });

  it('sent no request outside its own namespaces and its Lease: no cluster-wide list or watch', () => {
    for (const s of [shard.a!, shard.b!]) {
      const lease = leaseOf(s)!.split('/')[1]!;
      const own = [...s.namespaces.map((n) => `/namespaces/${n}/`), `/apis/coordination.k8s.io/v1/namespaces/${operatorNamespace}/leases`];
      // Not vacuous: it listed and watched each of its namespaces through the proxy.
      for (const n of s.namespaces) expect(s.proxy.requests.some((q) => q.url.includes(`/namespaces/${n}/accesspolicies`) && q.url.includes('watch=true'))).toBe(true);
      const elsewhere = s.proxy.requests.filter((q) => !own.some((prefix) => q.url.includes(prefix)));
      expect(elsewhere.map((q) => `${q.method} ${q.url}`), `shard ${s.namespaces.join(',')}`).toEqual([]);
      // Its own Lease only (and the collection, to create it).
      const leasePaths = new Set(s.proxy.requests.filter((q) => q.url.includes('/leases')).map((q) => new URL(q.url, 'http://proxy').pathname));
      const leases = `/apis/coordination.k8s.io/v1/namespaces/${operatorNamespace}/leases`;
      expect(leasePaths).toContain(`${leases}/${lease}`);
      for (const path of leasePaths) expect([leases, `${leases}/${lease}`]).toContain(path);
    }
  });

  it('ran without one request refused by RBAC', async () => {
    await stopShard(shard.a!);
    await stopShard(shard.b!);
  });
});
