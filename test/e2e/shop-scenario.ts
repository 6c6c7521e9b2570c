/**
 * The shop scenario from the security guide, run against the real operator, API server and database for
 * one engine: least-privilege users made from AccessPolicies, credentials in Secrets, drift corrected,
 * policy changes converged, users dropped or retained on deletion, bad input reported in status.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { AccessPolicy, DatabaseConnection } from '@dbwarden/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCrds } from '../support/crds.js';
import { eventually, kubeConfig, uniqueName } from '../support/kube.js';
import { startOperator, type RunningOperator } from '../support/operator.js';
import { Resources } from '../support/resources.js';
import { connectWith, createShop, type EngineName, type ShopDatabase } from '../support/shop-db.js';

const run = promisify(execFile);

export function shopScenario(engine: EngineName): void {
  let kc: KubeConfig;
  let ns: string;
  let r: Resources;
  let db: ShopDatabase;
  let operator: RunningOperator;
  const seenPasswords = new Set<string>();
  const q = (name: string): string => (engine === 'postgres' ? `public.${name}` : name);

  /** Connects with a policy's Secret and runs sql; resolves with rows or rejects with the database's error. */
  async function as(secretName: string, sql: string): Promise<unknown[]> {
    const secret = await r.readSecret(secretName);
    if (!secret) throw new Error(`Secret ${secretName} not found`);
    seenPasswords.add(secret.password!);
    const conn = await connectWith(engine, secret);
    try {
      return await conn.query(sql);
    } finally {
      await conn.close();
    }
  }
  const denied = engine === 'postgres' ? /permission denied/ : /denied/i;

  beforeAll(async () => {
    kc = kubeConfig();
    ns = uniqueName(`e2e-${engine}`);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
    await applyCrds(kc);
    r = new Resources(kc, ns);
    db = await createShop(engine);
    await r.secret('db-admin', { username: db.admin.username, password: db.admin.password });
    await r.secret('db-ca', { 'ca.crt': db.ca });
    operator = await startOperator([ns]);
    await r.connection('shop', {
      engine, host: db.host, port: db.port, database: db.database,
      adminSecretRef: { name: 'db-admin' },
      tls: { mode: 'verify-full', caSecretRef: { name: 'db-ca' } },
    });
  }, 120_000);

  afterAll(async () => {
    const stopped = operator?.stop();
    await stopped;
    // No credential ever reaches the operator's logs.
    const logs = operator?.logs.join('\n') ?? '';
    for (const password of [...seenPasswords, db?.admin.password]) if (password) expect(logs).not.toContain(password);
    await db?.close();
    await kc?.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
  });

  describe(`${engine}: DatabaseConnection`, () => {
    it('connects over verified TLS with the least-privilege admin and reports version and posture', async () => {
      const conn = await r.waitReady<DatabaseConnection>('databaseconnections', 'shop');
      expect(conn.status?.serverVersion).toMatch(engine === 'postgres' ? /^PostgreSQL 15\./ : /^MariaDB 10\.11/);
      expect(conn.status?.tls).toMatchObject({ encrypted: true, verified: true });
      expect(conn.status?.posture?.checks?.find((c) => c.name === 'AdminNotSuperuser')?.passed).toBe(true);
      expect(conn.status?.posture?.summary).toMatch(/^\d+\/\d+$/);
    });

    it('says why when the admin Secret is missing, the password is wrong or the host is unreachable', async () => {
      const base = { engine, host: db.host, port: db.port, database: db.database, tls: { mode: 'verify-full' as const, caSecretRef: { name: 'db-ca' } } };
      await r.connection('no-secret', { ...base, adminSecretRef: { name: 'does-not-exist' } });
      await r.secret('wrong-admin', { username: db.admin.username, password: 'not-the-password' });
      await r.connection('wrong-password', { ...base, adminSecretRef: { name: 'wrong-admin' } });
      await r.connection('unreachable', { ...base, port: 1, adminSecretRef: { name: 'db-admin' } });
      const missing = await r.waitReady('databaseconnections', 'no-secret', 'False', 'AdminSecretNotFound');
      expect(missing.status?.conditions?.find((c) => c.type === 'Ready')?.message).toContain('does-not-exist');
      const wrong = await r.waitReady('databaseconnections', 'wrong-password', 'False', 'AuthenticationFailed');
      expect(JSON.stringify(wrong.status)).not.toContain('not-the-password');
      await r.waitReady('databaseconnections', 'unreachable', 'False', 'Unreachable');
    });
  });

  describe(`${engine}: AccessPolicy`, () => {
    it('recreates a deleted credentials Secret with a new password that works', async () => {
      await r.policy('recreate', { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }] });
      await r.waitReady('accesspolicies', 'recreate');
      const before = (await r.readSecret('recreate-credentials'))!;
      await r.core.deleteNamespacedSecret({ namespace: ns, name: 'recreate-credentials' });
      const after = await eventually('the Secret to come back', async () => {
        const s = await r.readSecret('recreate-credentials');
        return s?.password && s.password !== before.password ? s : undefined;
      }, 30_000);
      expect(after.username).toBe(before.username);
      await as('recreate-credentials', `SELECT * FROM ${q('products')} LIMIT 1`);
      const conn = await connectWith(engine, before).catch((err: Error) => err);
      expect(conn).toBeInstanceOf(Error);
    });

    it('read-only on products and orders: reads those, cannot read users or payments, cannot write', async () => {
      await r.policy('readonly', {
        connectionRef: { name: 'shop' }, access: 'read-only',
        tables: [{ name: 'products' }, { name: 'orders' }],
      });
      const policy = await r.waitReady<AccessPolicy>('accesspolicies', 'readonly');
      expect(policy.status?.grants?.tables?.sort()).toEqual(engine === 'postgres'
        ? ['public.orders', 'public.products'] : [`${db.database}.orders`, `${db.database}.products`]);
      const secret = (await r.readSecret('readonly-credentials'))!;
      expect(Object.keys(secret).sort()).toEqual(['ca.crt', 'database', 'engine', 'host', 'password', 'port', 'sslmode', 'uri', 'username']);
      expect(secret.password!.length).toBeGreaterThanOrEqual(32);
      expect(secret.username).toBe(policy.status?.activeUsername);
      expect(await as('readonly-credentials', `SELECT count(*) AS n FROM ${q('products')}`)).toHaveLength(1);
      await as('readonly-credentials', `SELECT id, total FROM ${q('orders')} LIMIT 1`);
      await expect(as('readonly-credentials', `SELECT * FROM ${q('users')}`)).rejects.toThrow(denied);
      await expect(as('readonly-credentials', `SELECT * FROM ${q('payments')}`)).rejects.toThrow(denied);
      await expect(as('readonly-credentials', `DELETE FROM ${q('orders')}`)).rejects.toThrow(denied);
    });

    it('read-write on orders only: writes orders, not products', async () => {
      await r.policy('writer', { connectionRef: { name: 'shop' }, access: 'read-write', tables: [{ name: 'orders' }] });
      await r.waitReady('accesspolicies', 'writer');
      await as('writer-credentials', `UPDATE ${q('orders')} SET status = 'shipped' WHERE id = 1`);
      await as('writer-credentials', `INSERT INTO ${q('orders')} (customer_id, total, status, created_at) VALUES (1, 9.99, 'paid', CURRENT_TIMESTAMP)`);
      await expect(as('writer-credentials', `UPDATE ${q('products')} SET stock = 0`)).rejects.toThrow(denied);
    });

    it('column-limited: sees only the listed columns (no emails)', async () => {
      await r.policy('no-emails', {
        connectionRef: { name: 'shop' },
        tables: [{ name: 'users', columns: ['id', 'full_name', 'created_at'] }],
      });
      await r.waitReady('accesspolicies', 'no-emails');
      expect(await as('no-emails-credentials', `SELECT id, full_name FROM ${q('users')} WHERE id = 1`)).toHaveLength(1);
      await expect(as('no-emails-credentials', `SELECT email FROM ${q('users')}`)).rejects.toThrow(denied);
      await expect(as('no-emails-credentials', `SELECT * FROM ${q('users')}`)).rejects.toThrow(denied);
    });

    it('revokes a manual extra GRANT and restores a manual REVOKE within one resync', async () => {
      await r.policy('drift', { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }] });
      const before = await r.waitReady<AccessPolicy>('accesspolicies', 'drift');
      const grantee = engine === 'postgres' ? `"${before.status!.username}"` : `'${before.status!.activeUsername}'@'%'`;
      await db.superQuery(`GRANT SELECT ON ${q('users')} TO ${grantee}`);
      await db.superQuery(`REVOKE SELECT ON ${q('products')} FROM ${grantee}`);
      // The two changes may land in one resync pass or in two; collect every correction reported.
      const revoked = new Set<string>();
      const granted = new Set<string>();
      await eventually('the drift to be corrected', async () => {
        const p = await r.get<AccessPolicy>('accesspolicies', 'drift');
        for (const x of p?.status?.lastDriftCorrection?.revoked ?? []) revoked.add(x);
        for (const x of p?.status?.lastDriftCorrection?.granted ?? []) granted.add(x);
        return [...revoked].some((x) => x.includes('users')) && [...granted].some((x) => x.includes('products'));
      }, 60_000);
      await expect(as('drift-credentials', `SELECT * FROM ${q('users')}`)).rejects.toThrow(denied);
      await as('drift-credentials', `SELECT * FROM ${q('products')} LIMIT 1`);
    });

    it('converges to exactly the new set when the policy changes', async () => {
      await r.policy('changing', { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }, { name: 'orders' }] });
      await r.waitReady('accesspolicies', 'changing');
      await r.patch('accesspolicies', 'changing', { spec: { access: 'read-write', tables: [{ name: 'payments' }] } });
      await r.waitReady('accesspolicies', 'changing');
      await as('changing-credentials', `UPDATE ${q('payments')} SET status = status WHERE id = 1`);
      await expect(as('changing-credentials', `SELECT * FROM ${q('orders')}`)).rejects.toThrow(denied);
      await expect(as('changing-credentials', `SELECT * FROM ${q('products')}`)).rejects.toThrow(denied);
    });

    it('credentials work with the engine\'s command-line client', async () => {
      await r.waitReady('accesspolicies', 'readonly');
      const secret = (await r.readSecret('readonly-credentials'))!;
      const dir = mkdtempSync(join(tmpdir(), 'dbw-ca-'));
      writeFileSync(join(dir, 'ca.crt'), secret['ca.crt']!);
      const { stdout } = engine === 'postgres'
        ? await run('psql', [secret.uri!, '-At', '-c', 'SELECT count(*) FROM public.products'], { env: { ...process.env, PGSSLROOTCERT: join(dir, 'ca.crt'), PGPASSWORD: '' } })
        : await run('mariadb', ['--no-defaults', '-h', secret.host!, '-P', secret.port!, '-u', secret.username!, `--password=${secret.password}`,
          `--ssl-ca=${join(dir, 'ca.crt')}`, '--ssl-verify-server-cert', '-N', '-e', `SELECT count(*) FROM ${secret.database}.products`]);
      expect(Number(stdout.trim())).toBeGreaterThan(0);
    });

    it('reports a table that does not exist, and changes nothing', async () => {
      await r.policy('missing-table', { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }, { name: 'invoices' }] });
      const p = await r.waitReady('accesspolicies', 'missing-table', 'False', 'TableNotFound');
      expect(p.status?.conditions?.find((c) => c.type === 'Ready')?.message).toContain('invoices');
    });

    it('refuses a user name taken by a user it did not create', async () => {
      const name = `taken_${Date.now().toString(36)}`;
      await db.superQuery(engine === 'postgres' ? `CREATE ROLE ${name}_a LOGIN` : `CREATE USER '${name}_a'@'%' IDENTIFIED BY 'x-Foreign-1'`);
      await r.policy('taken', { connectionRef: { name: 'shop' }, username: name, tables: [{ name: 'products' }] });
      const p = await r.waitReady('accesspolicies', 'taken', 'False', 'UsernameTaken');
      expect(p.status?.conditions?.find((c) => c.type === 'Ready')?.message).toContain(`${name}_a`);
      await r.delete('accesspolicies', 'taken');
      await r.gone('accesspolicies', 'taken');
      const still = await db.superQuery(engine === 'postgres' ? `SELECT 1 FROM pg_roles WHERE rolname = '${name}_a'` : `SELECT 1 FROM mysql.user WHERE user = '${name}_a'`);
      expect(still).toHaveLength(1);
    });

    it('drops the user on delete (Delete) and keeps it with its Secret (Retain)', async () => {
      await r.policy('doomed', { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }] });
      await r.policy('kept', { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }], deletionPolicy: 'Retain' });
      const doomed = await r.waitReady<AccessPolicy>('accesspolicies', 'doomed');
      await r.waitReady('accesspolicies', 'kept');
      await r.delete('accesspolicies', 'doomed');
      await r.delete('accesspolicies', 'kept');
      await r.gone('accesspolicies', 'doomed');
      await r.gone('accesspolicies', 'kept');
      const user = doomed.status!.activeUsername!;
      const exists = (u: string): Promise<unknown[]> =>
        db.superQuery(engine === 'postgres' ? 'SELECT 1 FROM pg_roles WHERE rolname = $1' : 'SELECT 1 FROM mysql.user WHERE user = ?', [u]);
      expect(await exists(user)).toHaveLength(0);
      await eventually('the dropped policy\'s Secret to be garbage-collected', async () => (await r.readSecret('doomed-credentials')) === undefined);
      await as('kept-credentials', `SELECT * FROM ${q('products')} LIMIT 1`);
    });
  });
}
