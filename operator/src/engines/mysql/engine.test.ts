/**
 * MysqlEngine against the real local MariaDB 10.11 (MySQL 8 branches are not reachable here). Most tests use a
 * least-privilege admin made the way mysql/engine.ts documents it; the state of the database is asserted with the
 * environment's full admin.
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createShopMysql } from '../../../../hack/shop/shop.js';
import { mariadbAdmin } from '../../../../test/support/databases.js';
import { required } from '../../../../test/support/env.js';
import { generatePassword } from '../../credentials/password.js';
import {
  EngineError,
  type ConnectionSettings,
  type EngineObserver,
  type GrantSpec,
  type PrincipalSpec,
  type SyncResult,
  type TableSpec,
  type TlsSettings,
} from '../engine.js';
import { MysqlEngine } from './engine.js';
import { AdminConnection, statement } from './connection.js';
import { mysqlTransport } from '@dbwarden/api/tls';

const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const database = `dbw_my_${suffix}`;
const otherDatabase = `dbw_myo_${suffix}`;
const role = `dbw_role_${suffix}`;
const leastAdmin = { username: `dbw_adm_${suffix}`, password: generatePassword() };

let root: Connection;
let engine: MysqlEngine;
const writes: string[] = [];
const observer: EngineObserver = { onWrite: (_engine, kind) => void writes.push(kind) };
const engines: MysqlEngine[] = [];
let userCount = 0;

const ca = (): string => readFileSync(required('MYSQL_SSL_CA'), 'utf8');
/** A CA that did not sign the database server's certificate. */
const wrongCa = (): string => readFileSync(join(required('KUBECONFIG'), '..', 'kube', 'pki', 'ca.crt'), 'utf8');

function settings(overrides: Partial<ConnectionSettings> = {}): ConnectionSettings {
  return {
    engine: 'mysql',
    host: required('MYSQL_HOST'),
    port: Number(required('MYSQL_PORT')),
    database,
    tls: { mode: 'verify-full', ca: ca() },
    admin: leastAdmin,
    ...overrides,
  };
}

function newEngine(overrides: Partial<ConnectionSettings> = {}, withObserver?: EngineObserver): MysqlEngine {
  const created = new MysqlEngine(settings(overrides), withObserver);
  engines.push(created);
  return created;
}

/** A login name unique to this run (the cleanup drops every account containing the suffix). */
function uniqueName(tag: string): string {
  return `u${++userCount}_${suffix}_${tag}`;
}

function principal(name: string, overrides: Partial<PrincipalSpec> = {}): PrincipalSpec {
  return { name, strategy: 'in-place', owner: 'shop/ai', requireTls: true, ...overrides };
}

function grants(access: GrantSpec['access'], tables: TableSpec[]): GrantSpec {
  return { access, schemas: [], tables };
}

/** Creates the principal's logins with fresh passwords and syncs its grants; returns the passwords. */
async function provision(spec: PrincipalSpec, grantSpec: GrantSpec): Promise<Record<string, string>> {
  const passwords = Object.fromEntries(engine.loginNames(spec).map((login) => [login, generatePassword()]));
  await engine.ensurePrincipal(spec, passwords);
  await engine.syncGrants(spec, grantSpec);
  return passwords;
}

/** A session as `user`, over verified TLS unless `tls` is false, in the shop database unless `inDatabase` is false. */
async function loginAs(user: string, password: string, { tls = true, inDatabase = true } = {}): Promise<Connection> {
  return mysql.createConnection({
    host: required('MYSQL_HOST'),
    port: Number(required('MYSQL_PORT')),
    user,
    password,
    ...(inDatabase ? { database } : {}),
    ...(tls ? { ssl: { ca: ca(), rejectUnauthorized: true } } : {}),
  });
}

/** 0 when the statement runs, else the server's error number. */
async function errnoOf(conn: Connection, sql: string): Promise<number> {
  try {
    await conn.query(sql);
    return 0;
  } catch (err) {
    const number = (err as { errno?: unknown }).errno;
    if (typeof number === 'number') return number;
    throw err;
  }
}

async function engineError(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof EngineError) return err;
    throw err;
  }
  throw new Error('expected an EngineError, got success');
}

async function showGrants(login: string): Promise<string[]> {
  const [rows] = await root.query<RowDataPacket[]>("SHOW GRANTS FOR ?@'%'", [login]);
  return rows.map((row) => String(Object.values(row)[0])).sort();
}

async function accountExists(login: string): Promise<boolean> {
  const [rows] = await root.query<RowDataPacket[]>('SELECT 1 FROM mysql.user WHERE User = ?', [login]);
  return rows.length > 0;
}

