/**
 * The PostgreSQL engine against the real local PostgreSQL: a fresh database with the shop schema, tables owned
 * by their own role, and a CREATEROLE-only admin that is a member of that owner (the recommended setup).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createShopPostgres } from '../../../../hack/shop/shop.js';
import { postgresAdmin } from '../../../../test/support/databases.js';
import { required } from '../../../../test/support/env.js';
import { generatePassword } from '../../credentials/password.js';
import { EngineError, type ConnectionSettings, type EngineObserver, type GrantSpec, type PrincipalSpec } from '../engine.js';
import { planOnce, PostgresEngine } from './engine.js';
import { scramSha256Verifier } from './scram.js';

const suffix = randomBytes(4).toString('hex');
const database = `dbw_pg_${suffix}`;
const otherDatabase = `dbw_pg_other_${suffix}`;
const tableOwner = `dbw_owner_${suffix}`;
const admin = `dbw_admin_${suffix}`;
const adminPassword = generatePassword();
/** Every principal of this file starts with it, so the cleanup finds them. */
const prefix = `t${suffix}_`;

const ca = (): string => readFileSync(required('PGSSLROOTCERT'), 'utf8');
/** A CA that did not sign the server certificate. */
const wrongCa = (): string => readFileSync(join(dirname(required('KUBECONFIG')), 'kube', 'pki', 'ca.crt'), 'utf8');

function settings(overrides: Partial<ConnectionSettings> = {}): ConnectionSettings {
  return {
    engine: 'postgres',
    host: required('PGHOST'),
    port: Number(required('PGPORT')),
    database,
    tls: { mode: 'verify-full', ca: ca() },
    admin: { username: admin, password: adminPassword },
    ...overrides,
  };
}

/** Counts the changing statements an engine runs, by kind. */
class WriteCounter implements EngineObserver {
  readonly kinds: string[] = [];
  onWrite(_engine: string, kind: string): void {
    this.kinds.push(kind);
  }
  get count(): number {
    return this.kinds.length;
  }
}

const engines: PostgresEngine[] = [];
function newEngine(overrides: Partial<ConnectionSettings> = {}, observer?: EngineObserver): PostgresEngine {
  const engine = new PostgresEngine(settings(overrides), observer);
  engines.push(engine);
  return engine;
}

function principal(name: string, extra: Partial<PrincipalSpec> = {}): PrincipalSpec {
  return { name: `${prefix}${name}`, strategy: 'in-place', owner: `tests/${name}`, requireTls: true, ...extra };
}

const readOnly = (tables: GrantSpec['tables'] = []): GrantSpec => ({ access: 'read-only', schemas: ['public'], tables });
const readWrite = (tables: GrantSpec['tables'] = []): GrantSpec => ({ access: 'read-write', schemas: ['public'], tables });

/** Creates the principal's roles (with fresh passwords) and syncs its grants. */
async function provision(engine: PostgresEngine, spec: PrincipalSpec, grants: GrantSpec): Promise<Record<string, string>> {
  const passwords = Object.fromEntries(engine.loginNames(spec).map((login) => [login, generatePassword()]));
  await engine.ensurePrincipal(spec, passwords);
  await engine.syncGrants(spec, grants);
  return passwords;
}

let superuser: pg.Client;

