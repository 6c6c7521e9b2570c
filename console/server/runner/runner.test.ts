/**
 * The query runner against the real PostgreSQL and MariaDB, as a least-privilege user made here by hand
 * (the end-to-end suites use users the operator makes): limits, transactions and the server-side refusals
 * that hold even for statements the guard never saw.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShop, type EngineName, type ShopDatabase } from '../../../test/support/shop-db.js';
import { DatabaseError, DatabaseUnavailable, StatementTimeout } from '../errors.js';
import { secrets } from '../redact.js';
import { QueryRunner } from './index.js';
import type { Column, Target, Value } from './types.js';

describe.each(['postgres', 'mysql'] as const)('QueryRunner (%s)', (engine: EngineName) => {
  let db: ShopDatabase;
  let runner: QueryRunner;
  let target: Target;
  let writer: Target;
  const password = `pw-${randomBytes(16).toString('hex')}`;
  const options = { rowLimit: 10, timeoutMs: 5_000, readOnly: true };
  const t = (name: string): string => (engine === 'postgres' ? `public.${name}` : name);

  beforeAll(async () => {
    db = await createShop(engine);
    const user = `ro_${randomBytes(4).toString('hex')}`;
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
    const base = { engine, host: db.host, port: db.port, database: db.database, password, tls: { mode: 'verify-full' as const, ca: db.ca }, maxConnections: 3 };
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

  it('reports a wrong password as the database being unavailable, without the password', async () => {
    const wrong = { ...target, owner: 'test/wrong', password: `wrong-${password}` };
    const err = await runner.run(wrong, 'SELECT 1', options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailable);
    expect(secrets.scrub((err as Error).message)).not.toContain(password);
  });
});
