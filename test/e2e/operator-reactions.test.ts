/**
 * Watch-driven reactions, with a resync period too long to hide them: a change to an admin Secret takes
 * effect at once, a policy waiting for its DatabaseConnection proceeds when it appears, a credentials Secret
 * or a NetworkPolicy changed behind the operator's back is put back, and /metrics reports reconciles.
 */
import { CoreV1Api, NetworkingV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1NetworkPolicy } from '@kubernetes/client-node';
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
let operator: RunningOperator;

beforeAll(async () => {
  kc = kubeConfig();
  ns = uniqueName('reactions');
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  await applyCrds(kc);
  r = new Resources(kc, ns);
  db = await createPostgresShop();
  await r.secret('db-ca', { 'ca.crt': db.ca });
  operator = await startOperator([ns], ['--resync-period=10m']);
});

afterAll(async () => {
  await operator?.stop();
  await db?.close();
  await kc?.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
});

describe('operator reactions', () => {
  it('follows the admin Secret: created late, broken, fixed', async () => {
    await r.connection('shop', {
      engine: 'postgres', host: db.host, port: db.port, database: db.database,
      adminSecretRef: { name: 'admin' }, tls: { mode: 'verify-full', caSecretRef: { name: 'db-ca' } },
    });
    await r.waitReady('databaseconnections', 'shop', 'False', 'AdminSecretNotFound', 15_000);
    await r.secret('admin', { username: db.admin.username, password: 'wrong' });
    await r.waitReady('databaseconnections', 'shop', 'False', 'AuthenticationFailed', 15_000);
    await r.core.replaceNamespacedSecret({ namespace: ns, name: 'admin', body: { metadata: { name: 'admin' }, stringData: { username: db.admin.username, password: db.admin.password } } });
    await r.waitReady('databaseconnections', 'shop', 'True', 'Connected', 15_000);
  });

  it('provisions a policy that waited for its DatabaseConnection as soon as the connection is created', async () => {
    await r.policy('early', { connectionRef: { name: 'late' }, tables: [{ name: 'products' }] });
    await r.waitReady('accesspolicies', 'early', 'False', 'ConnectionNotFound', 15_000);
    await r.connection('late', {
      engine: 'postgres', host: db.host, port: db.port, database: db.database,
      adminSecretRef: { name: 'admin' }, tls: { mode: 'verify-full', caSecretRef: { name: 'db-ca' } },
    });
    // Not a retry (ConnectionNotFound is not retried) nor a resync (10 min): the connection's watch event.
    await r.waitReady('accesspolicies', 'early', 'True', undefined, 20_000);
  });

  it('puts back a credentials Secret someone edited, at once (its own writes start no extra pass)', async () => {
    const name = 'early-credentials';
    const before = await r.readSecret(name);
    expect(before?.host).toBe(db.host);
    await r.core.patchNamespacedSecret({ namespace: ns, name, body: { stringData: { host: 'evil.example' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    // The resync period is 10 minutes: only the watch event of the edit can bring this back.
    await eventually('the Secret to be restored', async () => (await r.readSecret(name))?.host === db.host, 20_000);
    expect((await r.readSecret(name))?.password).toBe(before?.password);
  });

  it('puts back a NetworkPolicy someone edited or deleted, at once (a policy\'s egress, a connection\'s ingress)', async () => {
    const net = kc.makeApiClient(NetworkingV1Api);
    const read = (name: string): Promise<V1NetworkPolicy | undefined> => net.readNamespacedNetworkPolicy({ namespace: ns, name }).catch(() => undefined);
    const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    await r.patch('databaseconnections', 'late', { spec: { network: { podSelector: { matchLabels: { app: 'shop-db' } } } } });
    await r.patch('accesspolicies', 'early', { spec: { clients: { podSelector: { matchLabels: { app: 'api' } } } } });
    const egress = await eventually('the egress NetworkPolicy', async () =>
      ((await read('dbwarden-early'))?.spec?.podSelector?.matchLabels?.app === 'api' ? read('dbwarden-early') : undefined), 20_000);
    const ingress = await eventually('the ingress NetworkPolicy admitting the policy\'s clients', async () => {
      const np = await read('dbwarden-late-ingress');
      return np?.spec?.ingress?.[0]?._from?.some((peer) => peer.podSelector?.matchLabels?.app === 'api') ? np : undefined;
    }, 20_000);

    // The resync period is 10 minutes: only the watch events of these changes can bring them back.
    await net.patchNamespacedNetworkPolicy({ namespace: ns, name: 'dbwarden-late-ingress', body: { spec: { ingress: [{}] } } }, mergePatch);
    await eventually('the ingress NetworkPolicy to be restored (an empty rule admitted every pod)', async () =>
      JSON.stringify((await read('dbwarden-late-ingress'))?.spec) === JSON.stringify(ingress.spec), 20_000);
    await net.patchNamespacedNetworkPolicy({ namespace: ns, name: 'dbwarden-early', body: { spec: { podSelector: { matchLabels: { app: 'other' } } } } }, mergePatch);
    await eventually('the egress NetworkPolicy to be restored', async () =>
      JSON.stringify((await read('dbwarden-early'))?.spec) === JSON.stringify(egress.spec), 20_000);
    await net.deleteNamespacedNetworkPolicy({ namespace: ns, name: 'dbwarden-early' });
    await eventually('the deleted egress NetworkPolicy to be made again', async () => {
      const np = await read('dbwarden-early');
      return np !== undefined && np.metadata?.uid !== egress.metadata?.uid && JSON.stringify(np.spec) === JSON.stringify(egress.spec);
    }, 20_000);
  });

  it('serves reconcile and queue metrics', async () => {
    const text = await (await fetch(`http://127.0.0.1:${operator.port}/metrics`)).text();
    expect(text).toMatch(/dbwarden_reconcile_total\{controller="connection",result="(?:success|requeue)"\} [1-9]/);
    expect(text).toContain('workqueue_depth');
    expect(text).toContain('dbwarden_reconcile_duration_seconds_bucket');
    expect((await fetch(`http://127.0.0.1:${operator.port}/readyz`)).status).toBe(200);
  });
});