/** Counts the queries mysql2 sends while `run` runs (through its diagnostics channel). */
async function countQueries(run: () => Promise<unknown>): Promise<string[]> {
  const queries: string[] = [];
  const channel = tracingChannel<unknown, { query?: string }>('mysql2:query');
  const ignore = (): void => undefined;
  const handlers = {
    start: (context: { query?: string }) => void queries.push(context.query ?? ''),
    end: ignore, asyncStart: ignore, asyncEnd: ignore, error: ignore,
  };
  channel.subscribe(handlers);
  try {
    await run();
  } finally {
    channel.unsubscribe(handlers);
  }
  return queries;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

beforeAll(async () => {
  root = await mariadbAdmin();
  await root.query(`CREATE DATABASE ${mysql.escapeId(database)}`);
  await root.query(`USE ${mysql.escapeId(database)}`);
  await createShopMysql(root);
  await root.query(`CREATE DATABASE ${mysql.escapeId(otherDatabase)}`);
  await root.query(`CREATE TABLE ${mysql.escapeId(otherDatabase)}.notes (id int PRIMARY KEY, body text)`);
  await root.query(`CREATE ROLE ${mysql.escapeId(role)}`);
  // The least-privilege admin, exactly as mysql/engine.ts documents it.
  await root.query("CREATE USER ?@'%' IDENTIFIED BY ?", [leastAdmin.username, leastAdmin.password]);
  await root.query("GRANT CREATE USER, PROCESS, CONNECTION ADMIN ON *.* TO ?@'%'", [leastAdmin.username]);
  await root.query("GRANT SELECT ON mysql.* TO ?@'%'", [leastAdmin.username]);
  const literalDatabase = database.replace(/_/g, '\\_');
  await root.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${mysql.escapeId(literalDatabase)}.* TO ?@'%' WITH GRANT OPTION`, [
    leastAdmin.username,
  ]);
  engine = newEngine({}, observer);
});

afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
  if (!root) return;
  const [accounts] = await root.query<RowDataPacket[]>(
    "SELECT User, Host FROM mysql.user WHERE User LIKE ? AND Host <> ''",
    [`%${suffix}%`],
  );
  for (const account of accounts) await root.query('DROP USER IF EXISTS ?@?', [account.User, account.Host]);
  await root.query(`DROP ROLE IF EXISTS ${mysql.escapeId(role)}`);
  await root.query(`DROP DATABASE IF EXISTS ${mysql.escapeId(database)}`);
  await root.query(`DROP DATABASE IF EXISTS ${mysql.escapeId(otherDatabase)}`);
  await root.end();
});

beforeEach(() => {
  writes.length = 0;
});

describe('connecting', () => {
  it('verify-full with the right CA: reports MariaDB, verified TLS and a least-privilege admin', async () => {
    const facts = await engine.facts();
    expect(facts.product).toBe('MariaDB');
    expect(facts.serverVersion).toMatch(/^MariaDB 10\.11\.\d+$/);
    expect(facts.tls).toEqual({ encrypted: true, verified: true, protocol: expect.stringMatching(/^TLSv1\.[23]$/) as unknown });
    expect(facts.admin.superuser).toBe(false);
    expect(facts.admin.canCreateUsers).toBe(true);
    expect(facts.admin.message).toBe(`admin ${leastAdmin.username} has CREATE USER without SUPER or ALL PRIVILEGES`);
    expect(facts.dualPasswords).toBe(false);
    // The test server logs no connections; the message says how (the AccessLogged posture check).
    expect(facts.accessLog).toMatchObject({ connections: false, detail: expect.stringContaining('server_audit') as string });
    for (const f of facts.defaultPrivileges) expect(f).toEqual({ finding: expect.any(String) as string, fix: expect.any(String) as string });
  });

  it('reports an admin with ALL PRIVILEGES as a superuser and says what is enough', async () => {
    const full = newEngine({ admin: { username: required('MYSQL_USER'), password: required('MYSQL_PASSWORD') } });
    const facts = await full.facts();
    expect(facts.admin.superuser).toBe(true);
    expect(facts.admin.message).toMatch(/ALL PRIVILEGES on \*\.\*.*only CREATE USER, GRANT OPTION and the privileges it grants/);
  });

  it('verify-full checks the host name against serverName; verify-ca checks only the chain', async () => {
    const named = (tls: TlsSettings): MysqlEngine => newEngine({ tls });
    expect((await named({ mode: 'verify-full', ca: ca(), serverName: 'localhost' }).facts()).tls.verified).toBe(true);
    expect((await newEngine({ host: 'localhost' }).facts()).tls.verified).toBe(true);
    const wrongName = await engineError(named({ mode: 'verify-full', ca: ca(), serverName: 'db.example.invalid' }).facts());
    expect(wrongName.reason).toBe('TlsFailed');
    expect(wrongName.message).toMatch(/db\.example\.invalid/);
    expect((await named({ mode: 'verify-ca', ca: ca(), serverName: 'db.example.invalid' }).facts()).tls.verified).toBe(true);
  });

  it('verify-full checks an IP address against the certificate\'s IP names, never against localhost', async () => {
    // 127.0.0.2 reaches the same server, whose certificate names localhost and 127.0.0.1 but not 127.0.0.2.
    const relay = createServer((client) => {
      const upstream = connect(Number(required('MYSQL_PORT')), required('MYSQL_HOST'));
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.2', resolve));
    const port = (relay.address() as { port: number }).port;
    try {
      const other = await engineError(newEngine({ host: '127.0.0.2', port }).facts());
      expect(other.reason).toBe('TlsFailed');
      expect(other.message).toMatch(/127\.0\.0\.2/);
      expect((await newEngine({ host: '127.0.0.2', port, tls: { mode: 'verify-full', ca: ca(), serverName: '127.0.0.1' } }).facts()).tls.verified).toBe(true);
      expect((await newEngine({ host: '127.0.0.1' }).facts()).tls.verified).toBe(true);
      expect((await newEngine({ host: '127.0.0.2', port, tls: { mode: 'verify-ca', ca: ca() } }).facts()).tls.verified).toBe(true);
    } finally {
      relay.close();
    }
  });

  it('require encrypts without verifying; disable does not encrypt', async () => {
    const unverified = await newEngine({ tls: { mode: 'require' } }).facts();
    expect(unverified.tls).toMatchObject({ encrypted: true, verified: false });
    const disabled = await newEngine({ tls: { mode: 'disable' } }).facts();
    expect(disabled.tls).toEqual({ encrypted: false, verified: false });
  });

  it('a CA that did not sign the server certificate fails with TlsFailed', async () => {
    const error = await engineError(newEngine({ tls: { mode: 'verify-full', ca: wrongCa() } }).facts());
    expect(error.reason).toBe('TlsFailed');
    const verifyCa = await engineError(newEngine({ tls: { mode: 'verify-ca', ca: wrongCa() } }).facts());
    expect(verifyCa.reason).toBe('TlsFailed');
  });

  it('a wrong admin password fails with AuthenticationFailed and never shows the password', async () => {
    const password = generatePassword();
    const error = await engineError(newEngine({ admin: { username: leastAdmin.username, password } }).facts());
    expect(error.reason).toBe('AuthenticationFailed');
    expect(error.message).toContain(leastAdmin.username);
    expect(error.message).not.toContain(password);
  });

  it('a closed port fails with Unreachable', async () => {
    const error = await engineError(newEngine({ port: await freePort() }).facts());
    expect(error.reason).toBe('Unreachable');
  });

  it('a database that does not exist fails with DatabaseNotFound', async () => {
    const full = { username: required('MYSQL_USER'), password: required('MYSQL_PASSWORD') };
    const error = await engineError(newEngine({ database: `nope_${suffix}`, admin: full }).facts());
    expect(error.reason).toBe('DatabaseNotFound');
  });
});

describe('grants', () => {
  it('read-only on products and orders: the login reads them, nothing else, and cannot write', async () => {
    const spec = principal(uniqueName('ro'));
    const passwords = await provision(spec, grants('read-only', [{ name: 'products' }, { name: 'orders' }]));
    const conn = await loginAs(spec.name, passwords[spec.name] ?? '');
    try {
      expect(await errnoOf(conn, 'SELECT count(*) FROM products')).toBe(0);
      expect(await errnoOf(conn, 'SELECT count(*) FROM orders')).toBe(0);
      expect(await errnoOf(conn, 'SELECT count(*) FROM users')).toBe(1142);
      expect(await errnoOf(conn, 'SELECT count(*) FROM payments')).toBe(1142);
      expect(await errnoOf(conn, "INSERT INTO products VALUES (9999, 'x', 'toys', 1, 1)")).toBe(1142);
      expect(await errnoOf(conn, 'UPDATE orders SET status = status')).toBe(1142);
    } finally {
      await conn.end();
    }
    expect(await engine.readGrants(spec)).toEqual({
      tables: [`${database}.orders`, `${database}.products`],
      privileges: [`SELECT ON ${database}.orders`, `SELECT ON ${database}.products`],
    });
  });

  it('read-write on orders: the login reads and writes orders only', async () => {
    const spec = principal(uniqueName('rw'));
    const passwords = await provision(spec, grants('read-write', [{ name: 'orders' }]));
    const conn = await loginAs(spec.name, passwords[spec.name] ?? '');
    try {
      expect(await errnoOf(conn, "INSERT INTO orders (customer_id, total, status, created_at) VALUES (1, 5, 'paid', NOW())")).toBe(0);
      expect(await errnoOf(conn, "UPDATE orders SET status = 'shipped' WHERE id = LAST_INSERT_ID()")).toBe(0);
      expect(await errnoOf(conn, 'DELETE FROM orders WHERE id = LAST_INSERT_ID()')).toBe(0);
      expect(await errnoOf(conn, 'DELETE FROM payments WHERE id = 0')).toBe(1142);
    } finally {
      await conn.end();
    }
    expect((await engine.readGrants(spec)).privileges).toEqual(
      ['DELETE', 'INSERT', 'SELECT', 'UPDATE'].map((p) => `${p} ON ${database}.orders`),
    );
  });

  it('column-limited orders: the login reads the listed columns only', async () => {
    const spec = principal(uniqueName('col'));
    const passwords = await provision(spec, grants('read-only', [{ name: 'orders', columns: ['id', 'customer_id', 'status'] }]));
    const conn = await loginAs(spec.name, passwords[spec.name] ?? '');
    try {
      expect(await errnoOf(conn, 'SELECT id, customer_id, status FROM orders LIMIT 1')).toBe(0);
      expect(await errnoOf(conn, 'SELECT total FROM orders LIMIT 1')).toBe(1143);
      expect(await errnoOf(conn, 'SELECT * FROM orders LIMIT 1')).not.toBe(0);
    } finally {
      await conn.end();
    }
    expect(await engine.readGrants(spec)).toEqual({
      tables: [`${database}.orders`],
      privileges: [`SELECT ON ${database}.orders (customer_id, id, status)`],
    });
  });

  it('column-limited read-write: INSERT and UPDATE on the columns, DELETE on the table', async () => {
    const spec = principal(uniqueName('colrw'));
    const passwords = await provision(spec, grants('read-write', [{ name: 'orders', columns: ['id', 'status'] }]));
    const conn = await loginAs(spec.name, passwords[spec.name] ?? '');
    try {
      expect(await errnoOf(conn, "UPDATE orders SET status = 'paid' WHERE id = 1")).toBe(0);
      expect(await errnoOf(conn, 'UPDATE orders SET total = 1 WHERE id = 1')).toBe(1143);
      expect(await errnoOf(conn, 'DELETE FROM orders WHERE id = -1')).toBe(0);
    } finally {
      await conn.end();
    }
    expect((await engine.readGrants(spec)).privileges).toEqual([
      `DELETE ON ${database}.orders`,
      `INSERT ON ${database}.orders (id, status)`,
      `SELECT ON ${database}.orders (id, status)`,
      `UPDATE ON ${database}.orders (id, status)`,
    ]);
  });

  it('no tables listed: SELECT on the whole database, including tables created later', async () => {
    const spec = principal(uniqueName('db'));
    const passwords = await provision(spec, grants('read-only', []));
    await root.query(`CREATE TABLE ${mysql.escapeId(database)}.later (id int)`);
    const conn = await loginAs(spec.name, passwords[spec.name] ?? '');
    try {
      expect(await errnoOf(conn, 'SELECT count(*) FROM payments')).toBe(0);
      expect(await errnoOf(conn, 'SELECT count(*) FROM later')).toBe(0);
      expect(await errnoOf(conn, 'DELETE FROM later')).toBe(1142);
      expect(await errnoOf(conn, `SELECT count(*) FROM ${mysql.escapeId(otherDatabase)}.notes`)).toBe(1142);
    } finally {
      await conn.end();
      await root.query(`DROP TABLE ${mysql.escapeId(database)}.later`);
    }
    const report = await engine.readGrants(spec);
    expect(report.privileges).toEqual([`SELECT ON ${database}.*`]);
    expect(report.tables).toEqual(['orders', 'payments', 'products', 'users'].map((t) => `${database}.${t}`));
    // The underscores in the database name are escaped: the grant matches this database only.
    expect(await showGrants(spec.name)).toContain(`GRANT SELECT ON \`${database.replace(/_/g, '\\_')}\`.* TO \`${spec.name}\`@\`%\``);
  });

  it('REQUIRE SSL is enforced, MAX_USER_CONNECTIONS set, and both restored when they drift', async () => {
    const spec = principal(uniqueName('tls'), { connectionLimit: 2 });
    const password = generatePassword();
    expect(await engine.ensurePrincipal(spec, { [spec.name]: password })).toEqual([spec.name]);
    await expect(loginAs(spec.name, password, { tls: false, inDatabase: false })).rejects.toMatchObject({ errno: 1045 });
    expect(await newEngine({ tls: { mode: 'disable' } }).canLogin(spec.name, password)).toBe(false);
    expect(await engine.canLogin(spec.name, password)).toBe(true);
    const noDatabase = { inDatabase: false };
    const [open1, open2] = [await loginAs(spec.name, password, noDatabase), await loginAs(spec.name, password, noDatabase)];
    try {
      await expect(loginAs(spec.name, password, noDatabase)).rejects.toMatchObject({ errno: 1226 });
    } finally {
      await open1.end();
      await open2.end();
    }

    await root.query("ALTER USER ?@'%' REQUIRE NONE WITH MAX_USER_CONNECTIONS 0", [spec.name]);
    writes.length = 0;
    expect(await engine.ensurePrincipal(spec, { [spec.name]: password })).toEqual([]);
    expect(writes).toEqual(['ddl']);
    const [rows] = await root.query<RowDataPacket[]>(
      "SELECT ssl_type, max_user_connections FROM mysql.user WHERE User = ? AND Host = '%'",
      [spec.name],
    );
    expect(rows[0]).toMatchObject({ ssl_type: 'ANY', max_user_connections: 2 });
    writes.length = 0;
    await engine.ensurePrincipal(spec, { [spec.name]: password });
    expect(writes).toEqual([]);
  });

  it('drift inside the database is corrected one privilege at a time, and a second sync writes nothing', async () => {
    const spec = principal(uniqueName('drift'));
    const grantSpec = grants('read-only', [{ name: 'products' }, { name: 'orders' }]);
    await provision(spec, grantSpec);
    await root.query(`GRANT SELECT ON ${mysql.escapeId(database)}.users TO ?@'%'`, [spec.name]);
    await root.query(`REVOKE SELECT ON ${mysql.escapeId(database)}.orders FROM ?@'%'`, [spec.name]);
    writes.length = 0;
    const result = await engine.syncGrants(spec, grantSpec);
    expect(result.revoked).toEqual([`SELECT ON ${database}.users`]);
    expect(result.granted).toEqual([`SELECT ON ${database}.orders`]);
    expect(writes).toEqual(['revoke', 'grant']);
    expect(result.report.privileges).toEqual([`SELECT ON ${database}.orders`, `SELECT ON ${database}.products`]);
  });

  it('global privileges, other databases and roles are revoked; the spec is restored; a second sync writes nothing', async () => {
    const spec = principal(uniqueName('drift2'));
    const grantSpec = grants('read-only', [{ name: 'products' }, { name: 'orders' }]);
    await provision(spec, grantSpec);
    await root.query("GRANT FILE, PROCESS ON *.* TO ?@'%' WITH GRANT OPTION", [spec.name]);
    await root.query(`GRANT SELECT ON ${mysql.escapeId(otherDatabase)}.* TO ?@'%'`, [spec.name]);
    await root.query(`GRANT DROP ON ${mysql.escapeId(database.replace(/_/g, '\\_'))}.* TO ?@'%'`, [spec.name]);
    await root.query(`GRANT SELECT ON ${mysql.escapeId(database)}.payments TO ?@'%'`, [spec.name]);
    // Unescaped, the name of our own database is a pattern that also matches other databases.
    await root.query(`GRANT INSERT ON ${mysql.escapeId(database)}.* TO ?@'%'`, [spec.name]);
    await root.query(`GRANT ${mysql.escapeId(role)} TO ?@'%'`, [spec.name]);
    await root.query(`REVOKE SELECT ON ${mysql.escapeId(database)}.orders FROM ?@'%'`, [spec.name]);
    const audit = await engine.audit(spec.name);
    expect(audit.findings).toEqual(
      [
        `DROP ON ${database}.*`, 'GLOBAL FILE', 'GLOBAL GRANT OPTION', 'GLOBAL PROCESS', `ROLE ${role}`,
        // GRANT ... ON `dbw_myo_x`.* is a pattern: each _ matches any character.
        `SELECT ON ${otherDatabase}.* (wildcard)`, `INSERT ON ${database}.* (wildcard)`,
      ].sort(),
    );

    writes.length = 0;
    const result = await engine.syncGrants(spec, grantSpec);
    expect(result.revoked).toEqual(
      [
        `DROP ON ${database}.*`, 'GLOBAL FILE', 'GLOBAL GRANT OPTION', 'GLOBAL PROCESS', `ROLE ${role}`,
        `SELECT ON ${database}.payments`, `SELECT ON ${otherDatabase}.* (wildcard)`, `INSERT ON ${database}.* (wildcard)`,
      ].sort(),
    );
    expect(result.granted).toEqual([`SELECT ON ${database}.orders`]);
    expect(writes[0]).toBe('revoke');
    expect(writes.slice(1).every((kind) => kind === 'grant')).toBe(true);
    expect(result.report.privileges).toEqual([`SELECT ON ${database}.orders`, `SELECT ON ${database}.products`]);
    expect((await showGrants(spec.name)).join('\n')).not.toMatch(/FILE|PROCESS|DROP|INSERT|GRANT OPTION|dbw_myo_|dbw_role_|payments/);
    expect((await engine.audit(spec.name)).findings).toEqual([]);

    writes.length = 0;
    let again: SyncResult | undefined;
    const queries = await countQueries(async () => {
      again = await engine.syncGrants(spec, grantSpec);
    });
    expect(writes).toEqual([]);
    expect(again).toMatchObject({ granted: [], revoked: [] });
    expect(queries.length).toBeLessThanOrEqual(6);
    expect(queries.every((sql) => /^\s*(SELECT|SHOW)\b/i.test(sql))).toBe(true);
  });

  it('alternating: two logins with identical grants, each with its own password', async () => {
    const spec = principal(uniqueName('alt'), { strategy: 'alternating' });
    expect(engine.loginNames(spec)).toEqual([`${spec.name}_a`, `${spec.name}_b`]);
    const passwords = await provision(spec, grants('read-only', [{ name: 'orders', columns: ['id', 'total'] }, { name: 'products' }]));
    const normalise = (lines: string[], login: string): string[] => lines.map((line) => line.replace(login, 'LOGIN').replace(/PASSWORD '[^']*'/, ''));
    const [a, b] = engine.loginNames(spec) as [string, string];
    expect(normalise(await showGrants(b), b)).toEqual(normalise(await showGrants(a), a));
    expect(await showGrants(a)).toHaveLength(3);
    for (const login of [a, b]) {
      const conn = await loginAs(login, passwords[login] ?? '');
      try {
        expect(await errnoOf(conn, 'SELECT id, total FROM orders LIMIT 1')).toBe(0);
        expect(await errnoOf(conn, 'SELECT status FROM orders LIMIT 1')).toBe(1143);
      } finally {
        await conn.end();
      }
    }
    await root.query(`GRANT SELECT ON ${mysql.escapeId(database)}.users TO ?@'%'`, [b]);
    const result = await engine.syncGrants(spec, grants('read-only', [{ name: 'orders', columns: ['id', 'total'] }, { name: 'products' }]));
    expect(result.revoked).toEqual([`SELECT ON ${database}.users`]);
    expect(normalise(await showGrants(b), b)).toEqual(normalise(await showGrants(a), a));
    expect(await engine.ownership(spec, { [a]: [passwords[a] ?? ''], [b]: [passwords[b] ?? ''] })).toEqual({
      state: 'ours',
      foreign: [],
      existing: [a, b],
      ours: [a, b],
    });
  });

  it('a user the operator did not create is foreign: UsernameTaken and nothing changes', async () => {
    const spec = principal(uniqueName('foreign'));
    const theirPassword = generatePassword();
    await root.query("CREATE USER ?@'%' IDENTIFIED BY ?", [spec.name, theirPassword]);
    await root.query(`GRANT SELECT ON ${mysql.escapeId(database)}.users TO ?@'%'`, [spec.name]);
    const before = await showGrants(spec.name);
    const ourGuess = generatePassword();

    expect(await engine.ownership(spec, { [spec.name]: [ourGuess] })).toEqual({ state: 'foreign', foreign: [spec.name], existing: [spec.name], ours: [] });
    expect(await engine.ownership(spec, {})).toMatchObject({ state: 'foreign' });
    writes.length = 0;
    for (const attempt of [
      () => engine.ensurePrincipal(spec, { [spec.name]: ourGuess }),
      () => engine.syncGrants(spec, grants('read-only', [{ name: 'products' }]), { [spec.name]: [ourGuess] }),
      () => engine.drop(spec, { [spec.name]: [ourGuess] }),
    ]) {
      const error = await engineError(attempt());
      expect(error.reason).toBe('UsernameTaken');
      expect(error.message).not.toContain(ourGuess);
    }
    expect(writes).toEqual([]);
    expect(await showGrants(spec.name)).toEqual(before);
    expect(await engine.canLogin(spec.name, theirPassword)).toBe(true);
    expect(await engine.ownership(spec, { [spec.name]: [ourGuess, theirPassword] })).toMatchObject({ state: 'ours' });
  });

  it('an account of the same name on another host is foreign', async () => {
    const spec = principal(uniqueName('host'));
    await root.query("CREATE USER ?@'localhost' IDENTIFIED BY ?", [spec.name, generatePassword()]);
    expect(await engine.ownership(spec, {})).toEqual({ state: 'foreign', foreign: [`${spec.name}@localhost`], existing: [spec.name], ours: [] });
    expect((await engineError(engine.ensurePrincipal(spec, { [spec.name]: generatePassword() }))).reason).toBe('UsernameTaken');
    expect(await accountExists(spec.name)).toBe(true);
    const [rows] = await root.query<RowDataPacket[]>("SELECT 1 FROM mysql.user WHERE User = ? AND Host = '%'", [spec.name]);
    expect(rows).toHaveLength(0);
  });

  it('ownership proven by a login holds without another while the password hash is unchanged, and not after a change', async () => {
    const spec = principal(uniqueName('proof'));
    const password = generatePassword();
    await engine.ensurePrincipal(spec, { [spec.name]: password });
    expect(await engine.ownership(spec, { [spec.name]: [password] })).toMatchObject({ state: 'ours' });
    // A locked account refuses every login (the next ownership() would be foreign if it logged in), and
    // keeps its hash: the proof still holds, so no login was made.
    await root.query("ALTER USER ?@'%' ACCOUNT LOCK", [spec.name]);
    expect(await engine.canLogin(spec.name, password)).toBe(false);
    expect(await engine.ownership(spec, { [spec.name]: [password] })).toMatchObject({ state: 'ours' });
    // Someone else sets another password: the hash changes, the known password is tried again and fails.
    await root.query("ALTER USER ?@'%' ACCOUNT UNLOCK", [spec.name]);
    await root.query("ALTER USER ?@'%' IDENTIFIED BY ?", [spec.name, generatePassword()]);
    expect(await engine.ownership(spec, { [spec.name]: [password] })).toMatchObject({ state: 'foreign', foreign: [spec.name] });
    expect((await engineError(engine.syncGrants(spec, grants('read-only', [{ name: 'products' }]), { [spec.name]: [password] }))).reason).toBe('UsernameTaken');
  });

  it('ownership counts a login refused only for MAX_USER_CONNECTIONS as proven', async () => {
    const spec = principal(uniqueName('busy'), { connectionLimit: 1 });
    const password = generatePassword();
    await engine.ensurePrincipal(spec, { [spec.name]: password });
    const held = await loginAs(spec.name, password, { inDatabase: false });
    try {
      expect(await engine.ownership(spec, { [spec.name]: [password] })).toMatchObject({ state: 'ours' });
      expect(await engine.canLogin(spec.name, password)).toBe(true);
      expect(await engine.canLogin(spec.name, generatePassword())).toBe(false);
    } finally {
      await held.end();
    }
  });

  it('a table or column that does not exist fails before anything changes', async () => {
    const spec = principal(uniqueName('missing'));
    await provision(spec, grants('read-only', [{ name: 'products' }]));
    const before = await showGrants(spec.name);
    writes.length = 0;
    const table = await engineError(engine.syncGrants(spec, grants('read-write', [{ name: 'orders' }, { name: 'invoices' }])));
    expect(table.reason).toBe('TableNotFound');
    expect(table.retryable).toBe(true);
    expect(table.message).toContain(`invoices not found in database ${database}`);
    const column = await engineError(engine.syncGrants(spec, grants('read-only', [{ name: 'orders', columns: ['id', 'secret'] }])));
    expect(column.reason).toBe('ColumnNotFound');
    expect(column.message).toContain(`secret not found in ${database}.orders`);
    const wrongCase = await engineError(engine.syncGrants(spec, grants('read-only', [{ name: 'Orders' }])));
    expect(wrongCase.reason).toBe('TableNotFound');
    expect(writes).toEqual([]);
    expect(await showGrants(spec.name)).toEqual(before);
  });

  it('hostile identifiers are rejected with InvalidIdentifier before any query', async () => {
    const hostile = ["ai'@'%'; DROP USER admin; --", 'ai`x', 'Robert', 'a'.repeat(40)];
    for (const name of hostile) {
      const error = await engineError(engine.ensurePrincipal(principal(name), { [name]: generatePassword() }));
      expect(error.reason).toBe('InvalidIdentifier');
      expect(error.retryable).toBe(false);
    }
    const spec = principal(uniqueName('ident'));
    const queries = await countQueries(async () => {
      for (const table of [{ name: 'orders`; DROP TABLE users; --' }, { name: 'orders', columns: ['id) ON *.* TO x; --'] }]) {
        expect((await engineError(engine.syncGrants(spec, grants('read-only', [table])))).reason).toBe('InvalidIdentifier');
      }
      expect((await engineError(engine.setPassword("x' OR '1", generatePassword()))).reason).toBe('InvalidIdentifier');
      expect((await engineError(engine.terminateSessions('x; KILL 1'))).reason).toBe('InvalidIdentifier');
    });
    expect(queries).toEqual([]);
    expect(() => engine.loginNames(principal('a'.repeat(31), { strategy: 'alternating' }))).toThrow(EngineError);
    expect(writes).toEqual([]);
  });
});

