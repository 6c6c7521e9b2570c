/**
 * NetworkPolicies the operator writes (egress for each policy's clients, ingress on in-cluster database
 * pods) and the security posture checks, each broken on purpose and fixed again.
 */
import { execFile } from 'node:child_process';
import { AppsV1Api, CoreV1Api, NetworkingV1Api, type KubeConfig, type V1NetworkPolicy } from '@kubernetes/client-node';
import type { AccessPolicy, DatabaseConnection, DatabaseConnectionSpec } from '@dbwarden/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { applyCrds } from '../support/crds.js';
import { required } from '../support/env.js';
import { eventually, kubeConfig, uniqueName } from '../support/kube.js';
import { startOperator, type RunningOperator } from '../support/operator.js';
import { Resources } from '../support/resources.js';
import { createPostgresShop, type ShopDatabase } from '../support/shop-db.js';

let kc: KubeConfig;
let ns: string;
let r: Resources;
let net: NetworkingV1Api;
let db: ShopDatabase;
let operator: RunningOperator;

const readNp = async (name: string): Promise<V1NetworkPolicy | undefined> =>
  net.readNamespacedNetworkPolicy({ namespace: ns, name }).catch(() => undefined);

function base(): DatabaseConnectionSpec {
  return {
    engine: 'postgres', host: db.host, port: db.port, database: db.database,
    adminSecretRef: { name: 'admin' }, tls: { mode: 'verify-full', caSecretRef: { name: 'db-ca' } },
  };
}

async function check(connection: string, name: string, passed: boolean, mentions?: string): Promise<string> {
  const c = await eventually(`${connection} posture ${name}=${passed}${mentions ? ` mentioning ${mentions}` : ''}`, async () => {
    const got = await r.get<DatabaseConnection>('databaseconnections', connection);
    const found = got?.status?.posture?.checks?.find((x) => x.name === name);
    return found?.passed === passed && (!mentions || found.message.includes(mentions)) ? found : undefined;
  }, 90_000);
  return c.message;
}

beforeAll(async () => {
  kc = kubeConfig();
  ns = uniqueName('netpos');
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  await applyCrds(kc);
  r = new Resources(kc, ns);
  net = kc.makeApiClient(NetworkingV1Api);
  db = await createPostgresShop();
  await r.secret('admin', { username: db.admin.username, password: db.admin.password });
  await r.secret('superuser', { username: required('PGUSER'), password: required('PGPASSWORD') });
  await r.secret('db-ca', { 'ca.crt': db.ca });
  operator = await startOperator([ns], [], { POD_NAMESPACE: 'dbwarden-system' });
}, 120_000);

afterAll(async () => {
  await operator?.stop();
  await db?.close();
  await kc?.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
});