async function connectAs(user: string, password: string, db = database): Promise<pg.Client> {
  const client = new pg.Client({
    host: required('PGHOST'),
    port: Number(required('PGPORT')),
    user,
    password,
    database: db,
    ssl: { ca: ca(), rejectUnauthorized: true },
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function asLogin<T>(user: string, password: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectAs(user, password);
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** True when the statement runs, false when PostgreSQL refuses it for lack of privileges. */
async function allowed(client: pg.Client, sql: string): Promise<boolean> {
  try {
    await client.query(sql);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === '42501') return false;
    throw err;
  }
}

async function engineError(promise: Promise<unknown>): Promise<EngineError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EngineError);
  return err as EngineError;
}

async function roleRow(name: string): Promise<{ rolcanlogin: boolean; rolconnlimit: number; rolcreatedb: boolean; comment: string | null } | undefined> {
  const { rows } = await superuser.query<{ rolcanlogin: boolean; rolconnlimit: number; rolcreatedb: boolean; comment: string | null }>(
    `SELECT rolcanlogin, rolconnlimit, rolcreatedb, shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = $1`,
    [name],
  );
  return rows[0];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

beforeAll(async () => {
  const root = postgresAdmin();
  await root.connect();
  try {
    await root.query(`CREATE ROLE ${tableOwner} NOLOGIN`);
    await root.query(`CREATE ROLE ${admin} LOGIN CREATEROLE PASSWORD '${await scramSha256Verifier(adminPassword)}'`);
    await root.query(`GRANT ${tableOwner} TO ${admin}`);
    await root.query(`CREATE DATABASE ${database} OWNER ${tableOwner}`);
    await root.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${database} FROM PUBLIC`);
    await root.query(`CREATE DATABASE ${otherDatabase}`);
  } finally {
    await root.end();
  }
  superuser = postgresAdmin(undefined, database);
  await superuser.connect();
  await superuser.query(`SET ROLE ${tableOwner}`);
  await createShopPostgres(superuser, { products: 20, users: 20, orders: 40 });
  await superuser.query('RESET ROLE');
});

afterAll(async () => {
  await Promise.all(engines.map((engine) => engine.close()));
  await superuser?.end();
  const root = postgresAdmin();
  await root.connect();
  try {
    await root.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await root.query(`DROP DATABASE IF EXISTS ${otherDatabase} WITH (FORCE)`);
    const { rows } = await root.query<{ rolname: string }>(
      `SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY rolname DESC`,
      [prefix],
    );
    for (const { rolname } of rows) await root.query(`DROP ROLE ${pg.escapeIdentifier(rolname)}`);
    await root.query(`DROP ROLE IF EXISTS ${admin}`);
    await root.query(`DROP ROLE IF EXISTS ${tableOwner}`);
  } finally {
    await root.end();
  }
});

describe('connection and facts', () => {
  it('reports version, verified TLS and a CREATEROLE admin over verify-full', async () => {
    const facts = await newEngine().facts();
    expect(facts.product).toBe('PostgreSQL');
    expect(facts.serverVersion).toMatch(/^PostgreSQL 15\.\d+$/);
    expect(facts.tls).toMatchObject({ encrypted: true, verified: true });
    expect(facts.tls.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(facts.admin).toMatchObject({ superuser: false, canCreateUsers: true });
    expect(facts.dualPasswords).toBe(false);
    // (test/e2e/network-posture.test.ts finds PostgreSQL's default TEMP for PUBLIC, and passes once it is revoked.)
    for (const f of facts.defaultPrivileges) expect(f.fix).toMatch(/^REVOKE /);
    expect(facts.accessLog.detail).toMatch(/log_connections/);
  });

  it('says a superuser admin is more than provisioning needs', async () => {
    const facts = await newEngine({ admin: { username: required('PGUSER'), password: required('PGPASSWORD') } }).facts();
    expect(facts.admin.superuser).toBe(true);
    expect(facts.admin.canCreateUsers).toBe(true);
    expect(facts.admin.message).toMatch(/superuser.*CREATEROLE/);
  });

  it('encrypts without verifying in require mode, and does not encrypt in disable mode', async () => {
    expect((await newEngine({ tls: { mode: 'require' } }).facts()).tls).toMatchObject({ encrypted: true, verified: false });
    const plain = await newEngine({ tls: { mode: 'disable' } }).facts();
    expect(plain.tls).toEqual({ encrypted: false, verified: false });
  });

  it('checks the chain but not the name in verify-ca, and both in verify-full', async () => {
    const otherName = { ca: ca(), serverName: 'db.example.com' };
    expect((await newEngine({ tls: { mode: 'verify-ca', ...otherName } }).facts()).tls.verified).toBe(true);
    const err = await engineError(newEngine({ tls: { mode: 'verify-full', ...otherName } }).facts());
    expect(err.reason).toBe('TlsFailed');
    expect(err.message).toMatch(/db\.example\.com/);
  });

  it('fails with TlsFailed against the wrong CA', async () => {
    const err = await engineError(newEngine({ tls: { mode: 'verify-full', ca: wrongCa() } }).facts());
    expect(err.reason).toBe('TlsFailed');
  });

  it('fails with AuthenticationFailed on a wrong password, without showing it', async () => {
    const password = generatePassword();
    const err = await engineError(newEngine({ admin: { username: admin, password } }).facts());
    expect(err.reason).toBe('AuthenticationFailed');
    expect(err.message).not.toContain(password);
  });

  it('fails with Unreachable on a closed port and DatabaseNotFound on a missing database', async () => {
    const port = await freePort();
    expect((await engineError(newEngine({ port }).facts())).reason).toBe('Unreachable');
    expect((await engineError(newEngine({ database: `${database}_missing` }).facts())).reason).toBe('DatabaseNotFound');
  });
});

describe('admin connections', () => {
  it('keep one generic plan per named statement from their first query on (the catalog reads are not planned on every pass)', async () => {
    const pool = new pg.Pool({
      host: required('PGHOST'), port: Number(required('PGPORT')), user: required('PGUSER'), password: required('PGPASSWORD'),
      database, ssl: { ca: ca(), rejectUnauthorized: true }, max: 2,
      // eslint-disable-next-line @typescript-eslint/no-misused-promises -- pg-pool awaits it (see PostgresEngine)
      onConnect: planOnce,
    });
    try {
      const modes = await Promise.all([1, 2, 3, 4].map(() => pool.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')));
      expect(modes.map((r) => r.rows[0]?.plan_cache_mode)).toEqual(Array(4).fill('force_generic_plan'));
    } finally {
      await pool.end();
    }
  });
});

describe('passwords', () => {
  it('computes the same SCRAM-SHA-256 verifier as PostgreSQL for the same salt', async () => {
    const role = `${prefix}scram`;
    const password = generatePassword();
    await superuser.query(`SET password_encryption = 'scram-sha-256'`);
    await superuser.query(`CREATE ROLE ${role} PASSWORD ${pg.escapeLiteral(password)}`);
    const { rows } = await superuser.query<{ verifier: string }>(`SELECT rolpassword AS verifier FROM pg_authid WHERE rolname = $1`, [role]);
    const serverVerifier = rows[0]?.verifier ?? '';
    const salt = Buffer.from(/^SCRAM-SHA-256\$4096:([^$]+)\$/.exec(serverVerifier)?.[1] ?? '', 'base64');
    expect(salt.length).toBe(16);
    expect(await scramSha256Verifier(password, salt)).toBe(serverVerifier);
    await superuser.query(`DROP ROLE ${role}`);
  });

  it('sets passwords the login can use, and checks them with a real login', async () => {
    const engine = newEngine();
    const spec = principal('pw');
    const [login] = engine.loginNames(spec);
    const first = generatePassword();
    await engine.ensurePrincipal(spec, { [spec.name]: first });
    expect(await engine.canLogin(spec.name, first)).toBe(true);
    const second = generatePassword();
    await engine.setPassword(spec.name, second);
    expect(await engine.canLogin(spec.name, first)).toBe(false);
    expect(await engine.canLogin(spec.name, second)).toBe(true);
    expect(await engine.canLogin(`${prefix}nobody`, second)).toBe(false);
    expect(login).toBe(spec.name);
    expect((await engineError(engine.setPassword(spec.name, second, { retainCurrent: true }))).reason).toBe('Unsupported');
    await engine.discardOldPassword(spec.name);
    expect(await engine.canLogin(spec.name, second)).toBe(true);
  });

  it('counts a login refused for its connection limit as a password that works', async () => {
    const engine = newEngine();
    const spec = principal('limited', { connectionLimit: 1 });
    const passwords = await provision(engine, spec, readOnly([{ name: 'products' }]));
    const password = passwords[spec.name] ?? '';
    expect((await roleRow(spec.name))?.rolconnlimit).toBe(1);
    await asLogin(spec.name, password, async () => {
      expect(await engine.canLogin(spec.name, password)).toBe(true);
      await expect(connectAs(spec.name, password)).rejects.toThrow(/too many connections/);
    });
  });

  it('ends the sessions of a login', async () => {
    const engine = newEngine();
    const spec = principal('sessions');
    const passwords = await provision(engine, spec, readOnly([{ name: 'products' }]));
    const sessions = await Promise.all([connectAs(spec.name, passwords[spec.name] ?? ''), connectAs(spec.name, passwords[spec.name] ?? '')]);
    expect(await engine.terminateSessions(spec.name)).toBe(2);
    for (const session of sessions) await expect(session.query('SELECT 1')).rejects.toThrow();
    expect(await engine.terminateSessions(spec.name)).toBe(0);
    expect(await engine.terminateSessions(`${prefix}absent`)).toBe(0);
  });
});

describe('grants', () => {
  it('read-only on products and orders: SELECT on those, nothing else', async () => {
    const engine = newEngine();
    const spec = principal('ro');
    const passwords = Object.fromEntries(engine.loginNames(spec).map((l) => [l, generatePassword()]));
    expect(await engine.ensurePrincipal(spec, passwords)).toEqual([spec.name]);
    const result = await engine.syncGrants(spec, readOnly([{ name: 'products' }, { schema: 'public', name: 'orders' }]));
    expect(result.revoked).toEqual([]);
    expect(result.granted).toEqual([
      `CONNECT ON DATABASE ${database}`,
      'SELECT ON public.orders',
      'SELECT ON public.products',
      'USAGE ON SCHEMA public',
    ]);
    expect(result.report).toEqual({ tables: ['public.orders', 'public.products'], privileges: result.granted });
    expect(await engine.readGrants(spec)).toEqual(result.report);
    await asLogin(spec.name, passwords[spec.name] ?? '', async (client) => {
      expect(await allowed(client, 'SELECT * FROM products LIMIT 1')).toBe(true);
      expect(await allowed(client, 'SELECT * FROM orders LIMIT 1')).toBe(true);
      expect(await allowed(client, 'SELECT * FROM users LIMIT 1')).toBe(false);
      expect(await allowed(client, 'SELECT * FROM payments LIMIT 1')).toBe(false);
      expect(await allowed(client, `INSERT INTO products VALUES (9999, 'x', 'toys', 1, 1)`)).toBe(false);
    });
    const role = await roleRow(spec.name);
    expect(role).toMatchObject({ rolcanlogin: true, rolconnlimit: -1, comment: 'managed by dbwarden: accesspolicy tests/ro' });
  });

  it('grants for many principals at once on the same database and tables, without "tuple concurrently updated"', async () => {
    // The operator reconciles policies of one connection concurrently: each GRANT rewrites the same ACL rows.
    const specs = Array.from({ length: 12 }, (_, i) => principal(`many${i}`));
    const engine = newEngine({}, undefined);
    const results = await Promise.all(specs.map((spec) => provision(engine, spec, readOnly([{ name: 'products' }, { name: 'orders' }]))
      .then(() => engine.readGrants(spec))));
    for (const report of results) expect(report.tables).toEqual(['public.orders', 'public.products']);
  });

  it('drops many principals at once, without "tuple concurrently updated" (DROP OWNED takes the grants\' lock)', async () => {
    // Deleting many policies at once: each DROP OWNED rewrites the ACLs of the same database, schema and tables.
    const specs = Array.from({ length: 16 }, (_, i) => principal(`gone${i}`));
    const engine = newEngine({}, undefined);
    await Promise.all(specs.map((spec) => provision(engine, spec, readWrite([{ name: 'products' }, { name: 'orders' }]))));
    await Promise.all(specs.map((spec) => engine.drop(spec)));
    const { rows } = await superuser.query<{ n: string }>('SELECT count(*) AS n FROM pg_roles WHERE rolname = ANY($1::text[])', [specs.map((s) => s.name)]);
    expect(Number(rows[0]!.n)).toBe(0);
  });

  it('read-write on orders: insert (with its sequence), update and delete, and no other table', async () => {
    const engine = newEngine();
    const spec = principal('rw');
    const passwords = await provision(engine, spec, readWrite([{ name: 'orders' }]));
    const report = await engine.readGrants(spec);
    expect(report.privileges).toEqual([
      `CONNECT ON DATABASE ${database}`,
      'DELETE ON public.orders',
      'INSERT ON public.orders',
      'SELECT ON SEQUENCE public.orders_id_seq',
      'SELECT ON public.orders',
      'UPDATE ON public.orders',
      'USAGE ON SCHEMA public',
      'USAGE ON SEQUENCE public.orders_id_seq',
    ]);
    await asLogin(spec.name, passwords[spec.name] ?? '', async (client) => {
      const { rows } = await client.query<{ id: number }>(
        `INSERT INTO orders (customer_id, total, status, created_at) VALUES (1, 10, 'paid', now()) RETURNING id`,
      );
      const id = rows[0]?.id;
      await client.query(`UPDATE orders SET status = 'shipped' WHERE id = $1`, [id]);
      await client.query(`DELETE FROM orders WHERE id = $1`, [id]);
      expect(await allowed(client, 'SELECT * FROM users LIMIT 1')).toBe(false);
      expect(await allowed(client, `UPDATE products SET stock = 0 WHERE id = 1`)).toBe(false);
    });
  });

  it('column-limited orders: the listed columns only, and switching to and from table level converges', async () => {
    const engine = newEngine();
    const spec = principal('cols');
    const columns = readOnly([{ name: 'orders', columns: ['id', 'customer_id', 'total'] }]);
    const passwords = await provision(engine, spec, columns);
    expect((await engine.readGrants(spec)).privileges).toContain('SELECT ON public.orders (customer_id, id, total)');
    await asLogin(spec.name, passwords[spec.name] ?? '', async (client) => {
      expect(await allowed(client, 'SELECT id, customer_id, total FROM orders LIMIT 1')).toBe(true);
      expect(await allowed(client, 'SELECT status FROM orders LIMIT 1')).toBe(false);
      expect(await allowed(client, 'SELECT * FROM orders LIMIT 1')).toBe(false);
    });
    const counter = new WriteCounter();
    const counted = newEngine({}, counter);
    const widened = await counted.syncGrants(spec, readOnly([{ name: 'orders' }]));
    expect(widened.granted).toEqual(['SELECT ON public.orders']);
    expect(widened.revoked).toEqual(['SELECT ON public.orders (customer_id, id, total)']);
    const narrowed = await counted.syncGrants(spec, columns);
    expect(narrowed).toMatchObject({ granted: ['SELECT ON public.orders (customer_id, id, total)'], revoked: ['SELECT ON public.orders'] });
    const writesBefore = counter.count;
    expect(await counted.syncGrants(spec, columns)).toMatchObject({ granted: [], revoked: [] });
    expect(counter.count).toBe(writesBefore);
  });

  it('schema-wide: every table, and tables created after the grant through default privileges', async () => {
    const engine = newEngine();
    const spec = principal('schema');
    const passwords = await provision(engine, spec, readOnly());
    const report = await engine.readGrants(spec);
    expect(report.tables).toEqual(['public.orders', 'public.payments', 'public.products', 'public.users']);
    expect(report.privileges).toContain(`DEFAULT SELECT ON TABLES IN SCHEMA public FOR ROLE ${tableOwner}`);
    await superuser.query(`SET ROLE ${tableOwner}`);
    await superuser.query('CREATE TABLE reviews (id int PRIMARY KEY, body text)');
    await superuser.query(`INSERT INTO reviews VALUES (1, 'great')`);
    await superuser.query('CREATE VIEW review_bodies AS SELECT body FROM reviews');
    await superuser.query('RESET ROLE');
    await asLogin(spec.name, passwords[spec.name] ?? '', async (client) => {
      expect(await allowed(client, 'SELECT * FROM users LIMIT 1')).toBe(true);
      const { rows } = await client.query<{ body: string }>('SELECT body FROM reviews');
      expect(rows).toEqual([{ body: 'great' }]);
      expect((await client.query<{ body: string }>('SELECT body FROM review_bodies')).rows).toEqual([{ body: 'great' }]);
      expect(await allowed(client, `INSERT INTO reviews VALUES (2, 'x')`)).toBe(false);
    });
    const counter = new WriteCounter();
    const again = await newEngine({}, counter).syncGrants(spec, readOnly());
    expect(again).toMatchObject({ granted: [], revoked: [] });
    expect(again.report.tables).toEqual(expect.arrayContaining(['public.reviews', 'public.review_bodies']));
    expect(counter.count).toBe(0);
    await superuser.query('DROP TABLE reviews CASCADE');
  });

  it('drift: revokes manual grants and memberships, restores a manual revoke, then writes nothing in one query', async () => {
    const counter = new WriteCounter();
    const engine = newEngine({}, counter);
    const spec = principal('drift');
    const grants = readOnly([{ name: 'products' }, { name: 'orders' }]);
    const passwords = await provision(engine, spec, grants);
    await superuser.query(`GRANT SELECT ON users TO ${spec.name}`);
    await superuser.query(`GRANT UPDATE (status) ON orders TO ${spec.name}`);
    await superuser.query(`GRANT pg_read_all_data TO ${spec.name}`);
    await superuser.query(`GRANT CREATE ON DATABASE ${database} TO ${spec.name}`);
    await superuser.query(`REVOKE SELECT ON products FROM ${spec.name}`);
    await superuser.query(`ALTER ROLE ${spec.name} CREATEDB`);
    await superuser.query(`GRANT SELECT ON orders TO ${spec.name} WITH GRANT OPTION`);
    await superuser.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${tableOwner} GRANT INSERT ON TABLES TO ${spec.name}`);
    await superuser.query(`SET ROLE ${tableOwner}`);
    await superuser.query(`CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM orders'`);
    await superuser.query('RESET ROLE');
    await superuser.query(`GRANT EXECUTE ON FUNCTION order_count() TO ${spec.name}`);
    const eve = `${prefix}eve`;
    await superuser.query(`CREATE ROLE ${eve} LOGIN`);
    await superuser.query(`GRANT ${spec.name} TO ${eve}`);
    const writesBefore = counter.count;
    const result = await engine.syncGrants(spec, grants);
    expect(result.revoked).toEqual([
      'ATTRIBUTE CREATEDB',
      `CREATE ON DATABASE ${database}`,
      `DEFAULT INSERT ON TABLES FOR ROLE ${tableOwner}`,
      'EXECUTE ON FUNCTION public.order_count()',
      'GRANT OPTION FOR SELECT ON public.orders',
      `GRANTED TO ${eve}`,
      'MEMBER OF pg_read_all_data',
      'SELECT ON public.users',
      'UPDATE ON public.orders (status)',
    ]);
    expect(result.granted).toEqual(['SELECT ON public.products']);
    expect(counter.count - writesBefore).toBe(10);
    expect(result.report.privileges).toContain('SELECT ON public.orders');
    await asLogin(spec.name, passwords[spec.name] ?? '', async (client) => {
      expect(await allowed(client, 'SELECT * FROM users LIMIT 1')).toBe(false);
      expect(await allowed(client, 'SELECT * FROM products LIMIT 1')).toBe(true);
    });
    const settled = counter.count;
    const queries = vi.spyOn(pg.Client.prototype, 'query');
    const again = await engine.syncGrants(spec, grants);
    expect(queries).toHaveBeenCalledTimes(1);
    queries.mockRestore();
    expect(again).toMatchObject({ granted: [], revoked: [] });
    expect(again.report).toEqual(result.report);
    expect(counter.count).toBe(settled);
    await superuser.query('DROP FUNCTION order_count()');
  });

  it('a privilege granted by a third role, which the admin cannot revoke, is an error naming its grantor', async () => {
    const engine = newEngine();
    const spec = principal('third');
    const third = `${prefix}third_grantor`;
    await provision(engine, spec, readOnly([{ name: 'products' }]));
    await superuser.query(`CREATE ROLE ${third} NOLOGIN`);
    await superuser.query(`GRANT SELECT ON users TO ${third} WITH GRANT OPTION`);
    await superuser.query(`SET ROLE ${third}`);
    await superuser.query(`GRANT SELECT ON users TO ${spec.name}`);
    await superuser.query('RESET ROLE');
    const err = await engineError(engine.syncGrants(spec, readOnly([{ name: 'products' }])));
    expect(err.reason).toBe('InsufficientPrivileges');
    expect(err.message).toContain(`SELECT ON public.users (granted by ${third})`);
    await superuser.query(`REVOKE SELECT ON users FROM ${third} CASCADE`);
    expect((await engine.readGrants(spec)).tables).toEqual(['public.products']);
  });

  it('alternating: two logins with identical privileges through a NOLOGIN group role', async () => {
    const engine = newEngine();
    const spec = principal('alt', { strategy: 'alternating', connectionLimit: 3 });
    const [loginA, loginB] = engine.loginNames(spec);
    expect([loginA, loginB]).toEqual([`${spec.name}_a`, `${spec.name}_b`]);
    const passwords = Object.fromEntries(engine.loginNames(spec).map((l) => [l, generatePassword()]));
    expect(await engine.ensurePrincipal(spec, passwords)).toEqual([spec.name, loginA, loginB]);
    const result = await engine.syncGrants(spec, readOnly([{ name: 'products' }]));
    expect(result.report.privileges).toEqual([`CONNECT ON DATABASE ${database}`, 'SELECT ON public.products', 'USAGE ON SCHEMA public']);
    expect(await roleRow(spec.name)).toMatchObject({ rolcanlogin: false, rolconnlimit: -1 });
    for (const login of [loginA, loginB] as string[]) {
      expect(await roleRow(login)).toMatchObject({ rolcanlogin: true, rolconnlimit: 3, comment: 'managed by dbwarden: accesspolicy tests/alt' });
      await asLogin(login, passwords[login] ?? '', async (client) => {
        expect(await allowed(client, 'SELECT * FROM products LIMIT 1')).toBe(true);
        expect(await allowed(client, 'SELECT * FROM users LIMIT 1')).toBe(false);
      });
      expect((await engine.audit(login)).findings).toEqual([]);
    }
    await superuser.query(`GRANT SELECT ON users TO ${loginA}`);
    const repaired = await engine.syncGrants(spec, readOnly([{ name: 'products' }]));
    expect(repaired.revoked).toEqual([`${loginA}: SELECT ON public.users`]);
    await superuser.query(`REVOKE ${spec.name} FROM ${loginB}`);
    expect((await engine.syncGrants(spec, readOnly([{ name: 'products' }]))).granted).toEqual([`${loginB}: MEMBER OF ${spec.name}`]);
    expect(await engine.ownership(spec, {})).toEqual({ state: 'ours', foreign: [], existing: [loginA, loginB], ours: [loginA, loginB] });
  });

  it('switching from read-write schema-wide to read-only listed tables revokes the rest', async () => {
    const engine = newEngine();
    const spec = principal('switch');
    await provision(engine, spec, readWrite());
    const wide = await engine.readGrants(spec);
    expect(wide.privileges).toContain(`DEFAULT USAGE ON SEQUENCES IN SCHEMA public FOR ROLE ${tableOwner}`);
    expect(wide.privileges).toContain('INSERT ON public.payments');
    const narrowed = await engine.syncGrants(spec, readOnly([{ name: 'products' }]));
    expect(narrowed.granted).toEqual([]);
    expect(narrowed.report.privileges).toEqual([`CONNECT ON DATABASE ${database}`, 'SELECT ON public.products', 'USAGE ON SCHEMA public']);
  });
});