/** What `login` holds in the system databases, from the grant tables themselves. */
async function systemGrants(login: string): Promise<string[]> {
  const [rows] = await root.query<RowDataPacket[]>(
    `SELECT CONCAT('db ', Db) AS what FROM mysql.db WHERE User = ? AND Host = '%'
     UNION ALL SELECT CONCAT('table ', Db, '.', Table_name) FROM mysql.tables_priv WHERE User = ? AND Host = '%'
     UNION ALL SELECT CONCAT('column ', Db, '.', Table_name, '.', Column_name) FROM mysql.columns_priv WHERE User = ? AND Host = '%'`,
    [login, login, login],
  );
  return rows.map((row) => String(row.what)).filter((what) => /^(db|table|column) ((mysql|sys|performance_schema|information_schema)\b|m%)/i.test(what)).sort();
}

describe('system databases and reserved names', () => {
  it.each(['mysql', 'sys', 'performance_schema', 'information_schema'])(
    'a connection to the system database %s is SystemSchemaRefused, even with a root admin, and changes nothing',
    async (systemDatabase) => {
      const counted: string[] = [];
      const rootEngine = newEngine({ database: systemDatabase, admin: { username: required('MYSQL_USER'), password: required('MYSQL_PASSWORD') } },
        { onWrite: (_engine, kind) => void counted.push(kind) });
      const spec = principal(uniqueName('sysdb'));
      await rootEngine.ensurePrincipal(spec, { [spec.name]: generatePassword() });
      counted.length = 0;
      const err = await engineError(rootEngine.syncGrants(spec, grants('read-only', [{ name: 'user' }])));
      expect(err.reason).toBe('SystemSchemaRefused');
      expect(err.retryable).toBe(false);
      expect(err.message).toContain('system database');
      expect(counted).toEqual([]);
      expect(await systemGrants(spec.name)).toEqual([]);
    },
  );

  // Alternating logins (root_a, root_b) are not reserved by themselves: the controller refuses the base name (test/e2e).
  it.each(['root', 'mysql', 'the provisioning account'])('refuses %s with ReservedUsername before anything is written', async (name) => {
    const counted: string[] = [];
    const counting = newEngine({}, { onWrite: (_engine, kind) => void counted.push(kind) });
    const spec = principal(name === 'the provisioning account' ? leastAdmin.username : name);
    const [before] = await root.query<RowDataPacket[]>('SELECT User, Host, authentication_string FROM mysql.user WHERE User = ?', [spec.name]);
    for (const attempt of [
      () => counting.ensurePrincipal(spec, { [spec.name]: generatePassword() }),
      () => counting.syncGrants(spec, grants('read-only', [{ name: 'products' }])),
      () => counting.setPassword(spec.name, generatePassword()),
    ]) {
      const err = await engineError(attempt());
      expect(err.reason).toBe('ReservedUsername');
      expect(err.retryable).toBe(false);
    }
    expect(counted).toEqual([]);
    const [after] = await root.query<RowDataPacket[]>('SELECT User, Host, authentication_string FROM mysql.user WHERE User = ?', [spec.name]);
    expect(after).toEqual(before);
  });

  it('repairs what an earlier version granted in system databases (wildcards matching one included), and touches only ours', async () => {
    const spec = principal(uniqueName('repair'));
    const passwords = await provision(spec, grants('read-only', [{ name: 'products' }]));
    await root.query("GRANT SELECT ON mysql.user TO ?@'%'", [spec.name]);
    await root.query("GRANT SELECT (User, Priv) ON mysql.global_priv TO ?@'%'", [spec.name]);
    await root.query("GRANT SELECT ON sys.* TO ?@'%'", [spec.name]);
    await root.query("GRANT SELECT ON performance_schema.* TO ?@'%'", [spec.name]);
    await root.query("GRANT SELECT ON `m%`.* TO ?@'%'", [spec.name]);
    const granted = await systemGrants(spec.name);
    expect(granted).toEqual(expect.arrayContaining(['db m%', 'db performance_schema', 'db sys', 'table mysql.user', 'column mysql.global_priv.Priv']));
    const session = await loginAs(spec.name, passwords[spec.name] ?? '');
    expect(await errnoOf(session, 'SELECT authentication_string FROM mysql.user LIMIT 1')).toBe(0);
    await session.end();

    // Without a password that proves the login ours, nothing is touched.
    expect(await engine.revokeSystemPrivileges(spec, {})).toEqual([]);
    expect(await systemGrants(spec.name)).toEqual(granted);

    const revoked = await engine.revokeSystemPrivileges(spec, { [spec.name]: [passwords[spec.name] ?? ''] });
    expect(revoked).toEqual(expect.arrayContaining([
      'SELECT ON mysql.user', 'SELECT ON sys.*', 'SELECT ON performance_schema.* (wildcard)', 'SELECT ON m%.* (wildcard)',
      'SELECT ON mysql.global_priv (Priv, User)',
    ]));
    expect(await systemGrants(spec.name)).toEqual([]);
    const after = await loginAs(spec.name, passwords[spec.name] ?? '', { inDatabase: false });
    expect(await errnoOf(after, 'SELECT authentication_string FROM mysql.user LIMIT 1')).not.toBe(0);
    await after.end();
    expect(await engine.revokeSystemPrivileges(spec, { [spec.name]: [passwords[spec.name] ?? ''] })).toEqual([]);
  });

  it('the audit names privileges in system databases, and a sync revokes them', async () => {
    const spec = principal(uniqueName('sysaudit'));
    const grantSpec = grants('read-only', [{ name: 'products' }]);
    await provision(spec, grantSpec);
    await root.query("GRANT SELECT ON mysql.user TO ?@'%'", [spec.name]);
    expect((await engine.audit(spec.name)).findings).toEqual(['SELECT ON mysql.user']);
    expect((await engine.syncGrants(spec, grantSpec)).revoked).toEqual(['SELECT ON mysql.user']);
    expect(await systemGrants(spec.name)).toEqual([]);
    expect((await engine.audit(spec.name)).findings).toEqual([]);
  });
});