describe('NetworkPolicies', () => {
  it('fence an in-cluster database to the clients of its policies, and follow changes', async () => {
    await r.connection('incluster', { ...base(), network: { podSelector: { matchLabels: { app: 'shop-db' } } } });
    await r.policy('api', { connectionRef: { name: 'incluster' }, tables: [{ name: 'products' }], clients: { podSelector: { matchLabels: { app: 'api' } } } });
    await r.policy('reports', {
      connectionRef: { name: 'incluster' }, tables: [{ name: 'orders' }],
      clients: { podSelector: { matchLabels: { app: 'reports' } }, namespaceSelector: { matchLabels: { team: 'data' } } },
      console: { enabled: true },
    });
    await r.waitReady('accesspolicies', 'api');
    await r.waitReady('accesspolicies', 'reports');

    const egress = await eventually('the egress NetworkPolicy', () => readNp('dbwarden-api'));
    expect(egress.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'AccessPolicy', name: 'api', controller: true });
    expect(egress.spec?.podSelector).toEqual({ matchLabels: { app: 'api' } });
    expect(egress.spec?.policyTypes).toEqual(['Egress']);
    expect(egress.spec?.egress?.[0]?.to).toEqual([{ podSelector: { matchLabels: { app: 'shop-db' } } }]);
    expect(egress.spec?.egress?.[0]?.ports).toEqual([{ protocol: 'TCP', port: db.port }]);
    expect(egress.spec?.egress?.[1]?.ports?.map((p) => `${p.protocol}/${p.port}`)).toEqual(['UDP/53', 'TCP/53']);
    // DNS to any destination: a kube-dns pod selector would cut off NodeLocal DNSCache and other resolvers.
    expect(egress.spec?.egress?.[1]?.to).toBeUndefined();

    const ingress = await eventually('the ingress NetworkPolicy with both clients', async () => {
      const np = await readNp('dbwarden-incluster-ingress');
      return np?.spec?.ingress?.[0]?._from?.length === 4 ? np : undefined;
    });
    expect(ingress.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'DatabaseConnection', name: 'incluster' });
    expect(ingress.spec?.podSelector).toEqual({ matchLabels: { app: 'shop-db' } });
    expect(ingress.spec?.ingress?.[0]?._from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dbwarden-system' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'dbwarden-operator' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dbwarden-system' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'dbwarden-console' } } },
      { podSelector: { matchLabels: { app: 'api' } } },
      { podSelector: { matchLabels: { app: 'reports' } }, namespaceSelector: { matchLabels: { team: 'data' } } },
    ]);

    // What the operator wrote is valid for the API server as a user would apply it.
    for (const np of [egress, ingress]) {
      const manifest = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `${np.metadata!.name}-copy`, namespace: ns }, spec: JSON.parse(JSON.stringify(np.spec).replace(/"_from"/g, '"from"')) as object };
      const child = execFile('kubectl', ['apply', '--dry-run=server', '-o', 'name', '-f', '-'], { env: { ...process.env, KUBECONFIG: required('KUBECONFIG') } });
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
        child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`kubectl exited ${code}`))));
        child.stdin?.end(stringify(manifest));
      });
      expect(out).toContain('networkpolicy');
    }

    await r.patch('accesspolicies', 'api', { spec: { clients: { podSelector: { matchLabels: { app: 'api', tier: 'web' } } } } });
    await eventually('the egress NetworkPolicy to follow the selector', async () =>
      (await readNp('dbwarden-api'))?.spec?.podSelector?.matchLabels?.tier === 'web');
    await r.patch('accesspolicies', 'api', { spec: { clients: null } });
    await eventually('the egress NetworkPolicy to go when clients go', async () => (await readNp('dbwarden-api')) === undefined);

    await r.delete('accesspolicies', 'reports');
    await eventually('the deleted policy\'s NetworkPolicy to be garbage-collected', async () => (await readNp('dbwarden-reports')) === undefined);
    await eventually('the ingress NetworkPolicy without the deleted policy\'s clients', async () =>
      (await readNp('dbwarden-incluster-ingress'))?.spec?.ingress?.[0]?._from?.length === 1);
  });

  it('fence an external database by CIDR', async () => {
    await r.connection('external', { ...base(), network: { cidrs: ['10.0.12.0/24'] } });
    await r.policy('ext', { connectionRef: { name: 'external' }, tables: [{ name: 'products' }], clients: { podSelector: { matchLabels: { app: 'ext' } } } });
    const np = await eventually('the egress NetworkPolicy', () => readNp('dbwarden-ext'));
    expect(np.spec?.egress?.[0]?.to).toEqual([{ ipBlock: { cidr: '10.0.12.0/24' } }]);
    expect(await readNp('dbwarden-external-ingress')).toBeUndefined();
  });
});

