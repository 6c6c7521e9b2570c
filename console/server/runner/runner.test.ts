/**
 * The query runner against the real PostgreSQL and MariaDB, as a least-privilege user made here by hand
 * (the end-to-end suites use users the operator makes): limits, transactions and the server-side refusals
 * that hold even for statements the guard never saw.
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/kube.js';
import { createShop, type EngineName, type ShopDatabase } from '../../../test/support/shop-db.js';
import { CredentialsRejected, DatabaseError, DatabaseUnavailable, QueryCancelled, StatementTimeout } from '../errors.js';
import { secrets } from '../redact.js';
import { QueryRunner } from './index.js';
import type { Column, Target, Value } from './types.js';

describe.each(['postgres', 'mysql'] as const)('QueryRunner (%s)', (engine: EngineName) => {
  let db: ShopDatabase;
  let runner: QueryRunner;
  let target: Target;
  let writer: Target;
  let base: Omit<Target, 'owner' | 'user'>;
  let user: string;
  /** MySQL 8 and MariaDB name the session's limits differently. */
  let mariadb = false;
  const password = `pw-${randomBytes(16).toString('hex')}`;
  const options = { rowLimit: 10, timeoutMs: 5_000, readOnly: true };
  const t = (name: string): string => (engine === 'postgres' ? `public.${name}` : name);

  beforeAll(async () => {
    db = await createShop(engine);
    user = `ro_${randomBytes(4).toString('hex')}`;
    const rw = `${user}_w`;
    if (engine === 'postgres') {
      for (const u of [user, rw]) {
        await db.superQuery(`CREATE ROLE ${u} LOGIN PASSWORD '${password}'`);
        await db.superQuery(`GRANT CONNECT ON DATABASE ${db.database} TO ${u}`);
        await db.superQuery(`GRANT SELECT ON products, orders TO ${u}`);
      }
      await db.superQuery(`GRANT SELECT (id, full_name) ON users TO ${user}`);
      await db.superQuery(`GRANT UPDATE ON orders TO ${rw}`);
    } else {
      for (const u of [user, rw]) {
        await db.superQuery(`CREATE USER '${u}'@'%' IDENTIFIED BY '${password}' REQUIRE SSL`);
        await db.superQuery(`GRANT SELECT ON ${db.database}.products TO '${u}'@'%'`);
        await db.superQuery(`GRANT SELECT ON ${db.database}.orders TO '${u}'@'%'`);
      }
      await db.superQuery(`GRANT SELECT (id, full_name) ON ${db.database}.users TO '${user}'@'%'`);
      await db.superQuery(`GRANT UPDATE ON ${db.database}.orders TO '${rw}'@'%'`);
    }
    base = { engine, host: db.host, port: db.port, database: db.database, password, tls: { mode: 'verify-full' as const, ca: db.ca }, maxConnections: 3 };
    if (engine === 'mysql') mariadb = String(Object.values((await db.superQuery('SELECT VERSION() AS v'))[0] ?? {})[0]).includes('MariaDB');
    target = { ...base, owner: `test/${user}`, user };
    writer = { ...base, owner: `test/${rw}`, user: rw };
    runner = new QueryRunner({ poolMax: 5, idleMs: 10_000, queueMax: 10, queueTimeoutMs: 5_000 });
  });

  afterAll(async () => {
    await runner?.close();
    await db?.close();
  });

  it('returns columns and rows as arrays, numbers as numbers and exact types as text', async () => {
    const r = await runner.run(target, `SELECT id, name, price FROM ${t('products')} WHERE id <= 2 ORDER BY id`, options);
    expect(r.columns.map((c: Column) => c.name)).toEqual(['id', 'name', 'price']);
    expect(r.rows).toEqual([[1, 'Product 1', expect.any(String)], [2, 'Product 2', expect.any(String)]]);
    expect(Number(r.rows[0]?.[2])).toBeGreaterThan(0);
    expect(r).toMatchObject({ rowCount: 2, truncated: false });
  });

  it('keeps duplicate column names', async () => {
    const r = await runner.run(target, `SELECT o.id, p.id FROM ${t('orders')} o JOIN ${t('products')} p ON p.id = o.id WHERE o.id = 1`, options);
    expect(r.columns.map((c) => c.name)).toEqual(['id', 'id']);
    expect(r.rows).toEqual([[1, 1]]);
  });

  it('caps rows at the limit and says so', async () => {
    const capped = await runner.run(target, `SELECT id FROM ${t('orders')} ORDER BY id`, options);
    expect(capped.rows).toHaveLength(10);
    expect(capped).toMatchObject({ rowCount: 10, truncated: true });
    const exact = await runner.run(target, `SELECT id FROM ${t('orders')} ORDER BY id LIMIT 10`, options);
    expect(exact).toMatchObject({ rowCount: 10, truncated: false });
  });

  it('caps rows even past an explicit LIMIT, and the pool keeps working', async () => {
    const r = await runner.run(target, `SELECT id FROM ${t('orders')} ORDER BY id LIMIT 900`, options);
    expect(r).toMatchObject({ rowCount: 10, truncated: true });
    expect(r.rows.map((row) => row[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (let i = 0; i < 5; i++) expect((await runner.run(target, `SELECT count(*) AS n FROM ${t('products')}`, options)).rows).toHaveLength(1);
  });

  it('streams rows to a sink, capped', async () => {
    const rows: Value[][] = [];
    let columns: Column[] = [];
    const summary = await runner.stream(target, `SELECT id, total FROM ${t('orders')} ORDER BY id`, { ...options, rowLimit: 3 }, {
      columns: (c) => (columns = c),
      row: (r) => rows.push(r),
    });
    expect(columns.map((c) => c.name)).toEqual(['id', 'total']);
    expect(rows.map((r) => r[0])).toEqual([1, 2, 3]);
    expect(summary).toEqual({ rowCount: 3, truncated: true });
  });

  it('cancels a statement at the timeout', async () => {
    const slow = `SELECT count(*) FROM ${t('orders')} a, ${t('orders')} b, ${t('orders')} c`;
    const started = Date.now();
    await expect(runner.run(target, slow, { ...options, timeoutMs: 500 })).rejects.toBeInstanceOf(StatementTimeout);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect((await runner.run(target, 'SELECT 1', options)).rows).toEqual([[1]]);
  });

  describe('cancelled by the caller (the client went away)', () => {
    /** Statements still running in the database whose text holds the marker, as the admin sees them. */
    const running = async (marker: string): Promise<number> => (engine === 'postgres'
      ? await db.superQuery("SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()", [`%${marker}%`])
      : await db.superQuery("SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND INFO LIKE ? AND ID <> CONNECTION_ID()", [`%${marker}%`])).length;
    /** 30 s of sleep (the guard would refuse it; the runner does not look), far under the statement timeout given. */
    const sleep = (marker: string): string => (engine === 'postgres' ? `SELECT pg_sleep(30) AS ${marker}` : `SELECT SLEEP(30) AS ${marker}`);
    const long = { ...options, timeoutMs: 120_000 };
    const marked = (): string => `cancel_${randomBytes(6).toString('hex')}`;

    it.each(['run', 'stream'] as const)('stops the statement in the database (%s), and the pool serves the next query', async (how) => {
      // One connection: the next query must get a clean one (the cancelled one is discarded).
      const single: Target = { ...target, owner: `${target.owner}/cancel-${how}`, maxConnections: 1 };
      const marker = marked();
      const abort = new AbortController();
      const sink = { columns: (): void => undefined, row: (): void => undefined };
      const query = how === 'run'
        ? runner.run(single, sleep(marker), { ...long, signal: abort.signal })
        : runner.stream(single, sleep(marker), { ...long, signal: abort.signal }, sink);
      const outcome = query.then(() => 'finished', (err: unknown) => err);
      await eventually('the statement to run in the database', async () => (await running(marker)) === 1, 20_000);
      abort.abort();
      expect(await outcome).toBeInstanceOf(QueryCancelled);
      // Well before the 30 s sleep or the timeout would end it (generous for a loaded machine).
      await eventually('the statement to be gone from the database', async () => (await running(marker)) === 0, 10_000);
      expect((await runner.run(single, 'SELECT 1', options)).rows).toEqual([[1]]);
      expect((await runner.run(target, `SELECT count(*) FROM ${t('products')}`, options)).rows).toHaveLength(1);
    });

    it('runs nothing when the signal aborted before the query started', async () => {
      const marker = marked();
      const abort = new AbortController();
      abort.abort();
      await expect(runner.run(target, sleep(marker), { ...long, signal: abort.signal })).rejects.toBeInstanceOf(QueryCancelled);
      expect(await running(marker)).toBe(0);
    });

    it('leaves a query that ends before any abort alone', async () => {
      const abort = new AbortController();
      const r = await runner.run(target, 'SELECT 1', { ...options, signal: abort.signal });
      abort.abort();
      expect(r.rows).toEqual([[1]]);
      expect((await runner.run(target, 'SELECT 2', options)).rows).toEqual([[2]]);
    });
  });

  it('is refused by the server: several statements, tables and columns without grants', async () => {
    await expect(runner.run(target, 'SELECT 1; SELECT 2', options)).rejects.toBeInstanceOf(DatabaseError);
    const denied = engine === 'postgres' ? /permission denied/ : /denied/i;
    await expect(runner.run(target, `SELECT * FROM ${t('payments')}`, options)).rejects.toThrow(denied);
    await expect(runner.run(target, `SELECT email FROM ${t('users')}`, options)).rejects.toThrow(denied);
    expect((await runner.run(target, `SELECT full_name FROM ${t('users')} WHERE id = 1`, options)).rows).toEqual([['Customer 1']]);
  });

  it('runs read-only policies in a READ ONLY transaction, so even a granted write fails', async () => {
    const update = `UPDATE ${t('orders')} SET total = total WHERE id = 1`;
    await expect(runner.run(writer, update, options)).rejects.toThrow(engine === 'postgres' ? /read-only transaction/ : /READ ONLY transaction/i);
    const written = await runner.run(writer, update, { ...options, readOnly: false });
    expect(written).toMatchObject({ columns: [], rows: [], truncated: false });
  });

  it('lists only the columns the user holds privileges on', async () => {
    const columns = await runner.columns(target);
    const tables = [...new Set(columns.map((c) => c.table))].sort();
    expect(tables).toEqual(['orders', 'products', 'users']);
    expect(columns.filter((c) => c.table === 'users').map((c) => c.column).sort()).toEqual(['full_name', 'id']);
  });

  it('verify-full checks an IP address against the certificate\'s IP names, never against localhost', async () => {
    // 127.0.0.2 reaches the same server, whose certificate names localhost and 127.0.0.1 but not 127.0.0.2.
    const relay = createServer((client) => {
      const upstream = connect(db.port, db.host);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.2', resolve));
    const port = (relay.address() as { port: number }).port;
    try {
      const elsewhere = { ...target, owner: `test/${user}/relay`, host: '127.0.0.2', port };
      const err = await runner.run(elsewhere, `SELECT count(*) AS n FROM ${t('products')}`, options).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatabaseUnavailable);
      expect((err as Error).message).toMatch(/127\.0\.0\.2|altnames/);
      const named = { ...elsewhere, owner: `test/${user}/relay-named`, tls: { mode: 'verify-full' as const, ca: db.ca, serverName: '127.0.0.1' } };
      expect((await runner.run(named, `SELECT count(*) AS n FROM ${t('products')}`, options)).rows).toHaveLength(1);
    } finally {
      relay.close();
    }
  });

  it('reports a wrong password as refused credentials (the database being unavailable), without the password', async () => {
    const wrong = { ...target, owner: 'test/wrong', password: `wrong-${password}` };
    const err = await runner.run(wrong, 'SELECT 1', options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsRejected);
    expect(err).toBeInstanceOf(DatabaseUnavailable);
    expect(secrets.scrub((err as Error).message)).not.toContain(password);
  });

  it('keeps the policy\'s limits on a pooled connection whatever a statement did to the session', async () => {
    // One connection, so each statement meets the session the previous one left; the guard is not involved.
    const single: Target = { ...writer, owner: `${writer.owner}/single`, maxConnections: 1 };
    const limits = engine === 'postgres'
      ? "SELECT current_setting('transaction_read_only'), current_setting('statement_timeout'), current_setting('search_path'), pg_backend_pid()"
      : `SELECT @@session.${mariadb ? 'tx_read_only' : 'transaction_read_only'}, @@session.sql_select_limit, ` +
        `@@session.${mariadb ? 'max_statement_time' : 'max_execution_time'}, @@session.autocommit, CONNECTION_ID()`;
    const expected = engine === 'postgres' ? ['on', '5s', 'public'] : ['1', '11', mariadb ? '5' : '5000', '1'];
    const session = async (): Promise<{ limits: string[]; connection: string }> => {
      const row = ((await runner.run(single, limits, options)).rows[0] ?? []) as Array<string | number>;
      return { limits: row.slice(0, -1).map((v) => String(Number(v) || v)), connection: String(row.at(-1)) };
    };
    const flips = engine === 'postgres'
      ? ["SELECT set_config('default_transaction_read_only', 'off', false)", "SELECT set_config('statement_timeout', '0', false)",
        "SELECT set_config('search_path', 'pg_catalog', false)", 'SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE',
        'SET statement_timeout = 0', 'RESET ALL', 'COMMIT', 'BEGIN READ WRITE', 'SAVEPOINT s']
      : ['SET SESSION TRANSACTION READ WRITE', `SET SESSION ${mariadb ? 'tx_read_only' : 'transaction_read_only'} = 0`,
        `SET SESSION ${mariadb ? 'max_statement_time' : 'max_execution_time'} = 0`, 'SET SESSION sql_select_limit = DEFAULT',
        'SET autocommit = 0', 'START TRANSACTION READ WRITE', 'SET SESSION session_track_state_change = OFF'];
    let before = await session();
    expect(before.limits).toEqual(expected);
    for (const sql of flips) {
      await runner.run(single, sql, options).catch(() => undefined);
      const after = await session();
      expect(after.limits, sql).toEqual(expected);
      // PostgreSQL undoes it with the transaction's ROLLBACK; MySQL ends a connection whose session changed.
      if (engine === 'mysql') expect(after.connection, sql).not.toBe(before.connection);
      before = after;
    }
    // A read-write policy's statement that changes the session ends the connection too.
    if (engine === 'mysql') {
      await runner.run(single, `SET SESSION ${mariadb ? 'max_statement_time' : 'max_execution_time'} = 0`, { ...options, readOnly: false });
      expect((await session()).connection).not.toBe(before.connection);
    }
    await expect(runner.run(single, `UPDATE ${t('orders')} SET total = total WHERE id = 1`, options)).rejects.toThrow(/read-only|READ ONLY/i);
    const slow = `SELECT count(*) FROM ${t('orders')} a, ${t('orders')} b, ${t('orders')} c`;
    await expect(runner.run(single, slow, { ...options, timeoutMs: 300 })).rejects.toBeInstanceOf(StatementTimeout);
    expect((await runner.run(single, `SELECT id FROM ${t('orders')} ORDER BY id`, options))).toMatchObject({ rowCount: 10, truncated: true });
  });

  it('moves to new credentials at once and closes the previous pool as soon as its running query ends', async () => {
    const rotating = `${user}_rot`;
    const [first, second] = [`pw1-${randomBytes(16).toString('hex')}`, `pw2-${randomBytes(16).toString('hex')}`];
    if (engine === 'postgres') {
      await db.superQuery(`CREATE ROLE ${rotating} LOGIN PASSWORD '${first}'`);
      await db.superQuery(`GRANT CONNECT ON DATABASE ${db.database} TO ${rotating}`);
    } else {
      await db.superQuery(`CREATE USER '${rotating}'@'%' IDENTIFIED BY '${first}' REQUIRE SSL`);
      await db.superQuery(`GRANT SELECT ON ${db.database}.products TO '${rotating}'@'%'`);
    }
    const sessions = async (): Promise<string[]> => (engine === 'postgres'
      ? await db.superQuery<{ id: number }>('SELECT pid AS id FROM pg_stat_activity WHERE usename = $1', [rotating])
      : await db.superQuery<{ id: number }>('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?', [rotating])).map((r) => String(r.id));
    const old: Target = { ...base, owner: 'test/rotating', user: rotating, password: first, version: '1' };
    const connectionId = engine === 'postgres' ? 'pg_backend_pid()' : 'CONNECTION_ID()';
    const running = runner.run(old, `SELECT ${connectionId}, ${engine === 'postgres' ? 'pg_sleep(1)' : 'SLEEP(1)'}`, options);
    await eventually('the first query to run', async () => (await sessions()).length === 1, 5_000);
    // An in-place rotation: the old password stops working at once.
    await db.superQuery(engine === 'postgres' ? `ALTER ROLE ${rotating} PASSWORD '${second}'` : `ALTER USER '${rotating}'@'%' IDENTIFIED BY '${second}'`);
    const idOf = (result: { rows: Value[][] }): string => {
      const id = result.rows[0]?.[0];
      return typeof id === 'number' || typeof id === 'string' ? String(id) : 'none';
    };
    const now = idOf(await runner.run({ ...old, password: second, version: '2' }, `SELECT ${connectionId}`, options));
    const before = idOf(await running);
    expect(now).not.toBe(before);
    await eventually('the previous pool to close', async () => !(await sessions()).includes(before), 5_000);
    expect(await sessions()).toEqual([now]);
    // A new pool with the old password is refused as such (the query service then reads the Secret again).
    await expect(runner.run({ ...old, owner: 'test/rotating-old' }, 'SELECT 1', options)).rejects.toBeInstanceOf(CredentialsRejected);
  });
});