describe('passwords, sessions and drop', () => {
  it('setPassword changes the password; retainCurrent is Unsupported on MariaDB; discardOldPassword is a no-op', async () => {
    const spec = principal(uniqueName('pw'));
    const [first, second] = [generatePassword(), generatePassword()];
    await engine.ensurePrincipal(spec, { [spec.name]: first });
    writes.length = 0;
    await engine.setPassword(spec.name, second);
    expect(writes).toEqual(['password']);
    expect(await engine.canLogin(spec.name, second)).toBe(true);
    expect(await engine.canLogin(spec.name, first)).toBe(false);

    const unsupported = await engineError(engine.setPassword(spec.name, first, { retainCurrent: true }));
    expect(unsupported.reason).toBe('Unsupported');
    expect(unsupported.message).not.toContain(first);
    expect(await engine.canLogin(spec.name, second)).toBe(true);
    writes.length = 0;
    await engine.discardOldPassword(spec.name);
    expect(writes).toEqual([]);

    const absent = uniqueName('nobody');
    const error = await engineError(engine.setPassword(absent, first));
    expect(error.message).toContain(absent);
    expect(error.message).not.toContain(first);
  });

  it('terminateSessions ends every session of the login and counts them', async () => {
    const spec = principal(uniqueName('sess'));
    const password = generatePassword();
    await engine.ensurePrincipal(spec, { [spec.name]: password });
    const sessions = [await loginAs(spec.name, password, { inDatabase: false }), await loginAs(spec.name, password, { inDatabase: false })];
    // mysql2 reports a connection the server ended as an 'error' event.
    const errors = sessions.map((conn) => new Promise((resolve) => conn.on('error', resolve)));
    expect(await engine.terminateSessions(spec.name)).toBe(2);
    await Promise.all(errors);
    for (const conn of sessions) await expect(conn.query('SELECT 1')).rejects.toThrow();
    expect(await engine.terminateSessions(spec.name)).toBe(0);
  });

  it('a session that ends before its KILL is not counted and is no error', async () => {
    const admin = new AdminConnection(settings(), () => mysqlTransport(settings().tls, settings().host, settings().port), observer);
    try {
      expect(await admin.write(statement('session', 'KILL CONNECTION ?', [2 ** 31 - 1]), [1094])).toBe(false);
      expect(writes).toEqual([]);
    } finally {
      await admin.close();
    }
  });

  it('drop revokes, removes both logins, ends their sessions, and is idempotent', async () => {
    const spec = principal(uniqueName('drop'), { strategy: 'alternating' });
    const passwords = await provision(spec, grants('read-only', [{ name: 'products' }]));
    const [a, b] = engine.loginNames(spec) as [string, string];
    const session = await loginAs(a, passwords[a] ?? '');
    const ended = new Promise((resolve) => session.on('error', resolve));
    await engine.drop(spec, { [a]: [passwords[a] ?? ''], [b]: [passwords[b] ?? ''] });
    await ended;
    expect(await accountExists(a)).toBe(false);
    expect(await accountExists(b)).toBe(false);
    expect(await engine.ownership(spec, {})).toEqual({ state: 'absent', foreign: [], existing: [], ours: [] });
    writes.length = 0;
    await engine.drop(spec);
    expect(writes).toEqual([]);
    expect(await engine.audit(a)).toEqual({ login: a, exists: false, findings: [] });
  });
});