describe('posture', () => {
  it('TLSEnabled and TLSVerified follow tls.mode', async () => {
    await r.connection('tls', { ...base(), tls: { mode: 'disable' } });
    expect(await check('tls', 'TLSEnabled', false)).toContain('not encrypted');
    await r.patch('databaseconnections', 'tls', { spec: { tls: { mode: 'require' } } });
    await check('tls', 'TLSEnabled', true);
    expect(await check('tls', 'TLSVerified', false)).toContain('require');
    await r.patch('databaseconnections', 'tls', { spec: { tls: { mode: 'verify-full', caSecretRef: { name: 'db-ca' } } } });
    await check('tls', 'TLSVerified', true);
  });

  it('AdminNotSuperuser fails for a superuser admin', async () => {
    await r.connection('super', { ...base(), adminSecretRef: { name: 'superuser' } });
    expect(await check('super', 'AdminNotSuperuser', false)).toMatch(/CREATEROLE/);
    await r.patch('databaseconnections', 'super', { spec: { adminSecretRef: { name: 'admin' } } });
    await check('super', 'AdminNotSuperuser', true);
  });

  it('DefaultPrivileges gives the REVOKE for what every role may do by default, and passes once it ran; AccessLogged says how to log', async () => {
    await r.connection('defaults', base());
    expect(await check('defaults', 'DefaultPrivileges', false, 'REVOKE TEMP ON DATABASE')).toContain(`every role may create temporary tables in ${db.database}`);
    await db.superQuery(`REVOKE TEMP ON DATABASE "${db.database}" FROM PUBLIC`);
    await check('defaults', 'DefaultPrivileges', true);
    const logged = (await r.get<DatabaseConnection>('databaseconnections', 'defaults'))?.status?.posture?.checks?.find((c) => c.name === 'AccessLogged');
    expect(logged?.message).toMatch(/log_connections/);
    expect(logged?.message).toContain('log_line_prefix');
  });

  it('PolicyUsersLeastPrivilege fails while a policy user is made superuser behind the operator\'s back', async () => {
    await r.connection('lp', base());
    await r.policy('lp-user', { connectionRef: { name: 'lp' }, username: `lp_${Date.now().toString(36)}`, tables: [{ name: 'products' }], rotation: { strategy: 'in-place' } });
    const p = await r.waitReady<AccessPolicy>('accesspolicies', 'lp-user');
    await check('lp', 'PolicyUsersLeastPrivilege', true);
    await db.superQuery(`ALTER ROLE "${p.status!.username}" SUPERUSER`);
    expect(await check('lp', 'PolicyUsersLeastPrivilege', false)).toContain('lp-user');
    await db.superQuery(`ALTER ROLE "${p.status!.username}" NOSUPERUSER`);
    await check('lp', 'PolicyUsersLeastPrivilege', true);
  });

  it('NetworkRestricted needs spec.network and clients on every policy', async () => {
    await r.connection('open', base());
    await r.policy('open-user', { connectionRef: { name: 'open' }, tables: [{ name: 'products' }] });
    expect(await check('open', 'NetworkRestricted', false)).toContain('spec.network');
    await r.patch('databaseconnections', 'open', { spec: { network: { cidrs: ['10.1.0.0/16'] } } });
    await check('open', 'NetworkRestricted', false, 'open-user');
    await r.patch('accesspolicies', 'open-user', { spec: { clients: { podSelector: { matchLabels: { app: 'x' } } } } });
    await check('open', 'NetworkRestricted', true);
  });

  it('ConsoleUsesReadReplica follows spec.readReplica and console.useReadReplica', async () => {
    await r.connection('replica', base());
    await r.policy('console-user', { connectionRef: { name: 'replica' }, tables: [{ name: 'products' }], console: { enabled: true } });
    expect(await check('replica', 'ConsoleUsesReadReplica', false)).toContain('readReplica');
    await r.patch('databaseconnections', 'replica', { spec: { readReplica: { host: '127.0.0.1' } } });
    await check('replica', 'ConsoleUsesReadReplica', true);
    await r.patch('accesspolicies', 'console-user', { spec: { console: { useReadReplica: false } } });
    await check('replica', 'ConsoleUsesReadReplica', false);
  });

  it('CredentialsFresh fails when rotation is blocked past the interval, and recovers', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const deployment = {
      metadata: { name: 'consumer' },
      spec: { selector: { matchLabels: { app: 'c' } }, template: { metadata: { labels: { app: 'c' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    };
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment });
    await r.connection('fresh', base());
    await r.policy('fresh-user', {
      connectionRef: { name: 'fresh' }, tables: [{ name: 'products' }],
      rotation: { interval: '1m', gracePeriod: '5s', restartTargets: [{ kind: 'Deployment', name: 'consumer' }] },
    });
    await r.waitReady('accesspolicies', 'fresh-user');
    await check('fresh', 'CredentialsFresh', true);
    await apps.deleteNamespacedDeployment({ namespace: ns, name: 'consumer' });
    expect(await check('fresh', 'CredentialsFresh', false)).toContain('fresh-user');
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment });
    await check('fresh', 'CredentialsFresh', true);
    const conn = await r.get<DatabaseConnection>('databaseconnections', 'fresh');
    expect(conn?.status?.posture?.total).toBe(9);
  }, 180_000);
});
