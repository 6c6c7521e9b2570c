/**
 * Two operator replicas with leader election: only the leader reconciles; when it stops, the other takes
 * over and reconciles what comes next.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCrds } from '../support/crds.js';
import { eventually, kubeConfig, uniqueName } from '../support/kube.js';
import { startOperator, type RunningOperator } from '../support/operator.js';
import { Resources } from '../support/resources.js';
import { createPostgresShop, type ShopDatabase } from '../support/shop-db.js';

let kc: KubeConfig;
let ns: string;
let r: Resources;
let db: ShopDatabase;
const operators: RunningOperator[] = [];

const leads = (o: RunningOperator): boolean => o.logs.some((l) => l.includes('became leader'));

beforeAll(async () => {
  kc = kubeConfig();
  ns = uniqueName('leader');
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
  const args = ['--leader-elect=true', `--leader-election-id=${ns}`];
  operators.push(await startOperator([ns], args), await startOperator([ns], args));
});

afterAll(async () => {
  await Promise.all(operators.map((o) => o.stop()));
  await db?.close();
  await kc?.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
});

describe('leader election', () => {
  it('lets exactly one replica reconcile, and hands over when it stops', async () => {
    await r.policy('first', { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }] });
    await r.waitReady('accesspolicies', 'first');
    const leader = await eventually('a leader', () => operators.find(leads));
    const standby = operators.find((o) => o !== leader)!;
    expect(leads(standby)).toBe(false);
    // Both replicas are ready (their caches synced), only one works.
    for (const o of operators) expect((await fetch(`http://127.0.0.1:${o.port}/readyz`)).status).toBe(200);

    const stoppedAt = Date.now();
    expect(await leader.stop()).toBe(0);
    await eventually('the standby to take over', () => leads(standby), 30_000);
    const takeoverMs = Date.now() - stoppedAt;
    console.log(`takeover after a graceful stop: ${takeoverMs} ms`);
    await r.policy('second', { connectionRef: { name: 'shop' }, tables: [{ name: 'orders' }] });
    await r.waitReady('accesspolicies', 'second');
  });
});
