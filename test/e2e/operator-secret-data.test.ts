/**
 * The operator receives the data of the Secrets it needs and of no other: it runs (with exactly config/rbac)
 * behind a proxy that keeps every byte the API server sends it. A Secret with a distinctive value in a watched
 * namespace, listed at start, created, changed and deleted while the operator runs, never appears in those
 * bytes; the admin Secret does (it reads that one), and a change to it still takes effect at once.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { AccessPolicy } from '@dbwarden/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCrds } from '../support/crds.js';
import { eventually, kubeConfig, uniqueName } from '../support/kube.js';
import { startOperator, type RunningOperator } from '../support/operator.js';
import { operatorKubeconfig } from '../support/operator-identity.js';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy.js';
import { Resources } from '../support/resources.js';
import { createPostgresShop, type ShopDatabase } from '../support/shop-db.js';

let kc: KubeConfig;
let ns: string;
let r: Resources;
let db: ShopDatabase;
let proxy: RecordingProxy;
let operator: RunningOperator | undefined;

const distinctive = (label: string): string => `${label}-${uniqueName('zq')}-never-sent`;
const base64 = (value: string): string => Buffer.from(value).toString('base64');
const values = { listed: distinctive('listed'), added: distinctive('added'), changed: distinctive('changed') };

beforeAll(async () => {
  kc = kubeConfig();
  ns = uniqueName('secret-data');
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  await applyCrds(kc);
  r = new Resources(kc, ns);
  db = await createPostgresShop();
  await r.secret('admin', { username: db.admin.username, password: db.admin.password });
  await r.secret('db-ca', { 'ca.crt': db.ca });
  await r.secret('unrelated', { token: values.listed });
  const identity = new KubeConfig();
  identity.loadFromFile(await operatorKubeconfig());
  proxy = await startRecordingProxy(identity);
  operator = await startOperator([ns], ['--resync-period=10m'], { KUBECONFIG: proxy.kubeconfigFile });
}, 120_000);

afterAll(async () => {
  await operator?.stop();
  await proxy?.close();
  await db?.close();
  await kc?.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
});

describe('Secret data the operator receives', () => {
  it('provisions through the proxy, watching other Secrets as metadata only: their data never arrives', async () => {
    await r.connection('shop', {
      engine: 'postgres', host: db.host, port: db.port, database: db.database,
      adminSecretRef: { name: 'admin' }, tls: { mode: 'verify-full', caSecretRef: { name: 'db-ca' } },
    });
    await r.policy('app', { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }] });
    await r.waitReady<AccessPolicy>('accesspolicies', 'app', 'True', undefined, 60_000);

    await r.secret('added', { token: values.added });
    await r.core.replaceNamespacedSecret({ namespace: ns, name: 'unrelated', body: { metadata: { name: 'unrelated' }, stringData: { token: values.changed } } });
    await r.core.deleteNamespacedSecret({ namespace: ns, name: 'added' });
    // The watch delivered all three (as metadata: their names and the DELETED event).
    await eventually('the watch events of the other Secrets', () => {
      const received = proxy.received();
      return received.includes('"name":"added"') && received.includes('"type":"DELETED"');
    }, 20_000);

    const received = proxy.received();
    for (const value of Object.values(values)) {
      expect(received).not.toContain(value);
      expect(received).not.toContain(base64(value));
    }
    // It does read the Secrets it needs: the admin's (so the check above would have seen data had it come).
    expect(received).toContain(base64(db.admin.password));

    // Every list or watch of Secrets other than its own asked for metadata only.
    const requests = proxy.requests.map((q) => ({ ...q, url: decodeURIComponent(q.url) }));
    const others = requests.filter((q) => q.url.includes('/secrets?') && q.url.includes('managed-by!=dbwarden'));
    expect(others.length).toBeGreaterThanOrEqual(2);
    for (const q of others) expect(q.accept).toMatch(/^application\/json;as=PartialObjectMetadata(List)?;g=meta\.k8s\.io;v=v1$/);
    // Full objects only for the Secrets it manages (selected by its label) and those it reads by name.
    const full = requests.filter((q) => q.method === 'GET' && q.url.includes('/secrets') && !q.accept.includes('PartialObjectMetadata'));
    expect(full.length).toBeGreaterThanOrEqual(3);
    for (const q of full) expect(q.url).toMatch(/\/secrets\/(admin|db-ca|app-credentials)(\?|$)|\/secrets\?.*managed-by=dbwarden(&|$)/);
  });

  it('still notices a change to the admin Secret at once, from its metadata', async () => {
    await r.core.replaceNamespacedSecret({ namespace: ns, name: 'admin', body: { metadata: { name: 'admin' }, stringData: { username: db.admin.username, password: 'wrong' } } });
    await r.waitReady('databaseconnections', 'shop', 'False', 'AuthenticationFailed', 15_000);
    await r.core.replaceNamespacedSecret({ namespace: ns, name: 'admin', body: { metadata: { name: 'admin' }, stringData: { username: db.admin.username, password: db.admin.password } } });
    await r.waitReady('databaseconnections', 'shop', 'True', 'Connected', 15_000);
    expect(await operator!.stop()).toBe(0);
    operator = undefined;
  });
});