describe('refusals change nothing', () => {
  it('a foreign role with the same name is UsernameTaken and is left alone', async () => {
    const counter = new WriteCounter();
    const engine = newEngine({}, counter);
    const spec = principal('foreign');
    await superuser.query(`CREATE ROLE ${spec.name} LOGIN`);
    expect(await engine.ownership(spec, {})).toEqual({ state: 'foreign', foreign: [spec.name], existing: [spec.name], ours: [] });
    for (const attempt of [
      () => engine.ensurePrincipal(spec, { [spec.name]: generatePassword() }),
      () => engine.syncGrants(spec, readOnly([{ name: 'products' }])),
      () => engine.drop(spec),
      () => engine.setPassword(spec.name, generatePassword()),
      () => engine.terminateSessions(spec.name),
    ]) {
      expect((await engineError(attempt())).reason).toBe('UsernameTaken');
    }
    expect(counter.count).toBe(0);
    expect(await roleRow(spec.name)).toMatchObject({ rolcanlogin: true, comment: null });
    const { rows } = await superuser.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_class c, aclexplode(c.relacl) a WHERE a.grantee = $1::regrole`,
      [spec.name],
    );
    expect(rows[0]?.n).toBe(0);
    const otherPolicy = principal('ro', { owner: 'tests/someone-else' });
    expect((await engine.ownership(otherPolicy, {})).state).toBe('foreign');
  });

  it('a missing schema, table or column is reported before anything changes', async () => {
    const engine = newEngine();
    const spec = principal('missing');
    await provision(engine, spec, readOnly([{ name: 'products' }]));
    const before = await engine.readGrants(spec);
    const counter = new WriteCounter();
    const counted = newEngine({}, counter);
    const table = await engineError(counted.syncGrants(spec, readOnly([{ name: 'orders' }, { name: 'nope' }])));
    expect(table.reason).toBe('TableNotFound');
    expect(table.retryable).toBe(true);
    expect(table.message).toContain('public.nope');
    expect(table.message).toContain(database);
    const column = await engineError(counted.syncGrants(spec, readOnly([{ name: 'orders', columns: ['id', 'nope'] }])));
    expect(column.reason).toBe('ColumnNotFound');
    expect(column.message).toContain('nope');
    const schema = await engineError(counted.syncGrants(spec, { access: 'read-only', schemas: ['nope'], tables: [] }));
    expect(schema.reason).toBe('SchemaNotFound');
    expect(counter.count).toBe(0);
    expect(await engine.readGrants(spec)).toEqual(before);
  });

  it('tables of an owner the admin is not a member of are InsufficientPrivileges, rolled back whole', async () => {
    const engine = newEngine();
    const spec = principal('restricted');
    await superuser.query(`CREATE SCHEMA restricted AUTHORIZATION ${tableOwner}`);
    await superuser.query(`CREATE TABLE restricted.ledger (id int)`);
    try {
      await provision(engine, spec, readOnly([{ name: 'products' }]));
      const before = await engine.readGrants(spec);
      const grants: GrantSpec = { access: 'read-only', schemas: ['restricted'], tables: [] };
      const refused = await engineError(engine.syncGrants(spec, grants));
      expect(refused.reason).toBe('InsufficientPrivileges');
      expect(refused.message).toMatch(/permission denied for table ledger/);
      expect(refused.message).toMatch(new RegExp(`${required('PGUSER')} is a superuser.*give the objects a non-superuser owner`));
      // Holding the privilege without GRANT OPTION makes PostgreSQL warn instead of fail: still a refusal.
      await superuser.query(`GRANT SELECT ON restricted.ledger TO ${admin}`);
      const warned = await engineError(engine.syncGrants(spec, { ...grants, tables: [{ schema: 'restricted', name: 'ledger' }] }));
      expect(warned.reason).toBe('InsufficientPrivileges');
      expect(warned.message).toMatch(/no privileges were granted/);
      expect(await engine.readGrants(spec)).toEqual(before);
      const stranger = `${prefix}stranger`;
      await superuser.query(`CREATE ROLE ${stranger} NOLOGIN`);
      await superuser.query(`ALTER TABLE restricted.ledger OWNER TO ${stranger}`);
      const notMember = await engineError(engine.syncGrants(spec, grants));
      expect(notMember.reason).toBe('InsufficientPrivileges');
      expect(notMember.message).toContain(`must be a member of ${stranger}, the owner, (GRANT "${stranger}" TO "${admin}")`);
      expect(await engine.readGrants(spec)).toEqual(before);
    } finally {
      await superuser.query('DROP SCHEMA restricted CASCADE');
    }
  });

  it('hostile identifiers are InvalidIdentifier, not SQL', async () => {
    const counter = new WriteCounter();
    const engine = newEngine({}, counter);
    const spec = principal('ro');
    const hostile = ['users; DROP TABLE x', '"quoted"', "orders'--", 'orders)', ''];
    for (const name of hostile) {
      const err = await engineError(engine.syncGrants(spec, readOnly([{ name }])));
      expect(err.reason).toBe('InvalidIdentifier');
      expect(err.retryable).toBe(false);
    }
    expect((await engineError(engine.syncGrants(spec, readOnly([{ name: 'orders', columns: ['id) ON users TO x; --'] }])))).reason).toBe(
      'InvalidIdentifier',
    );
    expect((await engineError(engine.syncGrants(spec, { access: 'read-only', schemas: ['public; --'], tables: [] }))).reason).toBe(
      'InvalidIdentifier',
    );
    const badName = { ...spec, name: 'Robert"; DROP ROLE postgres; --' };
    expect((await engineError(engine.ensurePrincipal(badName, {}))).reason).toBe('InvalidIdentifier');
    expect((await engineError(engine.drop(badName))).reason).toBe('InvalidIdentifier');
    expect(() => engine.loginNames({ ...spec, name: `${'a'.repeat(62)}`, strategy: 'alternating' })).toThrow(EngineError);
    expect(counter.count).toBe(0);
    const { rows } = await superuser.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
    expect(rows[0]?.n).toBe(4);
  });
});

/** The provisioning account as a superuser: what common self-hosted setups hand the operator. */
const superuserAdmin = (): Partial<ConnectionSettings> => ({ admin: { username: required('PGUSER'), password: required('PGPASSWORD') } });

/**
 * Table by table, what `role` holds in system schemas beyond what every role gets (compared with a role that
 * holds nothing): table and column privileges on every pg_* and information_schema relation, schema
 * privileges, and default-privilege entries in those schemas.
 */
async function systemPrivileges(role: string): Promise<string[]> {
  const bare = `${prefix}bare`;
  await superuser.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${bare}') THEN CREATE ROLE ${bare} NOLOGIN; END IF; END $$`);
  const { rows } = await superuser.query<{ finding: string }>(`
    WITH system AS (SELECT oid, nspname FROM pg_namespace WHERE nspname LIKE 'pg\\_%' OR nspname = 'information_schema'),
    privileges(p) AS (VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE'), ('REFERENCES'), ('TRIGGER'))
    SELECT privileges.p || ' ON ' || s.nspname || '.' || c.relname AS finding
      FROM pg_class c JOIN system s ON s.oid = c.relnamespace CROSS JOIN privileges
     WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
       AND has_table_privilege($1, c.oid, privileges.p) AND NOT has_table_privilege($2, c.oid, privileges.p)
    UNION ALL
    SELECT privileges.p || ' ON a column of ' || s.nspname || '.' || c.relname
      FROM pg_class c JOIN system s ON s.oid = c.relnamespace CROSS JOIN privileges
     WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND privileges.p IN ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES')
       AND has_any_column_privilege($1, c.oid, privileges.p) AND NOT has_any_column_privilege($2, c.oid, privileges.p)
    UNION ALL
    SELECT p || ' ON SCHEMA ' || s.nspname FROM system s CROSS JOIN (VALUES ('USAGE'), ('CREATE')) v(p)
     WHERE has_schema_privilege($1, s.oid, p) AND NOT has_schema_privilege($2, s.oid, p)
    UNION ALL
    SELECT 'DEFAULT PRIVILEGES IN SCHEMA ' || s.nspname FROM pg_default_acl d JOIN system s ON s.oid = d.defaclnamespace
     CROSS JOIN LATERAL aclexplode(d.defaclacl) a WHERE a.grantee = $1::regrole
    ORDER BY 1`, [role, bare]);
  return rows.map((row) => row.finding);
}

describe('system catalogs and reserved names', () => {
  it.each([
    ['pg_catalog in schemas', { schemas: ['pg_catalog'], tables: [] }],
    ['information_schema in schemas', { schemas: ['information_schema'], tables: [] }],
    ['pg_toast in schemas', { schemas: ['pg_toast'], tables: [] }],
    ['a temporary schema', { schemas: ['pg_temp_1'], tables: [] }],
    ['pg_authid as a table', { schemas: ['public'], tables: [{ schema: 'pg_catalog', name: 'pg_authid' }] }],
    ['a system schema in capitals', { schemas: ['public'], tables: [{ schema: 'PG_CATALOG', name: 'pg_authid' }] }],
  ])('refuses %s with SystemSchemaRefused, even with a superuser admin, and changes nothing', async (_what, grants) => {
    const counter = new WriteCounter();
    const engine = newEngine(superuserAdmin(), counter);
    const spec = principal(`sys_${randomBytes(2).toString('hex')}`);
    await engine.ensurePrincipal(spec, { [spec.name]: generatePassword() });
    const writes = counter.count;
    const err = await engineError(engine.syncGrants(spec, { access: 'read-only', ...grants }));
    expect(err.reason).toBe('SystemSchemaRefused');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/system schema/);
    expect(counter.count).toBe(writes);
    expect(await systemPrivileges(spec.name)).toEqual([]);
  });

  it.each([
    ['postgres', 'in-place'],
    ['pg_monitor_x', 'in-place'],
    ['public', 'in-place'],
    ['current_user', 'in-place'],
    ['root', 'alternating'],
    ['pg', 'alternating'],
    ['the provisioning account', 'in-place'],
    ['the provisioning account', 'alternating'],
  ] as const)('refuses %s (%s) with ReservedUsername before anything is written', async (name, strategy) => {
    const counter = new WriteCounter();
    const engine = newEngine({}, counter);
    const spec: PrincipalSpec = { name: name === 'the provisioning account' ? admin : name, strategy, owner: 'tests/reserved', requireTls: true };
    for (const attempt of [
      () => engine.ensurePrincipal(spec, Object.fromEntries(engine.loginNames(spec).map((l) => [l, generatePassword()]))),
      () => engine.syncGrants(spec, readOnly([{ name: 'products' }])),
      ...(strategy === 'in-place' ? [() => engine.setPassword(spec.name, generatePassword())] : []),
    ]) {
      const err = await engineError(attempt());
      expect(err.reason).toBe('ReservedUsername');
      expect(err.retryable).toBe(false);
    }
    expect(counter.count).toBe(0);
  });

  it('repairs what an earlier version granted in system catalogs, default privileges included, and keeps the rest', async () => {
    const engine = newEngine(superuserAdmin());
    const spec = principal('repair');
    const passwords = await provision(engine, spec, readOnly([{ name: 'products' }]));
    // What an operator without the refusal wrote for `tables: [{schema: pg_catalog, name: pg_authid}]` and `schemas: [pg_catalog]`.
    await superuser.query(`GRANT USAGE ON SCHEMA pg_catalog TO ${spec.name}`);
    await superuser.query(`GRANT SELECT ON pg_catalog.pg_authid TO ${spec.name}`);
    await superuser.query(`GRANT SELECT (usename, passwd) ON pg_catalog.pg_shadow TO ${spec.name}`);
    await superuser.query(`GRANT SELECT ON pg_catalog.pg_hba_file_rules TO ${spec.name}`);
    await superuser.query(`GRANT SELECT ON information_schema.tables TO ${spec.name}`);
    await superuser.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${tableOwner} IN SCHEMA pg_catalog GRANT SELECT ON TABLES TO ${spec.name}`);
    await superuser.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${tableOwner} IN SCHEMA information_schema GRANT SELECT ON TABLES TO ${spec.name}`);
    expect(await systemPrivileges(spec.name)).toContain('SELECT ON pg_catalog.pg_authid');
    await asLogin(spec.name, passwords[spec.name] ?? '', async (client) => {
      expect(await allowed(client, 'SELECT rolpassword FROM pg_authid')).toBe(true);
    });

    const revoked = await engine.revokeSystemPrivileges(spec, {});
    expect(revoked).toEqual(expect.arrayContaining([
      'SELECT ON pg_catalog.pg_authid',
      'SELECT ON pg_catalog.pg_hba_file_rules',
      'SELECT ON information_schema.tables',
      `DEFAULT SELECT ON TABLES IN SCHEMA pg_catalog FOR ROLE ${tableOwner}`,
      `DEFAULT SELECT ON TABLES IN SCHEMA information_schema FOR ROLE ${tableOwner}`,
      'USAGE ON SCHEMA pg_catalog',
    ]));
    expect(revoked.some((line) => line.startsWith('SELECT ON pg_catalog.pg_shadow'))).toBe(true);
    expect(await systemPrivileges(spec.name)).toEqual([]);
    await asLogin(spec.name, passwords[spec.name] ?? '', async (client) => {
      expect(await allowed(client, 'SELECT rolpassword FROM pg_authid')).toBe(false);
      expect(await allowed(client, 'SELECT * FROM products LIMIT 1')).toBe(true);
    });
    expect(await engine.revokeSystemPrivileges(spec, {})).toEqual([]);
    // A principal that is not ours is never touched.
    const foreign = `${prefix}not_ours`;
    await superuser.query(`CREATE ROLE ${foreign} NOLOGIN`);
    await superuser.query(`GRANT SELECT ON pg_catalog.pg_authid TO ${foreign}`);
    expect(await engine.revokeSystemPrivileges({ ...spec, name: foreign }, {})).toEqual([]);
    expect(await systemPrivileges(foreign)).toContain('SELECT ON pg_catalog.pg_authid');
    await superuser.query(`REVOKE SELECT ON pg_catalog.pg_authid FROM ${foreign}`);
  });

  it('a sync revokes privileges in system catalogs and on every object outside the policy', async () => {
    const engine = newEngine(superuserAdmin());
    const spec = principal('outside');
    const grants = readOnly([{ name: 'products' }]);
    await provision(engine, spec, grants);
    await superuser.query(`GRANT SELECT ON pg_catalog.pg_authid TO ${spec.name}`);
    await superuser.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${tableOwner} IN SCHEMA pg_catalog GRANT SELECT ON TABLES TO ${spec.name}`);
    await superuser.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${otherDatabase} TO ${spec.name}`);
    await superuser.query(`GRANT CREATE ON TABLESPACE pg_default TO ${spec.name}`);
    await superuser.query(`GRANT USAGE ON LANGUAGE plpgsql TO ${spec.name}`);
    await superuser.query(`CREATE TYPE ${prefix}mood AS ENUM ('ok')`);
    await superuser.query(`GRANT USAGE ON TYPE ${prefix}mood TO ${spec.name}`);
    const { rows: [object] } = await superuser.query<{ oid: string }>('SELECT lo_create(0)::text AS oid');
    await superuser.query(`GRANT SELECT ON LARGE OBJECT ${object?.oid ?? ''} TO ${spec.name}`);
    await superuser.query(`GRANT SET ON PARAMETER log_statement TO ${spec.name}`);
    const result = await engine.syncGrants(spec, grants);
    expect(result.revoked).toEqual([
      `CONNECT ON DATABASE ${otherDatabase}`,
      'CREATE ON TABLESPACE pg_default',
      `DEFAULT SELECT ON TABLES IN SCHEMA pg_catalog FOR ROLE ${tableOwner}`,
      `SELECT ON LARGE OBJECT ${object?.oid ?? ''}`,
      'SELECT ON pg_catalog.pg_authid',
      'SET ON PARAMETER log_statement',
      `TEMPORARY ON DATABASE ${otherDatabase}`,
      'USAGE ON LANGUAGE plpgsql',
      `USAGE ON TYPE public.${prefix}mood`,
    ]);
    expect(await systemPrivileges(spec.name)).toEqual([]);
    expect((await engine.syncGrants(spec, grants)).revoked).toEqual([]);
    expect(await engine.audit(spec.name)).toMatchObject({ findings: [] });
    await superuser.query(`SELECT lo_unlink(${object?.oid ?? ''})`);
    await superuser.query(`DROP TYPE ${prefix}mood`);
  });

  it('with the recommended admin, a system-catalog grant it cannot revoke is an error that counts it as excess', async () => {
    const engine = newEngine();
    const spec = principal('stuck');
    const grants = readOnly([{ name: 'products' }]);
    await provision(engine, spec, grants);
    await superuser.query(`GRANT SELECT ON pg_catalog.pg_authid TO ${spec.name}`);
    const err = await engineError(engine.syncGrants(spec, grants));
    expect(err.reason).toBe('InsufficientPrivileges');
    expect(err.excess).toEqual(['SELECT ON pg_catalog.pg_authid']);
    await superuser.query(`REVOKE SELECT ON pg_catalog.pg_authid FROM ${spec.name}`);
  });
});

