/**
 * No AccessPolicy reaches a server's system catalogs or built-in accounts, whatever the provisioning account
 * could do. The CRD refuses such specs (test/e2e/crd-validation.test.ts); here they are stored straight into
 * etcd, as objects written before those rules existed, and the real operator must refuse them, grant nothing,
 * say why, and revoke what an earlier version granted.
 */
import { CoreV1Api, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import type { AccessPolicy, AccessPolicySpec, DatabaseConnection } from '@dbwarden/api';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCrds } from '../support/crds.js';
import { required } from '../support/env.js';
import { storeUnvalidated } from '../support/etcd.js';
import { eventually, kubeConfig, uniqueName } from '../support/kube.js';
import { startOperator, type RunningOperator } from '../support/operator.js';
import { Resources } from '../support/resources.js';
import { connectWith, createShop, type ShopDatabase } from '../support/shop-db.js';

let kc: KubeConfig;
let ns: string;
let r: Resources;
let pgShop: ShopDatabase;
let myShop: ShopDatabase;
let operator: RunningOperator;
/** Database users are server-wide and outlive the test database: each run names its own. */
let sfx: string;
const u = (name: string): string => `${name}_${sfx}`;

const condition = (policy: AccessPolicy | undefined, type: string) => policy?.status?.conditions?.find((c) => c.type === type);

async function events(name: string): Promise<CoreV1Event[]> {
  const list = await r.core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}

/**
 * Table by table, what the roles dbwarden made hold in system schemas beyond what every role gets (compared
 * with a role that holds nothing), and their default-privilege entries in those schemas.
 */
async function pgSystemPrivileges(): Promise<string[]> {
  const bare = `bare_${ns.replace(/-/g, '_')}`;
  await pgShop.superQuery(`CREATE ROLE ${bare} NOLOGIN`);
  try {
    const rows = await pgShop.superQuery<{ finding: string }>(`
      WITH ours AS (SELECT rolname FROM pg_roles WHERE shobj_description(oid, 'pg_authid') LIKE 'managed by dbwarden:%'),
      system AS (SELECT oid, nspname FROM pg_namespace WHERE nspname LIKE 'pg\\_%' OR nspname = 'information_schema'),
      privileges(p) AS (VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE'), ('REFERENCES'), ('TRIGGER'))
      SELECT ours.rolname || ': ' || privileges.p || ' ON ' || s.nspname || '.' || c.relname AS finding
        FROM ours CROSS JOIN pg_class c JOIN system s ON s.oid = c.relnamespace CROSS JOIN privileges
       WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
         AND (has_table_privilege(ours.rolname, c.oid, privileges.p) AND NOT has_table_privilege($1, c.oid, privileges.p)
           OR privileges.p IN ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES')
              AND has_any_column_privilege(ours.rolname, c.oid, privileges.p) AND NOT has_any_column_privilege($1, c.oid, privileges.p))
      UNION ALL
      SELECT ours.rolname || ': ' || p || ' ON SCHEMA ' || s.nspname FROM ours CROSS JOIN system s CROSS JOIN (VALUES ('USAGE'), ('CREATE')) v(p)
       WHERE has_schema_privilege(ours.rolname, s.oid, p) AND NOT has_schema_privilege($1, s.oid, p)
      UNION ALL
      SELECT ours.rolname || ': DEFAULT PRIVILEGES IN SCHEMA ' || s.nspname
        FROM pg_default_acl d JOIN system s ON s.oid = d.defaclnamespace CROSS JOIN LATERAL aclexplode(d.defaclacl) a
        JOIN ours ON ours.rolname = pg_get_userbyid(a.grantee)
      ORDER BY 1`, [bare]);
    return rows.map((row) => row.finding);
  } finally {
    await pgShop.superQuery(`DROP ROLE ${bare}`);
  }
}

