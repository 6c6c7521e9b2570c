/**
 * Write previews against the real PostgreSQL and MariaDB, as a least-privilege read-write user made here
 * by hand: a preview changes nothing, shows what the confirmed run then changes, and a confirmation runs
 * only with its own token and only while the rows are still those previewed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShop, type EngineName, type ShopDatabase } from '../../../test/support/shop-db.js';
import { GuardRejected, StatementTimeout } from '../errors.js';
import { QueryRunner, type Target } from '../runner/index.js';
import { NotTransactional, PreviewStale, TokenRefused } from './errors.js';
import { WritePreviews, type WriteContext } from './preview.js';
import { PreviewTokens } from './token.js';

describe.each(['postgres', 'mysql'] as const)('WritePreviews (%s)', (engine: EngineName) => {
  let db: ShopDatabase;
  let runner: QueryRunner;
  let previews: WritePreviews;
  let ctx: WriteContext;
  let mariadb = false;
  const password = `pw-${randomBytes(16).toString('hex')}`;

  /** The products' rows as the admin sees them (numbers as text, so both engines compare alike). */
  const products = async (where: string): Promise<string[][]> =>
    (await db.superQuery<Record<string, unknown>>(`SELECT id, name, category, price, stock FROM products WHERE ${where} ORDER BY id`))
      .map((r) => Object.values(r).map(String));
  const refusal = async (work: Promise<unknown>): Promise<string> => {
    const err = await work.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(TokenRefused);
    return (err as TokenRefused).code;
  };

  beforeAll(async () => {
    db = await createShop(engine);
    const user = `rw_${randomBytes(4).toString('hex')}`;
    if (engine === 'postgres') {
      await db.superQuery(`CREATE ROLE ${user} LOGIN PASSWORD '${password}'`);
      await db.superQuery(`GRANT CONNECT ON DATABASE ${db.database} TO ${user}`);
      await db.superQuery(`GRANT SELECT, INSERT, UPDATE, DELETE ON products, orders TO ${user}`);
    } else {
      mariadb = String(Object.values((await db.superQuery('SELECT VERSION() AS v'))[0] ?? {})[0]).includes('MariaDB');
      await db.superQuery(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}' REQUIRE SSL`);
      for (const t of ['products', 'orders']) await db.superQuery(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${db.database}.${t} TO '${user}'@'%'`);
      await db.superQuery('CREATE TABLE notes_myisam (id int PRIMARY KEY, body varchar(50)) ENGINE=MyISAM');
      await db.superQuery("INSERT INTO notes_myisam VALUES (1, 'a')");
      if (mariadb) await db.superQuery('CREATE TABLE notes_aria (id int PRIMARY KEY, body varchar(50)) ENGINE=Aria');
      for (const t of ['notes_myisam', ...(mariadb ? ['notes_aria'] : [])]) {
        await db.superQuery(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${db.database}.${t} TO '${user}'@'%'`);
      }
    }
    const target: Target = {
      owner: `test/${user}`, engine, host: db.host, port: db.port, database: db.database, user, password,
      tls: { mode: 'verify-full', ca: db.ca }, maxConnections: 3,
    };
    runner = new QueryRunner({ poolMax: 5, idleMs: 10_000, queueMax: 10, queueTimeoutMs: 5_000 });
    previews = new WritePreviews({ runner, tokens: new PreviewTokens() });
    ctx = {
      policy: 'shop/ai-writer', user: 'alice', dialect: engine, guard: { access: 'read-write', database: db.database },
      target, limits: { rowLimit: 1000, timeoutMs: 5_000, readOnly: false },
    };
  });

  afterAll(async () => {
    await runner?.close();
    await db?.close();
  });

  it('previews an UPDATE without changing anything, and the confirmed run changes exactly the previewed rows', async () => {
    const sql = "UPDATE products SET category = 'previewed' WHERE id <= 3";
    const unchanged = await products('id <= 3');
    const preview = await previews.propose(ctx, sql);
    expect(preview).toMatchObject({ kind: 'update', rowCount: 3, table: engine === 'postgres' ? 'public.products' : `${db.database}.products` });
    expect(preview.before.columns.map((c) => c.name)).toEqual(['id', 'name', 'category', 'price', 'stock']);
    expect(preview.before.rows.map((r) => r.map(String))).toEqual(unchanged);
    expect(preview.after.rows.map((r) => r[2])).toEqual(['previewed', 'previewed', 'previewed']);
    expect(preview.before.truncated).toBe(false);
    expect(Date.parse(preview.expiresAt) - Date.now()).toBeGreaterThan(4 * 60_000);
    expect(await products('id <= 3')).toEqual(unchanged);
    expect(await products("category = 'previewed'")).toEqual([]);

    const run = await previews.confirm(ctx, sql, preview.token);
    expect(run).toMatchObject({ rowCount: 3, previewId: preview.id });
    expect(await products("category = 'previewed'")).toEqual(preview.after.rows.map((r) => r.map(String)));
  });

  it('refuses a confirmation after another session changed one of the rows, and changes nothing', async () => {
    const sql = "UPDATE products SET category = 'stale' WHERE id BETWEEN 10 AND 12";
    const preview = await previews.propose(ctx, sql);
    expect(preview.rowCount).toBe(3);
    await db.superQuery('UPDATE products SET stock = stock + 7 WHERE id = 11');
    const changed = await products('id BETWEEN 10 AND 12');
    await expect(previews.confirm(ctx, sql, preview.token)).rejects.toBeInstanceOf(PreviewStale);
    expect(await products('id BETWEEN 10 AND 12')).toEqual(changed);
    // A row that starts to match (a different count) is refused the same way.
    const again = await previews.propose(ctx, sql);
    await db.superQuery("INSERT INTO products (id, name, category, price, stock) VALUES (10013, 'late', 'toys', 1, 1)");
    const wider = "UPDATE products SET category = 'stale' WHERE id BETWEEN 10 AND 12 OR name = 'late'";
    const widerPreview = await previews.propose(ctx, wider);
    await db.superQuery("INSERT INTO products (id, name, category, price, stock) VALUES (10014, 'late', 'toys', 1, 1)");
    await expect(previews.confirm(ctx, wider, widerPreview.token)).rejects.toBeInstanceOf(PreviewStale);
    expect(await products("category = 'stale'")).toEqual([]);
    // The unchanged preview still confirms.
    expect((await previews.confirm(ctx, sql, again.token)).rowCount).toBe(3);
  });

  it('refuses forged, reused, expired, other-caller, other-policy and other-statement tokens', async () => {
    const sql = "UPDATE products SET category = 'tokens' WHERE id = 20";
    const preview = await previews.propose(ctx, sql);
    const [body = '', signature = ''] = preview.token.split('.');
    const flipped = `${body}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    expect(await refusal(previews.confirm(ctx, sql, flipped))).toBe('token_invalid');
    expect(await refusal(previews.confirm(ctx, sql, 'not-a-token'))).toBe('token_invalid');
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const reclaimed = `${Buffer.from(JSON.stringify({ ...claims, us: 'alice', fp: 'x' })).toString('base64url')}.${signature}`;
    expect(await refusal(previews.confirm(ctx, sql, reclaimed))).toBe('token_invalid');
    expect(await refusal(previews.confirm({ ...ctx, user: 'mallory' }, sql, preview.token))).toBe('token_other_caller');
    expect(await refusal(previews.confirm({ ...ctx, policy: 'shop/other' }, sql, preview.token))).toBe('token_other_policy');
    expect(await refusal(previews.confirm(ctx, "UPDATE products SET category = 'tokens' WHERE id = 21", preview.token))).toBe('token_other_statement');
    // Another replica (another key) issued it.
    const elsewhere = new WritePreviews({ runner, tokens: new PreviewTokens() });
    expect(await refusal(elsewhere.confirm(ctx, sql, preview.token))).toBe('token_other_replica');
    expect(await products("category = 'tokens'")).toEqual([]);
    // None of those used it up; the first real confirmation does.
    expect((await previews.confirm(ctx, sql, preview.token)).rowCount).toBe(1);
    expect(await refusal(previews.confirm(ctx, sql, preview.token))).toBe('token_used');
    let now = Date.now();
    const clocked = new WritePreviews({ runner, tokens: new PreviewTokens({ ttlMs: 1_000, now: () => now }) });
    const late = await clocked.propose(ctx, "UPDATE products SET category = 'late' WHERE id = 22");
    now += 1_001;
    expect(await refusal(clocked.confirm(ctx, "UPDATE products SET category = 'late' WHERE id = 22", late.token))).toBe('token_expired');
    expect(await products("category = 'late'")).toEqual([]);
  });

  it('previews a DELETE (the rows before, none after) and an INSERT (the new rows)', async () => {
    const doomed = await products('id IN (30, 31)');
    const del = await previews.propose(ctx, 'DELETE FROM products WHERE id IN (30, 31)');
    expect(del).toMatchObject({ kind: 'delete', rowCount: 2 });
    expect(del.before.rows.map((r) => r.map(String))).toEqual(doomed);
    expect(del.after.rows).toEqual([]);
    expect(await products('id IN (30, 31)')).toEqual(doomed);

    const insert = "INSERT INTO products (id, name, category, price, stock) VALUES (20001, 'New one', 'books', 9.99, 5), (20002, 'New two', 'books', 1.50, 0)";
    const ins = await previews.propose(ctx, insert);
    expect(ins).toMatchObject({ kind: 'insert', rowCount: 2 });
    expect(ins.before.rows).toEqual([]);
    if (engine === 'postgres') {
      expect(ins.after.rows.map((r) => r.slice(0, 3))).toEqual([[20001, 'New one', 'books'], [20002, 'New two', 'books']]);
    } else {
      expect(ins.note).toMatch(/not shown/);
    }
    expect(await products('id > 20000')).toEqual([]);
    expect((await previews.confirm(ctx, insert, ins.token)).rowCount).toBe(2);
    expect((await products('id > 20000')).map((r) => r[1])).toEqual(['New one', 'New two']);
    expect((await previews.confirm(ctx, 'DELETE FROM products WHERE id IN (30, 31)', del.token)).rowCount).toBe(2);
    expect(await products('id IN (30, 31)')).toEqual([]);
  });

  it('takes an UPDATE without WHERE through the same flow', async () => {
    const sql = 'UPDATE orders SET total = total + 1';
    const before = await db.superQuery<{ n: unknown; s: unknown }>('SELECT count(*) AS n, sum(total) AS s FROM orders');
    const preview = await previews.propose(ctx, sql);
    expect(preview.rowCount).toBe(Number(before[0]?.n));
    expect(preview.before.rows).toHaveLength(20);
    expect(preview.before.truncated).toBe(true);
    expect(await db.superQuery('SELECT count(*) AS n, sum(total) AS s FROM orders')).toEqual(before);
    expect((await previews.confirm(ctx, sql, preview.token)).rowCount).toBe(Number(before[0]?.n));
    const after = await db.superQuery<{ s: unknown }>('SELECT sum(total) AS s FROM orders');
    expect(Number(after[0]?.s)).toBeCloseTo(Number(before[0]?.s) + Number(before[0]?.n), 2);
  });

  it.runIf(engine === 'postgres')('follows UPDATE ... FROM: each target row once, as the write matches it', async () => {
    const sql = "UPDATE orders SET status = 'joined' FROM products p WHERE p.id = orders.id AND p.id <= 4 AND orders.id IN (SELECT id FROM orders WHERE id < 4)";
    const preview = await previews.propose(ctx, sql);
    expect(preview.rowCount).toBe(3);
    expect(preview.before.rows.map((r) => r[0])).toEqual([1, 2, 3]);
    expect(preview.after.rows.map((r) => [r[0], r[3]])).toEqual([[1, 'joined'], [2, 'joined'], [3, 'joined']]);
    expect((await previews.confirm(ctx, sql, preview.token)).rowCount).toBe(3);
    expect(await db.superQuery("SELECT id FROM orders WHERE status = 'joined' ORDER BY id")).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  it.runIf(engine === 'mysql')('follows UPDATE ... ORDER BY ... LIMIT: the rows the limit picks', async () => {
    const sql = "UPDATE products SET category = 'cheapest' WHERE category <> 'previewed' ORDER BY price, id LIMIT 2";
    const expected = (await db.superQuery<{ id: number }>("SELECT id FROM products WHERE category <> 'previewed' ORDER BY price, id LIMIT 2")).map((r) => r.id);
    const preview = await previews.propose(ctx, sql);
    expect(preview.rowCount).toBe(2);
    expect(preview.before.rows.map((r) => r[0])).toEqual(expected);
    expect(preview.after.rows.map((r) => [r[0], r[2]])).toEqual(expected.map((id) => [id, 'cheapest']));
    expect((await previews.confirm(ctx, sql, preview.token)).rowCount).toBe(2);
    expect((await db.superQuery<{ id: number }>("SELECT id FROM products WHERE category = 'cheapest' ORDER BY price, id")).map((r) => r.id)).toEqual(expected);
  });

  it('previews through a user that may read and write only some columns', async () => {
    const limited = `cl_${randomBytes(4).toString('hex')}`;
    if (engine === 'postgres') {
      await db.superQuery(`CREATE ROLE ${limited} LOGIN PASSWORD '${password}'`);
      await db.superQuery(`GRANT CONNECT ON DATABASE ${db.database} TO ${limited}`);
      await db.superQuery(`GRANT SELECT (id, name, category), UPDATE (category) ON products TO ${limited}`);
    } else {
      await db.superQuery(`CREATE USER '${limited}'@'%' IDENTIFIED BY '${password}' REQUIRE SSL`);
      await db.superQuery(`GRANT SELECT (id, name, category), UPDATE (category) ON ${db.database}.products TO '${limited}'@'%'`);
    }
    const columnCtx: WriteContext = { ...ctx, target: { ...ctx.target, owner: `test/${limited}`, user: limited } };
    const sql = "UPDATE products SET category = 'columns' WHERE id IN (35, 36)";
    const preview = await previews.propose(columnCtx, sql);
    expect(preview.rowCount).toBe(2);
    expect(preview.before.columns.map((c) => c.name)).toEqual(['id', 'name', 'category']);
    expect(preview.after.rows.map((r) => [r[0], r[2]])).toEqual([[35, 'columns'], [36, 'columns']]);
    expect((await previews.confirm(columnCtx, sql, preview.token)).rowCount).toBe(2);
    expect((await products("category = 'columns'")).map((r) => r[0])).toEqual(['35', '36']);
  });

  it('applies the policy\'s statement timeout to the preview', async () => {
    const slow = 'UPDATE products SET stock = stock WHERE id < (SELECT count(*) FROM orders a, orders b, orders c)';
    const started = Date.now();
    await expect(previews.propose({ ...ctx, limits: { ...ctx.limits, timeoutMs: 500 } }, slow)).rejects.toBeInstanceOf(StatementTimeout);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('refuses writes on a read-only policy before anything runs', async () => {
    await expect(previews.propose({ ...ctx, guard: { ...ctx.guard, access: 'read-only' } }, 'DELETE FROM products WHERE id = 1'))
      .rejects.toBeInstanceOf(GuardRejected);
  });

  it.runIf(engine === 'mysql')('refuses writes to tables without transactions (MyISAM, Aria): they cannot be rolled back', async () => {
    for (const [table, storage] of [['notes_myisam', 'MyISAM'], ...(mariadb ? [['notes_aria', 'Aria']] : [])] as const) {
      const err = await previews.propose(ctx, `UPDATE ${table} SET body = 'b' WHERE id = 1`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotTransactional);
      expect(err).toMatchObject({ code: 'not_transactional', status: 422 });
      expect((err as Error).message).toContain(storage);
    }
    expect(await db.superQuery('SELECT body FROM notes_myisam WHERE id = 1')).toEqual([{ body: 'a' }]);
  });
});
