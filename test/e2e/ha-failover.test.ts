/**
 * High availability: two operator replicas with leader election (as config/manager deploys them), each
 * running as the ServiceAccount of config/rbac. The leader is killed with SIGKILL while it provisions a
 * batch of 100 AccessPolicies, so it cannot release the Lease; the standby takes over once the Lease expires
 * and finishes the batch: every policy becomes Ready and its Secret logs in. Prints the takeover time.
 */
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { AccessPolicy } from '@dbwarden/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCrds } from '../support/crds.js';
import { eventually, kubeConfig, uniqueName } from '../support/kube.js';
import { startOperator, type RunningOperator } from '../support/operator.js';
import { operatorNamespace } from '../support/operator-identity.js';
import { Resources } from '../support/resources.js';
import { connectWith, createPostgresShop, type ShopDatabase } from '../support/shop-db.js';

const batch = 100;
const tables = ['products', 'orders', 'users', 'payments'];

let kc: KubeConfig;
let ns: string;
let r: Resources;
let db: ShopDatabase;
const operators: RunningOperator[] = [];

const leaderLine = (o: RunningOperator): string | undefined => o.logs.find((l) => l.includes('became leader'));
const timeOf = (line: string): number => Date.parse(/"time":"([^"]+)"/.exec(line)?.[1] ?? '');
const names = Array.from({ length: batch }, (_, i) => `p${String(i).padStart(3, '0')}`);

async function readyPolicies(): Promise<Set<string>> {
  const list = (await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
    group: 'dbwarden.io', version: 'v1alpha1', namespace: ns, plural: 'accesspolicies',
  })) as { items: AccessPolicy[] };
  return new Set(list.items.filter((p) => p.status?.conditions?.some((c) =>
    c.type === 'Ready' && c.status === 'True' && c.observedGeneration === p.metadata?.generation)).map((p) => p.metadata?.name ?? ''));
}

/** Runs fn over items, at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

beforeAll(async () => {
  kc = kubeConfig();
  ns = uniqueName('ha');
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  await applyCrds(kc);
  r = new Resources(kc, ns);
  db = await createPostgresShop();
  await r.secret('admin', { username: db.admin.username, password: db.admin.password });
  await r.secret('db-ca', { 'ca.crt': db.ca });
  await r.connection('shop', {
    engine: 'postgres', host: db.host, port: db.port, database: db.database,
    adminSecretRef: { name: 'admin' }, tls: { mode: 'verify-full', caSecretRef: { name: 'db-ca' } },
  });
  // Shorter Lease timings than the defaults (15 s, 10 s, 2 s): the Lease and the takeover below show they take effect.
  const args = ['--leader-elect=true', `--leader-election-id=${ns}`, '--leader-election-lease-duration=8s',
    '--leader-election-renew-deadline=6s', '--leader-election-retry-period=1s'];
  operators.push(await startOperator([ns], args), await startOperator([ns], args));
  await r.waitReady('databaseconnections', 'shop');
});

afterAll(async () => {
  await Promise.all(operators.map((o) => o.stop()));
  await db?.close();
  await kc?.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
});

describe('leader failover', () => {
  it(`finishes a batch of ${batch} policies after the leader is killed mid-batch`, async () => {
    const leader = await eventually('a leader', () => operators.find(leaderLine));
    const standby = operators.find((o) => o !== leader)!;
    expect(leaderLine(standby)).toBeUndefined();
    // Both replicas become ready (caches synced): the standby is warm when it takes over.
    for (const o of operators) await eventually('both replicas ready', async () => (await fetch(`http://127.0.0.1:${o.port}/readyz`)).ok);

    const started = Date.now();
    const tableOf = (name: string): string => tables[names.indexOf(name) % tables.length]!;
    const creating = pool(names, 8, (name) => r.policy(name, { connectionRef: { name: 'shop' }, tables: [{ name: tableOf(name) }] }));

    // Kill the leader as soon as it has provisioned a few: the rest are queued, in flight or not yet created.
    const readyAtKill = await eventually('the leader to provision a few policies', async () => {
      const ready = await readyPolicies();
      return ready.size >= 5 ? ready.size : undefined;
    }, 120_000);
    const killedAt = Date.now();
    await leader.stop('SIGKILL');
    expect(readyAtKill).toBeLessThan(batch);

    await eventually('the standby to take over', () => leaderLine(standby), 60_000);
    const takeoverMs = timeOf(leaderLine(standby)!) - killedAt;
    await creating;

    await eventually(`all ${batch} policies Ready`, async () => (await readyPolicies()).size === batch ? true : undefined, 240_000);
    const allReadyMs = Date.now() - started;

    // What the new leader made works: every policy's Secret logs in and reads its table.
    await pool(names, 8, async (name) => {
      const secret = await r.readSecret(`${name}-credentials`);
      expect(secret?.username, `${name}-credentials`).toBeTruthy();
      const client = await connectWith('postgres', secret!);
      try {
        await client.query(`SELECT count(*) FROM ${tableOf(name)}`);
      } finally {
        await client.close();
      }
    });
    expect(standby.process.exitCode).toBeNull();

    console.log(`leader failover: SIGKILL after ${readyAtKill}/${batch} policies Ready; standby led ${(takeoverMs / 1000).toFixed(1)} s ` +
      `after the kill (lease duration 8 s); all ${batch} Ready ${(allReadyMs / 1000).toFixed(1)} s after the batch started`);
    expect(takeoverMs).toBeGreaterThan(0);
    // The lease duration after the last renewal the standby saw, plus a retry period, with slack for a loaded machine.
    expect(takeoverMs).toBeLessThan(20_000);
    const lease = await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: operatorNamespace, name: ns });
    expect(lease.spec?.leaseDurationSeconds).toBe(8);

    // The new leader also runs the finalizers: deleting the batch drops every user it (or the old leader) made.
    await pool(names, 8, (name) => r.delete('accesspolicies', name));
    await eventually('every policy deleted', async () => (await readyPolicies()).size === 0 &&
      ((await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ group: 'dbwarden.io', version: 'v1alpha1', namespace: ns, plural: 'accesspolicies' })) as { items: unknown[] }).items.length === 0, 180_000);
    const left = await db.superQuery<{ n: string }>(
      "SELECT count(*) AS n FROM pg_roles r JOIN pg_shdescription d ON d.objoid = r.oid WHERE d.description LIKE $1", [`managed by dbwarden: accesspolicy ${ns}/%`]);
    expect(Number(left[0]?.n)).toBe(0);
  }, 600_000);
});