/** What the accounts this run's policies name hold in the MySQL/MariaDB system databases. */
async function mysqlSystemGrants(): Promise<string[]> {
  const rows = await myShop.superQuery<{ what: string }>(
    `SELECT CONCAT(User, ' db ', Db) AS what FROM mysql.db WHERE User LIKE ?
     UNION ALL SELECT CONCAT(User, ' table ', Db, '.', Table_name) FROM mysql.tables_priv WHERE User LIKE ?
     UNION ALL SELECT CONCAT(User, ' column ', Db, '.', Table_name, '.', Column_name) FROM mysql.columns_priv WHERE User LIKE ?`,
    Array(3).fill(`%\\_${sfx}%`),
  );
  return rows.map((row) => row.what).filter((what) => / (db|table|column) (mysql|sys|performance_schema|information_schema)\b/.test(what)).sort();
}

const policy = (connection: string, spec: Omit<AccessPolicySpec, 'connectionRef'>): AccessPolicySpec => ({ connectionRef: { name: connection }, ...spec });

beforeAll(async () => {
  kc = kubeConfig();
  ns = uniqueName('syscat');
  sfx = ns.slice(-4).replace(/-/g, '_');
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  await applyCrds(kc);
  r = new Resources(kc, ns);
  [pgShop, myShop] = await Promise.all([createShop('postgres'), createShop('mysql')]);
  await r.secret('pg-admin', { username: pgShop.admin.username, password: pgShop.admin.password });
  await r.secret('pg-superuser', { username: required('PGUSER'), password: required('PGPASSWORD') });
  await r.secret('pg-ca', { 'ca.crt': pgShop.ca });
  await r.secret('my-admin', { username: myShop.admin.username, password: myShop.admin.password });
  await r.secret('my-root', { username: required('MYSQL_USER'), password: required('MYSQL_PASSWORD') });
  await r.secret('my-ca', { 'ca.crt': myShop.ca });
  operator = await startOperator([ns]);
  const pg = { engine: 'postgres' as const, host: pgShop.host, port: pgShop.port, database: pgShop.database, tls: { mode: 'verify-full' as const, caSecretRef: { name: 'pg-ca' } } };
  const my = { engine: 'mysql' as const, host: myShop.host, port: myShop.port, database: myShop.database, tls: { mode: 'verify-full' as const, caSecretRef: { name: 'my-ca' } } };
  await r.connection('pg', { ...pg, adminSecretRef: { name: 'pg-admin' } });
  await r.connection('pg-super', { ...pg, adminSecretRef: { name: 'pg-superuser' } });
  await r.connection('my', { ...my, adminSecretRef: { name: 'my-admin' } });
  await r.connection('my-root', { ...my, adminSecretRef: { name: 'my-root' } });
  for (const name of ['pg', 'pg-super', 'my', 'my-root']) await r.waitReady('databaseconnections', name);
}, 120_000);

afterAll(async () => {
  // Deleted while the operator runs, so its finalizer drops the users it made (it drops no user it did not make).
  const policies = await r?.objects.listNamespacedCustomObject({ group: 'dbwarden.io', version: 'v1alpha1', namespace: ns, plural: 'accesspolicies' })
    .then((list) => (list as { items: AccessPolicy[] }).items, () => []) ?? [];
  await Promise.all(policies.map(async (p) => {
    await r.delete('accesspolicies', p.metadata!.name!);
    await r.gone('accesspolicies', p.metadata!.name!).catch(() => undefined);
  }));
  await operator?.stop();
  const logs = operator?.logs.join('\n') ?? '';
  for (const password of [pgShop?.admin.password, myShop?.admin.password, process.env.PGPASSWORD, process.env.MYSQL_PASSWORD]) {
    if (password) expect(logs).not.toContain(password);
  }
  await pgShop?.close();
  await myShop?.close();
  await kc?.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
});