describe('ensurePrincipal and audit', () => {
  it('brings the attributes of an existing role back to the spec', async () => {
    const engine = newEngine();
    const spec = principal('attrs', { connectionLimit: 2 });
    await provision(engine, spec, readOnly([{ name: 'products' }]));
    await superuser.query(`ALTER ROLE ${spec.name} CREATEDB NOINHERIT CONNECTION LIMIT 50`);
    expect(await engine.ensurePrincipal(spec, { [spec.name]: generatePassword() })).toEqual([]);
    expect(await roleRow(spec.name)).toMatchObject({ rolcreatedb: false, rolconnlimit: 2, rolcanlogin: true });
  });

  it('audits a login: clean after sync, findings for attributes and memberships', async () => {
    const engine = newEngine();
    const spec = principal('audit');
    await provision(engine, spec, readOnly([{ name: 'products' }]));
    expect(await engine.audit(spec.name)).toEqual({ login: spec.name, exists: true, findings: [] });
    await superuser.query(`ALTER ROLE ${spec.name} CREATEDB`);
    await superuser.query(`GRANT pg_read_all_data TO ${spec.name}`);
    await superuser.query(`GRANT CREATE ON SCHEMA public TO ${spec.name}`);
    expect((await engine.audit(spec.name)).findings).toEqual(['CREATE ON SCHEMA public', 'CREATEDB', 'MEMBER OF pg_read_all_data']);
    expect(await engine.audit(`${prefix}absent`)).toEqual({ login: `${prefix}absent`, exists: false, findings: [] });
  });
});