describe('PostgreSQL', () => {
  it('refuses every hostile spec stored past the CRD rules, grants nothing and says why, even with a superuser admin', async () => {
    const hostile: [string, AccessPolicySpec, string, RegExp][] = [
      ['authid', policy('pg-super', { username: u('bar_h10'), tables: [{ schema: 'pg_catalog', name: 'pg_authid' }], rotation: { strategy: 'in-place' } }),
        'SystemSchemaRefused', /spec\.tables\[0\]\.schema: pg_catalog is a PostgreSQL system schema/],
      ['catalog', policy('pg-super', { username: u('bar_catalog'), schemas: ['pg_catalog'] }), 'SystemSchemaRefused', /spec\.schemas\[0\]: pg_catalog/],
      ['infoschema', policy('pg-super', { username: u('bar_info'), schemas: ['public', 'information_schema'] }), 'SystemSchemaRefused', /spec\.schemas\[1\]: information_schema/],
      ['toast', policy('pg-super', { username: u('bar_toast'), tables: [{ schema: 'pg_toast', name: 'x' }] }), 'SystemSchemaRefused', /pg_toast/],
      ['postgres', policy('pg-super', { username: 'postgres', rotation: { strategy: 'in-place' } }), 'ReservedUsername', /postgres is a built-in/],
      ['pg-prefix', policy('pg-super', { username: 'pg_monitor', rotation: { strategy: 'in-place' } }), 'ReservedUsername', /reserved pg_ namespace/],
      ['pg-alternating', policy('pg-super', { username: 'pg' }), 'ReservedUsername', /pg_a is in PostgreSQL's reserved pg_ namespace/],
      ['admin', policy('pg', { username: pgShop.admin.username, rotation: { strategy: 'in-place' } }), 'ReservedUsername', /provisioning account/],
      ['admin-alternating', policy('pg', { username: pgShop.admin.username }), 'ReservedUsername', /provisioning account/],
    ];
    for (const [name, spec] of hostile) await storeUnvalidated(r, 'accesspolicies', name, spec);
    for (const [name, , reason, message] of hostile) {
      const refused = await r.waitReady<AccessPolicy>('accesspolicies', name, 'False', reason);
      expect(condition(refused, 'Ready')?.message).toMatch(message);
      expect(refused.status?.username).toBeUndefined();
      expect(await r.readSecret(`${name}-credentials`)).toBeUndefined();
    }
    const made = await pgShop.superQuery<{ rolname: string }>(
      'SELECT rolname FROM pg_roles WHERE rolname = ANY($1)', [[...['bar_h10', 'bar_catalog', 'bar_info', 'bar_toast'].map(u), 'pg_a', 'pg_b', `${pgShop.admin.username}_a`]]);
    expect(made).toEqual([]);
    expect(await pgSystemPrivileges()).toEqual([]);
  });

  it('repairs on upgrade: what an earlier version granted in pg_catalog is revoked, said in an event and in status', async () => {
    await r.policy('legacy', policy('pg-super', { username: u('legacy_user'), tables: [{ name: 'products' }], rotation: { strategy: 'in-place' } }));
    await r.waitReady('accesspolicies', 'legacy');
    // What an operator without the refusal made of `tables: [products, pg_catalog.pg_authid]` and `schemas: [pg_catalog]`.
    await pgShop.superQuery(`GRANT USAGE ON SCHEMA pg_catalog TO ${u('legacy_user')}`);
    await pgShop.superQuery(`GRANT SELECT ON pg_catalog.pg_authid TO ${u('legacy_user')}`);
    await pgShop.superQuery(`ALTER DEFAULT PRIVILEGES IN SCHEMA pg_catalog GRANT SELECT ON TABLES TO ${u('legacy_user')}`);
    const secret = (await r.readSecret('legacy-credentials'))!;
    const before = await connectWith('postgres', secret);
    expect(await before.query('SELECT rolname, rolpassword FROM pg_authid')).not.toHaveLength(0);
    await before.close();

    await storeUnvalidated(r, 'accesspolicies', 'legacy',
      policy('pg-super', { username: u('legacy_user'), tables: [{ name: 'products' }, { schema: 'pg_catalog', name: 'pg_authid' }], rotation: { strategy: 'in-place' } }));
    const refused = await eventually('the policy to be refused with what was revoked', async () => {
      const p = await r.get<AccessPolicy>('accesspolicies', 'legacy');
      return condition(p, 'Ready')?.reason === 'SystemSchemaRefused' && p?.status?.lastDriftCorrection?.revoked?.length ? p : undefined;
    });
    expect(condition(refused, 'Ready')?.message).toContain('spec.tables[1].schema: pg_catalog is a PostgreSQL system schema');
    expect(refused.status?.lastDriftCorrection?.revoked).toEqual([
      `DEFAULT SELECT ON TABLES IN SCHEMA pg_catalog FOR ROLE ${required('PGUSER')}`,
      'SELECT ON pg_catalog.pg_authid',
      'USAGE ON SCHEMA pg_catalog',
    ]);
    expect(condition(refused, 'LeastPrivilege')).toMatchObject({ status: 'True', reason: 'Clean' });
    const revokedEvent = await eventually('the SystemPrivilegesRevoked event', async () =>
      (await events('legacy')).find((e) => e.reason === 'SystemPrivilegesRevoked'));
    expect(revokedEvent.type).toBe('Warning');
    expect(revokedEvent.message).toContain('pg_catalog.pg_authid');
    expect(await pgSystemPrivileges()).toEqual([]);
    const after = await connectWith('postgres', secret);
    await expect(after.query('SELECT rolpassword FROM pg_authid')).rejects.toThrow(/permission denied/);
    await after.close();
    // The connection's posture says this policy is not known to be least-privilege.
    const connection = await eventually('the posture to name the refused policy', async () => {
      const c = await r.get<DatabaseConnection>('databaseconnections', 'pg-super');
      const check = c?.status?.posture?.checks?.find((x) => x.name === 'PolicyUsersLeastPrivilege');
      return check && !check.passed && check.message.includes('legacy') ? c : undefined;
    });
    expect(connection.status?.posture?.checks?.find((x) => x.name === 'AdminNotSuperuser')?.passed).toBe(false);
  });

  it('a drifted grant in a system catalog is revoked at the next pass of a valid policy', async () => {
    await r.policy('drifted', policy('pg-super', { username: u('drifted_user'), tables: [{ name: 'products' }], rotation: { strategy: 'in-place' } }));
    await r.waitReady('accesspolicies', 'drifted');
    await pgShop.superQuery(`GRANT SELECT ON pg_catalog.pg_authid TO ${u('drifted_user')}`);
    await pgShop.superQuery(`ALTER DEFAULT PRIVILEGES IN SCHEMA information_schema GRANT SELECT ON TABLES TO ${u('drifted_user')}`);
    const corrected = await eventually('the drift correction', async () => {
      const p = await r.get<AccessPolicy>('accesspolicies', 'drifted');
      return p?.status?.lastDriftCorrection?.revoked?.includes('SELECT ON pg_catalog.pg_authid') ? p : undefined;
    }, 30_000);
    expect(corrected.status?.lastDriftCorrection?.revoked).toContain(
      `DEFAULT SELECT ON TABLES IN SCHEMA information_schema FOR ROLE ${required('PGUSER')}`);
    expect(await pgSystemPrivileges()).toEqual([]);
  });

  it('with the recommended admin, a superuser grant on pg_authid it cannot revoke: not Ready, ExcessPrivileges, posture failing, a Warning', async () => {
    await r.policy('watched', policy('pg', { username: u('watched_user'), tables: [{ name: 'products' }], rotation: { strategy: 'in-place' } }));
    await r.waitReady('accesspolicies', 'watched');
    await pgShop.superQuery(`GRANT SELECT ON pg_catalog.pg_authid TO ${u('watched_user')}`);
    const stuck = await r.waitReady<AccessPolicy>('accesspolicies', 'watched', 'False', 'InsufficientPrivileges', 30_000);
    expect(condition(stuck, 'LeastPrivilege')).toMatchObject({ status: 'False', reason: 'ExcessPrivileges' });
    expect(condition(stuck, 'LeastPrivilege')?.message).toContain('SELECT ON pg_catalog.pg_authid');
    await eventually('the posture check to fail', async () => {
      const c = await r.get<DatabaseConnection>('databaseconnections', 'pg');
      return c?.status?.posture?.checks?.find((x) => x.name === 'PolicyUsersLeastPrivilege')?.passed === false;
    });
    await pgShop.superQuery(`REVOKE SELECT ON pg_catalog.pg_authid FROM ${u('watched_user')}`);
    const healed = await r.waitReady<AccessPolicy>('accesspolicies', 'watched', 'True', undefined, 60_000);
    expect(condition(healed, 'LeastPrivilege')).toMatchObject({ status: 'True', reason: 'Clean' });
  });

  it('a refused spec whose old grant the recommended admin cannot revoke stays refused, says so, and counts it as excess', async () => {
    const user = u('stuck_user');
    await r.policy('stuck', policy('pg', { username: user, tables: [{ name: 'products' }], rotation: { strategy: 'in-place' } }));
    await r.waitReady('accesspolicies', 'stuck');
    await pgShop.superQuery(`GRANT SELECT ON pg_catalog.pg_authid TO ${user}`);
    await storeUnvalidated(r, 'accesspolicies', 'stuck',
      policy('pg', { username: user, tables: [{ name: 'products' }, { schema: 'pg_catalog', name: 'pg_authid' }], rotation: { strategy: 'in-place' } }));
    const refused = await eventually('the refusal to say what could not be revoked', async () => {
      const p = await r.get<AccessPolicy>('accesspolicies', 'stuck');
      return condition(p, 'Ready')?.reason === 'SystemSchemaRefused' && condition(p, 'LeastPrivilege')?.status === 'False' ? p : undefined;
    });
    expect(condition(refused, 'Ready')?.message).toContain('could not be revoked');
    expect(condition(refused, 'LeastPrivilege')).toMatchObject({ reason: 'ExcessPrivileges' });
    expect(condition(refused, 'LeastPrivilege')?.message).toContain('SELECT ON pg_catalog.pg_authid');
    await pgShop.superQuery(`REVOKE SELECT ON pg_catalog.pg_authid FROM ${user}`);
  });

  it('a superuser admin is a Warning event on the connection, with the recommended account', async () => {
    const warning = await eventually('the AdminIsSuperuser event', async () => (await events('pg-super')).find((e) => e.reason === 'AdminIsSuperuser'));
    expect(warning.type).toBe('Warning');
    expect(warning.message).toContain('CREATEROLE');
    expect(warning.message).toContain('The provisioning account');
    expect((await events('pg')).some((e) => e.reason === 'AdminIsSuperuser')).toBe(false);
  });
});

describe('MySQL/MariaDB', () => {
  it('refuses mysql, root, mariadb.sys and the provisioning account for both strategies, and creates no account', async () => {
    const names = ['mysql', 'root', 'mariadb.sys', myShop.admin.username];
    const hostile = names.flatMap((username, i) => (['in-place', 'alternating'] as const).map((strategy) => ({
      name: `reserved-${i}-${strategy}`, spec: policy('my', { username, rotation: { strategy } }),
    })));
    for (const { name, spec } of hostile) await storeUnvalidated(r, 'accesspolicies', name, spec);
    for (const { name } of hostile) {
      const refused = await r.waitReady<AccessPolicy>('accesspolicies', name, 'False', 'ReservedUsername');
      expect(condition(refused, 'Ready')?.message).toMatch(/built-in administrative or system account|provisioning account/);
    }
    const accounts = await myShop.superQuery<{ account: string }>(
      "SELECT CONCAT(User, '@', Host) AS account FROM mysql.user WHERE User IN (?) OR User LIKE 'mysql\\_%' OR User LIKE 'root\\_%'",
      [[...names, ...names.flatMap((n) => [`${n}_a`, `${n}_b`])]]);
    expect(accounts.map((a) => a.account).filter((a) => a.endsWith('@%') && a !== `${myShop.admin.username}@%`)).toEqual([]);
  });

  it('a name that exists only at another host is UsernameTaken, and no account is made at %', async () => {
    const user = u('elsewhere');
    await myShop.superQuery("CREATE USER ?@'localhost' IDENTIFIED BY ?", [user, 'not-known-to-dbwarden-1234']);
    try {
      await r.policy('elsewhere', policy('my-root', { username: user, rotation: { strategy: 'in-place' } }));
      const taken = await r.waitReady<AccessPolicy>('accesspolicies', 'elsewhere', 'False', 'UsernameTaken');
      expect(condition(taken, 'Ready')?.message).toContain(`${user}@localhost`);
      expect(await myShop.superQuery("SELECT 1 FROM mysql.user WHERE User = ? AND Host = '%'", [user])).toEqual([]);
    } finally {
      await r.delete('accesspolicies', 'elsewhere');
      await r.gone('accesspolicies', 'elsewhere');
      await myShop.superQuery("DROP USER IF EXISTS ?@'localhost'", [user]);
    }
  });

  it('a connection to the mysql database stored past the CRD rules is not Ready, and its policies are refused', async () => {
    await storeUnvalidated(r, 'databaseconnections', 'my-system', {
      engine: 'mysql', host: myShop.host, port: myShop.port, database: 'mysql',
      adminSecretRef: { name: 'my-root' }, tls: { mode: 'verify-full', caSecretRef: { name: 'my-ca' } },
    });
    const user = u('grants');
    await storeUnvalidated(r, 'accesspolicies', 'grants-mysql', policy('my-system', { username: user, tables: [{ name: 'user' }], rotation: { strategy: 'in-place' } }));
    const connection = await r.waitReady<DatabaseConnection>('databaseconnections', 'my-system', 'False', 'SystemSchemaRefused');
    expect(condition(connection as never, 'Ready')?.message).toContain('mysql is a MySQL/MariaDB system database');
    const refused = await r.waitReady<AccessPolicy>('accesspolicies', 'grants-mysql', 'False', 'SystemSchemaRefused');
    expect(condition(refused, 'Ready')?.message).toContain('spec.database of DatabaseConnection my-system: mysql');
    expect(await myShop.superQuery('SELECT 1 FROM mysql.user WHERE User = ?', [user])).toEqual([]);
    expect(await mysqlSystemGrants()).toEqual([]);
  });

  it('repairs on upgrade: a policy whose connection an earlier version let grant in mysql loses those privileges', async () => {
    await r.connection('my-legacy', {
      engine: 'mysql', host: myShop.host, port: myShop.port, database: myShop.database,
      adminSecretRef: { name: 'my-root' }, tls: { mode: 'verify-full', caSecretRef: { name: 'my-ca' } },
    });
    const user = u('my_legacy');
    await r.policy('my-legacy-policy', policy('my-legacy', { username: user, tables: [{ name: 'products' }], rotation: { strategy: 'in-place' } }));
    await r.waitReady('accesspolicies', 'my-legacy-policy');
    const secret = (await r.readSecret('my-legacy-policy-credentials'))!;
    // The grant and the switch back to back: a resync in between would revoke the grant as drift first.
    await myShop.superQuery("GRANT SELECT ON mysql.user TO ?@'%'", [user]);
    await storeUnvalidated(r, 'databaseconnections', 'my-legacy', {
      engine: 'mysql', host: myShop.host, port: myShop.port, database: 'mysql',
      adminSecretRef: { name: 'my-root' }, tls: { mode: 'verify-full', caSecretRef: { name: 'my-ca' } },
    });
    const refused = await eventually('the policy to be refused with what was revoked', async () => {
      const p = await r.get<AccessPolicy>('accesspolicies', 'my-legacy-policy');
      return condition(p, 'Ready')?.reason === 'SystemSchemaRefused' && p?.status?.lastDriftCorrection ? p : undefined;
    }, 60_000);
    expect(condition(refused, 'Ready')?.message).toContain('spec.database of DatabaseConnection my-legacy: mysql is a MySQL/MariaDB system database');
    // REVOKE ALL: the only revoke the recommended admin may run for a privilege outside its database.
    expect(refused.status?.lastDriftCorrection?.revoked).toEqual(['SELECT ON mysql.user', `SELECT ON ${myShop.database}.products`]);
    expect((await events('my-legacy-policy')).find((e) => e.reason === 'SystemPrivilegesRevoked')?.message).toContain('SELECT ON mysql.user');
    expect(await mysqlSystemGrants()).toEqual([]);
    const session = await mysql.createConnection({
      host: myShop.host, port: myShop.port, user: secret.username, password: secret.password, ssl: { ca: myShop.ca, rejectUnauthorized: true },
    });
    await expect(session.query('SELECT authentication_string FROM mysql.user')).rejects.toThrow(/denied/i);
    await session.end();
  });
});