describe('drop', () => {
  it('drops the roles, hands owned objects to the admin, and is idempotent', async () => {
    const engine = newEngine();
    const spec = principal('dropme', { strategy: 'alternating' });
    const defaultGrantees = async (): Promise<number> => {
      const { rows } = await superuser.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_default_acl, aclexplode(defaclacl)');
      return rows[0]?.n ?? -1;
    };
    const defaultsBefore = await defaultGrantees();
    const passwords = await provision(engine, spec, readOnly());
    const [loginA] = engine.loginNames(spec) as [string];
    await superuser.query(`CREATE TABLE scratch (id int)`);
    await superuser.query(`ALTER TABLE scratch OWNER TO ${loginA}`);
    const session = await connectAs(loginA, passwords[loginA] ?? '');
    await engine.drop(spec);
    await expect(session.query('SELECT 1')).rejects.toThrow();
    for (const role of [spec.name, ...engine.loginNames(spec)]) expect(await roleRow(role)).toBeUndefined();
    const { rows } = await superuser.query<{ owner: string }>(`SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'scratch'`);
    expect(rows).toEqual([{ owner: admin }]);
    expect(await defaultGrantees()).toBe(defaultsBefore);
    await engine.drop(spec);
    expect(await engine.ownership(spec, {})).toEqual({ state: 'absent', foreign: [], existing: [], ours: [] });
    await superuser.query('DROP TABLE scratch');
  });

  it('is DropBlocked by objects in another database, saying which', async () => {
    const engine = newEngine();
    const spec = principal('blocked');
    await provision(engine, spec, readOnly([{ name: 'products' }]));
    const other = postgresAdmin(undefined, otherDatabase);
    await other.connect();
    try {
      await other.query(`CREATE TABLE blocker (id int)`);
      await other.query(`ALTER TABLE blocker OWNER TO ${spec.name}`);
      const err = await engineError(engine.drop(spec));
      expect(err.reason).toBe('DropBlocked');
      expect(err.message).toContain(otherDatabase);
      expect(await roleRow(spec.name)).toMatchObject({ rolcanlogin: false });
      expect((await engine.readGrants(spec)).privileges).toEqual([]);
      await other.query('DROP TABLE blocker');
    } finally {
      await other.end();
    }
    await engine.drop(spec);
    expect(await roleRow(spec.name)).toBeUndefined();
  });
});
