/**
 * The console end to end, for one engine: the real API server authenticates and authorises (TokenReview,
 * SubjectAccessReview), the real operator provisions the policies, the console runs with its own
 * least-privilege RBAC, queries reach the real database as the policy's user, and the model is the fake
 * OpenAI-compatible server, reached over HTTP by the real `openai` client.
 */
import { request as httpRequest } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { CoreV1Api } from '@kubernetes/client-node';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticalQueries, hostileStatements } from '../../console/server/guard/corpus.js';
import { DatabaseError, DatabaseUnavailable } from '../../console/server/errors.js';
import { QueryRunner } from '../../console/server/runner/index.js';
import { mysqlValueOptions } from '../../console/server/runner/mysql.js';
import { postgresTypes } from '../../console/server/runner/postgres.js';
import type { Target } from '../../console/server/runner/types.js';
import { answer } from '../fake-openai/server.js';
import { eventually } from '../support/kube.js';
import type { EngineName } from '../support/shop-db.js';
import { allPasswords, startHarness, waitForConsoleAccess, type ConsoleHarness } from './console-harness.js';

interface Sample { columns: Array<{ name: string; type: string }>; rows: unknown[][]; truncated: boolean }
interface Preview { previewId: string; kind: string; table: string; rowCount: number; before: Sample; after: Sample; token: string; expiresAt: string }
interface ErrorBody { error: { code: string; message: string }; preview?: Preview }
interface QueryBody { columns: Array<{ name: string; type: string }>; rows: unknown[][]; rowCount: number; truncated: boolean; durationMs: number; previewId?: string }
interface PolicyItem { namespace: string; name: string; engine: string; access: string; ready: boolean; posture: unknown; readReplica: boolean }
interface SchemaBody { tables: Array<{ schema: string; name: string; columns: Array<{ name: string }> }> }
interface AskBody {
  conversationId: string; sql: string | null; explanation: string; result: QueryBody | null; proposal: { sql: string; preview: Preview } | null;
  attempts: Array<{ sql: string | null; error: { code: string; message: string } }>; error: { code: string; message: string } | null;
}

/** A TCP forwarder standing in for a read replica: it counts the connections that reach the database through it. */
async function replicaProxy(host: string, port: number): Promise<{ port: number; connections: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((client) => {
    connections++;
    const upstream = connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    get connections() {
      return connections;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function consoleScenario(engine: EngineName): void {
  let h: ConsoleHarness;
  let proxy: Awaited<ReturnType<typeof replicaProxy>>;
  const q = (table: string): string => (engine === 'postgres' ? `public.${table}` : table);
  const policyPath = (name: string): string => `/api/v1/namespaces/${h.namespace}/policies/${name}`;
  const alice = () => h.api(h.tokens.alice);
  const query = (name: string, sql: string, token = h.tokens.alice, extra: object = {}) =>
    h.api(token).post<QueryBody & ErrorBody>(`${policyPath(name)}/query`, { sql, ...extra });
  const ask = (name: string, question: string, conversationId?: string, token = h.tokens.alice) =>
    h.api(token).post<AskBody & ErrorBody>(`${policyPath(name)}/ask`, { question, ...(conversationId ? { conversationId } : {}) });

  beforeAll(async () => {
    const { required } = await import('../support/env.js');
    proxy = await replicaProxy('127.0.0.1', Number(required(engine === 'postgres' ? 'PGPORT' : 'MYSQL_PORT')));
    const console = { enabled: true, rowLimit: 50, statementTimeout: '2s' };
    h = await startHarness({
      engine,
      // Rotations below are picked up within a second.
      env: { DBWARDEN_CONSOLE_CREDENTIALS_TTL: '1s' },
      connections: { 'shop-replica': (base) => ({ ...base, readReplica: { host: '127.0.0.1', port: proxy.port } }) },
      policies: {
        readonly: { connectionRef: { name: 'shop' }, access: 'read-only', tables: [{ name: 'products' }, { name: 'orders' }], console },
        'no-emails': {
          connectionRef: { name: 'shop' },
          tables: [{ name: 'users', columns: ['id', 'full_name', 'created_at'] }, { name: 'orders', columns: ['id', 'customer_id', 'total', 'status', 'created_at'] }],
          console: { enabled: true },
        },
        writer: { connectionRef: { name: 'shop' }, access: 'read-write', tables: [{ name: 'orders' }], console: { enabled: true } },
        editor: { connectionRef: { name: 'shop' }, access: 'read-write', tables: [{ name: 'products' }], console: { enabled: true } },
        disabled: { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }] },
        'via-replica': { connectionRef: { name: 'shop-replica' }, tables: [{ name: 'products' }], console: { enabled: true } },
      },
    });
  }, 240_000);

  afterAll(async () => {
    if (h) {
      // No response body and no log line of the whole suite holds any password (checked before cleanup).
      const passwords = await allPasswords(h);
      expect(passwords.length).toBeGreaterThanOrEqual(6);
      const everything = [...h.responses, ...h.logs, ...h.operator.logs];
      for (const password of passwords) {
        for (const text of everything) {
          if (text.includes(password) || text.includes(encodeURIComponent(password))) throw new Error(`a password leaked into: ${text.slice(0, 300)}`);
        }
      }
      await h.close();
    }
    await proxy?.close();
  }, 120_000);

  describe(`${engine}: identity and permission`, () => {
    const routes = (): Array<[string, string, unknown?]> => [
      ['GET', '/api/v1/me'],
      ['GET', '/api/v1/info'],
      ['GET', '/api/v1/policies'],
      ['GET', '/api/v1/connections'],
      ['GET', policyPath('readonly')],
      ['GET', `${policyPath('readonly')}/schema`],
      ['POST', `${policyPath('readonly')}/query`, { sql: 'SELECT 1' }],
      ['POST', `${policyPath('readonly')}/query.csv`, { sql: 'SELECT 1' }],
      ['POST', `${policyPath('readonly')}/ask`, { question: 'how many orders?' }],
    ];
    const call = (token: string | undefined, [method, path, body]: [string, string, unknown?]) =>
      method === 'GET' ? h.api(token).get<ErrorBody>(path) : h.api(token).post<ErrorBody>(path, body);

    it('answers 401 on every API route without a token or with a token the API server rejects', async () => {
      for (const route of routes()) {
        for (const token of [undefined, 'not-a-token', `${h.tokens.alice}x`]) {
          const res = await call(token, route);
          expect(res.status, `${route[0]} ${route[1]} with ${token ? 'a bad token' : 'no token'}`).toBe(401);
          expect(res.body.error.code).toBe('unauthenticated');
        }
      }
      expect((await h.api().get('/healthz')).status).toBe(200);
    });

    it('answers 403 on every policy route to a user without RBAC, and lists nothing for them', async () => {
      for (const route of routes().slice(4)) {
        const res = await call(h.tokens.bob, route);
        expect(res.status, `${route[0]} ${route[1]}`).toBe(403);
        expect(res.body.error.code).toBe('forbidden');
        expect(res.body.error.message).toContain('query');
      }
      expect((await h.api(h.tokens.bob).get<{ items: unknown[] }>('/api/v1/policies')).body.items).toEqual([]);
      expect((await h.api(h.tokens.bob).get<{ items: unknown[] }>('/api/v1/connections')).body.items).toEqual([]);
      // No difference between a policy that exists and one that does not.
      expect((await query('does-not-exist', 'SELECT 1', h.tokens.bob)).status).toBe(403);
    });

    it('knows who is calling', async () => {
      const me = await alice().get<{ username: string; groups: string[] }>('/api/v1/me');
      expect(me.body.username).toBe(`system:serviceaccount:${h.namespace}:alice`);
      expect(me.body.groups).toContain('system:serviceaccounts');
    });

    it('lists only the console-enabled policies each user may query, with engine, access, Ready and posture', async () => {
      const list = await alice().get<{ items: PolicyItem[] }>('/api/v1/policies');
      expect(list.status).toBe(200);
      expect(list.body.items.map((p) => p.name)).toEqual(['editor', 'no-emails', 'readonly', 'via-replica', 'writer']);
      const readonly = list.body.items.find((p) => p.name === 'readonly');
      expect(readonly).toMatchObject({ namespace: h.namespace, engine, access: 'read-only', ready: true, readReplica: false });
      expect(readonly?.posture).toMatchObject({ passed: expect.any(Number) as number, total: expect.any(Number) as number });
      expect(list.body.items.find((p) => p.name === 'via-replica')?.readReplica).toBe(true);
      const carol = await h.api(h.tokens.carol).get<{ items: PolicyItem[] }>('/api/v1/policies');
      expect(carol.body.items.map((p) => p.name)).toEqual(['readonly']);
      expect((await query('no-emails', 'SELECT 1', h.tokens.carol)).status).toBe(403);
      const connections = await alice().get<{ items: Array<{ name: string; engine: string; tls: { verified: boolean } }> }>('/api/v1/connections');
      expect(connections.body.items.map((c) => c.name)).toEqual(['shop', 'shop-replica']);
      expect(connections.body.items[0]).toMatchObject({ engine, tls: { verified: true } });
    });

    it('refuses a policy whose console.enabled is not true, and says how to enable it', async () => {
      const res = await query('disabled', 'SELECT 1');
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'console_disabled', message: expect.stringContaining('spec.console.enabled') as string });
      expect((await query('does-not-exist', 'SELECT 1')).body.error.code).toBe('not_found');
    });

    it('runs with the least-privilege RBAC of config/console plus the Role the operator keeps, not as an admin', async () => {
      const core = h.consoleKubeConfig.makeApiClient(CoreV1Api);
      await expect(core.listNamespacedSecret({ namespace: h.namespace })).rejects.toMatchObject({ code: 403 });
      await expect(core.listNamespace()).rejects.toMatchObject({ code: 403 });
      // Only the Secrets of console-enabled policies, by name: not the admin's, not a policy's without the console.
      const readable = (await core.readNamespacedSecret({ namespace: h.namespace, name: 'readonly-credentials' })).metadata?.name;
      expect(readable).toBe('readonly-credentials');
      for (const name of ['db-admin', 'db-ca', 'disabled-credentials']) {
        await expect(core.readNamespacedSecret({ namespace: h.namespace, name }), name).rejects.toMatchObject({ code: 403 });
      }
    });
  });

  describe(`${engine}: schema`, () => {
    it('shows only the policy\'s tables: users and payments never appear', async () => {
      const res = await alice().get<SchemaBody>(`${policyPath('readonly')}/schema`);
      expect(res.status).toBe(200);
      expect(res.body.tables.map((t) => t.name).sort()).toEqual(['orders', 'products']);
      expect(res.body.tables.find((t) => t.name === 'products')?.columns.map((c) => c.name)).toEqual(['id', 'name', 'category', 'price', 'stock']);
      expect(res.text).not.toMatch(/payments|users|email/);
    });

    it('shows only the granted columns of a column-limited policy: no email', async () => {
      const res = await alice().get<SchemaBody>(`${policyPath('no-emails')}/schema`);
      expect(res.body.tables.map((t) => t.name).sort()).toEqual(['orders', 'users']);
      expect(res.body.tables.find((t) => t.name === 'users')?.columns.map((c) => c.name)).toEqual(['id', 'full_name', 'created_at']);
      expect(res.body.tables.flatMap((t) => t.columns.map((c) => c.name))).not.toContain('email');
    });
  });

  describe(`${engine}: queries`, () => {
    it('returns the right rows', async () => {
      const res = await query('readonly', `SELECT id, name FROM ${q('products')} WHERE id <= 3 ORDER BY id`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ columns: [{ name: 'id' }, { name: 'name' }], rows: [[1, 'Product 1'], [2, 'Product 2'], [3, 'Product 3']], rowCount: 3, truncated: false });
      expect(res.body.durationMs).toBeGreaterThan(0);
      // Each column's type by the name people write in SQL (MySQL's protocol numbers are translated).
      const typed = await query('readonly', `SELECT id, name, price, 1.5 * price AS doubled FROM ${q('products')} WHERE id = 1`);
      expect(typed.body.columns.map((c: { type: string }) => c.type)).toEqual(engine === 'postgres'
        ? ['int4', 'text', 'numeric', 'numeric']
        : ['int', 'varchar', 'decimal', 'decimal']);
    });

    it(`passes ${analyticalQueries[engine].length} analytical queries, with the same rows as the database gives directly`, async () => {
      const secret = await h.secretOf('readonly');
      const direct = engine === 'postgres'
        ? await (async () => {
          const client = new pg.Client({ host: secret.host, port: Number(secret.port), database: secret.database, user: secret.username, password: secret.password, ssl: { ca: secret['ca.crt'], rejectUnauthorized: true }, types: postgresTypes });
          await client.connect();
          return { run: async (sql: string) => (await client.query({ text: sql, rowMode: 'array' })).rows as unknown[][], close: () => client.end() };
        })()
        : await (async () => {
          const conn = await mysql.createConnection({ host: secret.host, port: Number(secret.port), database: secret.database, user: secret.username, password: secret.password, ssl: { ca: secret['ca.crt'], rejectUnauthorized: true }, ...mysqlValueOptions });
          return { run: async (sql: string) => (await conn.query({ sql, rowsAsArray: true }))[0] as unknown[][], close: () => conn.end() };
        })();
      try {
        for (const template of analyticalQueries[engine]) {
          const sql = template.replaceAll('{db}', h.db.database);
          const res = await query('readonly', sql);
          expect(res.status, `${sql}: ${res.text.slice(0, 300)}`).toBe(200);
          expect(res.body.rows, sql).toEqual(await direct.run(sql));
          expect(res.body.rows.length, sql).toBeGreaterThan(0);
        }
      } finally {
        await direct.close();
      }
    });

    it(`refuses ${hostileStatements[engine].length} hostile statements with 422 guard_rejected and a message a person understands`, async () => {
      for (const { sql, why } of hostileStatements[engine]) {
        const res = await query('readonly', sql.replaceAll('{db}', h.db.database));
        expect(res.status, `${why}: ${sql}`).toBe(422);
        expect(res.body.error.code, why).toBe('guard_rejected');
        expect(res.body.error.message.length, why).toBeGreaterThan(15);
      }
      expect(Number((await h.db.superQuery<{ n: number | string }>(`SELECT count(*) AS n FROM ${q('orders')}`))[0]?.n)).toBeGreaterThanOrEqual(1000);
    });

    it('answers 400 with the database\'s message when the guard passes what the grants refuse', async () => {
      const res = await query('no-emails', `SELECT email FROM ${q('users')}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('database_error');
      expect(res.body.error.message).toMatch(engine === 'postgres' ? /permission denied for table users/ : /command denied .*users/i);
      expect((await query('no-emails', `SELECT id, full_name FROM ${q('users')} WHERE id = 1`)).body.rows).toEqual([[1, 'Customer 1']]);
    });

    it('has the database as the last line: with the guard bypassed, the policy\'s user still cannot write or read elsewhere', async () => {
      const secret = await h.secretOf('readonly');
      const target: Target = {
        owner: 'bypass/readonly', engine, host: secret.host!, port: Number(secret.port), database: secret.database!,
        user: secret.username!, password: secret.password!, tls: { mode: 'verify-full', ca: secret['ca.crt']! }, maxConnections: 2,
      };
      const runner = new QueryRunner({ poolMax: 2, idleMs: 5_000, queueMax: 5, queueTimeoutMs: 5_000 });
      try {
        // Not even a read-write transaction helps: the grants refuse.
        const writable = { rowLimit: 10, timeoutMs: 5_000, readOnly: false };
        for (const sql of [`DELETE FROM ${q('orders')}`, `UPDATE ${q('products')} SET stock = 0`, `SELECT * FROM ${q('users')}`, `SELECT * FROM ${q('payments')}`,
          `INSERT INTO ${q('orders')} (customer_id, total, status, created_at) VALUES (1, 1, 'paid', CURRENT_TIMESTAMP)`]) {
          const err = await runner.run(target, sql, writable).catch((e: unknown) => e);
          expect(err, sql).toBeInstanceOf(DatabaseError);
          expect((err as Error).message, sql).toMatch(engine === 'postgres' ? /permission denied/ : /denied/i);
        }
        if (engine === 'postgres') {
          // Stacked statements are refused by the server itself (extended protocol).
          await expect(runner.run(target, 'SELECT 1; DELETE FROM public.orders', writable)).rejects.toThrow(/multiple commands/);
        } else {
          await expect(runner.run(target, 'SELECT 1; DELETE FROM orders', writable)).rejects.toBeInstanceOf(DatabaseError);
        }
        await expect(runner.run({ ...target, owner: 'bypass/wrong', password: 'wrong-password-0123456789' }, 'SELECT 1', writable)).rejects.toBeInstanceOf(DatabaseUnavailable);
      } finally {
        await runner.close();
      }
      expect(Number((await h.db.superQuery<{ n: number | string }>(`SELECT count(*) AS n FROM ${q('orders')}`))[0]?.n)).toBeGreaterThanOrEqual(1000);
    });

    it('truncates at the policy\'s rowLimit', async () => {
      const res = await query('readonly', `SELECT id FROM ${q('orders')} ORDER BY id`);
      expect(res.body).toMatchObject({ rowCount: 50, truncated: true });
      expect(res.body.rows).toHaveLength(50);
      const big = await query('readonly', `SELECT id FROM ${q('orders')} ORDER BY id LIMIT 500`);
      expect(big.body).toMatchObject({ rowCount: 50, truncated: true });
    });

    it('cancels a statement at the policy\'s statementTimeout', async () => {
      const started = Date.now();
      const res = await query('readonly', `SELECT count(*) FROM ${q('orders')} a, ${q('orders')} b, ${q('orders')} c`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('statement_timeout');
      expect(Date.now() - started).toBeLessThan(10_000);
      expect((await query('readonly', 'SELECT 1 AS one')).body.rows).toEqual([[1]]);
    });

    it('cancels the statement in the database when the client disconnects mid-query, and records it as cancelled', async () => {
      // no-emails has the default 15s statementTimeout: far longer than the cancel may take.
      const marker = `cancelled_${Date.now().toString(36)}`;
      const sql = `SELECT count(a.id) AS ${marker} FROM ${q('orders')} a, ${q('orders')} b, ${q('orders')} c`;
      const running = async (): Promise<number> => (engine === 'postgres'
        ? await h.db.superQuery("SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()", [`%${marker}%`])
        : await h.db.superQuery("SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND INFO LIKE ? AND ID <> CONNECTION_ID()", [`%${marker}%`])).length;
      const abort = new AbortController();
      const pending = fetch(`${h.console.url}${policyPath('no-emails')}/query`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${h.tokens.alice}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ sql }),
        signal: abort.signal,
      }).then(() => 'answered', () => 'aborted');
      await eventually('the statement to run in the database', async () => (await running()) === 1, 10_000);
      abort.abort();
      expect(await pending).toBe('aborted');
      await eventually('the statement to be gone from the database', async () => (await running()) === 0, 8_000);
      const record = await eventually('the audit record', () => h.logs.map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.audit === true && l.sql === sql), 10_000);
      expect(record).toMatchObject({ policy: 'no-emails', source: 'sql', verdict: 'allowed', outcome: 'cancelled' });
      expect((await query('no-emails', 'SELECT 1 AS one')).body.rows).toEqual([[1]]);
      const metrics = await h.api().get<string>('/metrics');
      expect(metrics.text).toMatch(new RegExp(`dbwarden_console_queries_total\\{engine="${engine}",source="sql",outcome="cancelled"\\} \\d+`));
    });

    it('writes through a read-write policy only after a preview, and only to its tables', async () => {
      const sql = `UPDATE ${q('orders')} SET status = 'shipped' WHERE id = 2`;
      const statusOf2 = () => h.db.superQuery(`SELECT status FROM ${q('orders')} WHERE id = 2`);
      const was = await statusOf2();
      const previewed = await query('writer', sql);
      expect(previewed.status).toBe(409);
      expect(previewed.body.error.code).toBe('preview_required');
      expect(previewed.body.error.message).toContain('previewToken');
      expect(previewed.body.preview).toMatchObject({ kind: 'update', rowCount: 1 });
      expect(await statusOf2()).toEqual(was);
      const updated = await query('writer', sql, h.tokens.alice, { previewToken: previewed.body.preview?.token });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ rowCount: 1, previewId: previewed.body.preview?.previewId });
      expect(await statusOf2()).toEqual([{ status: 'shipped' }]);
      // Without WHERE: previewed like any other write (the old "confirm": true is gone, and says so).
      const everyRow = await query('writer', `UPDATE ${q('orders')} SET status = status`);
      expect(everyRow.status).toBe(409);
      expect(everyRow.body.preview?.rowCount).toBeGreaterThanOrEqual(1000);
      const old = await query('writer', `UPDATE ${q('orders')} SET status = status`, h.tokens.alice, { confirm: true });
      expect(old.status).toBe(400);
      expect(old.body.error.message).toContain('previewToken');
      // CSV exports SELECTs only.
      const csv = await h.api(h.tokens.alice).post<ErrorBody>(`${policyPath('writer')}/query.csv`, { sql });
      expect(csv.status).toBe(400);
      expect(csv.body.error.message).toContain('…/query');
      expect((await query('writer', `UPDATE ${q('products')} SET stock = 0 WHERE id = 1`)).body.error.code).toBe('guard_rejected');
      expect((await query('writer', `DROP TABLE ${q('orders')}`)).body.error.code).toBe('guard_rejected');
    });

    it('sends queries to the read replica when the connection has one', async () => {
      const before = proxy.connections;
      const res = await query('via-replica', `SELECT count(*) AS n FROM ${q('products')}`);
      expect(res.status).toBe(200);
      expect(String(res.body.rows[0]?.[0])).toBe('40');
      expect(proxy.connections).toBeGreaterThan(before);
    });

    it('validates the request body', async () => {
      const res = await h.api(h.tokens.alice).post<ErrorBody>(`${policyPath('readonly')}/query`, { sql: 'SELECT 1', extra: true });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect((await h.api(h.tokens.alice).post<ErrorBody>(`${policyPath('readonly')}/query`, {})).status).toBe(400);
    });
  });

  describe(`${engine}: write previews`, () => {
    const products = q('products');
    const records = (previewId: string | undefined): Array<Record<string, unknown>> =>
      h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.audit === true && previewId !== undefined && l.previewId === previewId);
    const column = (sample: Sample, name: string): unknown[] => {
      const at = sample.columns.findIndex((c) => c.name === name);
      return sample.rows.map((r) => r[at]);
    };

    it('the model proposes an UPDATE: nothing changes until it is confirmed, and the preview is what then changes', async () => {
      const sql = `UPDATE ${products} SET category = 'x' WHERE category = 'garden' AND id > 25`;
      const question = 'Rename the category of the last garden products to x';
      try {
        h.fake.reset();
        h.fake.reply(answer(sql, 'Renames the category.'));
        const res = await ask('editor', question);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ sql, result: null, attempts: [], error: null, proposal: { sql } });
        const preview = res.body.proposal!.preview;
        expect(preview).toMatchObject({ kind: 'update', rowCount: 3 });
        expect(column(preview.before, 'id').map(Number)).toEqual([26, 31, 36]);
        expect(column(preview.before, 'category')).toEqual(['garden', 'garden', 'garden']);
        expect(column(preview.after, 'category')).toEqual(['x', 'x', 'x']);
        expect(await h.db.superQuery(`SELECT id FROM ${products} WHERE category = 'x'`)).toEqual([]);

        const run = await query('editor', sql, h.tokens.alice, { previewToken: preview.token });
        expect(run.status).toBe(200);
        expect(run.body).toMatchObject({ rowCount: 3, previewId: preview.previewId });
        const changed = await h.db.superQuery<{ id: number; name: string; category: string }>(`SELECT id, name, category FROM ${products} WHERE category = 'x' ORDER BY id`);
        expect(changed.map((r) => Number(r.id))).toEqual(column(preview.after, 'id').map(Number));
        expect(changed.map((r) => r.name)).toEqual(column(preview.after, 'name'));

        const again = await query('editor', sql, h.tokens.alice, { previewToken: preview.token });
        expect(again.status).toBe(409);
        expect(again.body.error.code).toBe('token_used');

        // Proposal, preview and run read as one story in the audit log.
        const story = await eventually('the audit records', () => {
          const found = records(preview.previewId);
          return found.length >= 3 && found;
        }, 5_000);
        const user = `system:serviceaccount:${h.namespace}:alice`;
        expect(story[0]).toMatchObject({ source: 'ask', phase: 'preview', outcome: 'preview', rowCount: 3, question, conversationId: res.body.conversationId, user, sql });
        expect(story[1]).toMatchObject({ source: 'sql', phase: 'run', outcome: 'ok', rowCount: 3, user, sql });
        expect(story[2]).toMatchObject({ phase: 'run', outcome: 'token_used', user });
      } finally {
        await h.db.superQuery(`UPDATE ${products} SET category = 'garden' WHERE category = 'x'`);
      }
    });

    it('refuses a confirmation after the rows changed, and forged or misapplied tokens', async () => {
      const sql = `UPDATE ${products} SET stock = stock + 1 WHERE id IN (3, 4)`;
      const stock = async (): Promise<number[]> => (await h.db.superQuery<{ stock: number }>(`SELECT stock FROM ${products} WHERE id IN (3, 4) ORDER BY id`)).map((r) => Number(r.stock));
      const was = await stock();
      const previewed = await query('editor', sql);
      expect(previewed.status).toBe(409);
      const preview = previewed.body.preview!;
      expect(preview.rowCount).toBe(2);
      expect(column(preview.after, 'stock').map(Number)).toEqual(was.map((n) => n + 1));
      const [claims, signature] = preview.token.split('.') as [string, string];
      const forged = await query('editor', sql, h.tokens.alice, { previewToken: `${claims}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}` });
      expect(forged.status).toBe(400);
      expect(forged.body.error.code).toBe('token_invalid');
      const other = await query('editor', `UPDATE ${products} SET stock = stock + 1 WHERE id IN (3)`, h.tokens.alice, { previewToken: preview.token });
      expect(other.status).toBe(409);
      expect(other.body.error.code).toBe('token_other_statement');
      expect(await stock()).toEqual(was);

      await h.db.superQuery(`UPDATE ${products} SET stock = stock + 5 WHERE id = 3`);
      const stale = await query('editor', sql, h.tokens.alice, { previewToken: preview.token });
      expect(stale.status).toBe(409);
      expect(stale.body.error.code).toBe('preview_stale');
      expect(await stock()).toEqual([was[0]! + 5, was[1]!]);
      const story = await eventually('the audit records', () => {
        const found = records(preview.previewId);
        return found.length >= 3 && found;
      }, 5_000);
      // The forged token names no preview; the genuine one refused for another statement does.
      expect(story.map((r) => [r.phase, r.outcome])).toEqual([['preview', 'preview'], ['run', 'token_other_statement'], ['run', 'preview_stale']]);
      await h.db.superQuery(`UPDATE ${products} SET stock = stock - 5 WHERE id = 3`);
    });

    it('feeds a preview the guard refuses back to the model, and never previews on a read-only policy', async () => {
      h.fake.reset();
      h.fake.reply(answer(`UPDATE ${q('orders')} SET status = 'x' WHERE id = 1`), answer(`DELETE FROM ${products} WHERE id = 40`));
      const res = await ask('editor', 'Remove product 40');
      expect(res.status).toBe(200);
      expect(res.body.attempts.map((a) => a.error.code)).toEqual(['guard_rejected']);
      expect(res.body.proposal?.preview).toMatchObject({ kind: 'delete', rowCount: 1 });
      expect(column(res.body.proposal!.preview.before, 'id').map(Number)).toEqual([40]);
      expect(await h.db.superQuery(`SELECT id FROM ${products} WHERE id = 40`)).toHaveLength(1);

      const readOnly = await query('readonly', `UPDATE ${products} SET category = 'x' WHERE id = 1`);
      expect(readOnly.status).toBe(422);
      expect(readOnly.body.error.code).toBe('guard_rejected');
      expect(readOnly.body.preview).toBeUndefined();
      const withToken = await query('readonly', `UPDATE ${products} SET category = 'x' WHERE id = 1`, h.tokens.alice, { previewToken: 'x.y' });
      expect(withToken.status).toBe(422);
      h.fake.reset();
      h.fake.respondWith(() => answer(`UPDATE ${products} SET category = 'x' WHERE id = 1`));
      const asked = await ask('readonly', 'Set product 1 to x');
      expect(asked.body).toMatchObject({ result: null, proposal: null, error: { code: 'guard_rejected' } });
    });
  });

  describe(`${engine}: CSV export`, () => {
    const csv = (sql: string): Promise<{ status: number; type: string; body: string; trailers: NodeJS.Dict<string> }> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(`${h.console.url}${policyPath('readonly')}/query.csv`, {
          method: 'POST', headers: { Authorization: `Bearer ${h.tokens.alice}`, 'Content-Type': 'application/json' },
        }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => {
            h.responses.push(body);
            resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body, trailers: res.trailers });
          });
        });
        req.on('error', reject);
        req.end(JSON.stringify({ sql }));
      });

    it('streams the result as CSV with a header row, the row count and truncation in trailers', async () => {
      const res = await csv(`SELECT id, name, price FROM ${q('products')} WHERE id IN (1, 2) ORDER BY id`);
      expect(res.status).toBe(200);
      expect(res.type).toContain('text/csv');
      const lines = res.body.trimEnd().split('\r\n');
      expect(lines[0]).toBe('id,name,price');
      expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['1,Product 1', '2,Product 2']);
      expect(res.trailers).toMatchObject({ 'x-row-count': '2', 'x-truncated': 'false' });
      const capped = await csv(`SELECT id FROM ${q('orders')}`);
      expect(capped.body.trimEnd().split('\r\n')).toHaveLength(51);
      expect(capped.trailers).toMatchObject({ 'x-row-count': '50', 'x-truncated': 'true' });
    });

    it('refuses what the guard refuses, as JSON', async () => {
      const res = await csv(`SELECT * FROM ${q('users')}`);
      expect(res.status).toBe(422);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'guard_rejected' } });
    });
  });

  describe(`${engine}: ask (fake model over HTTP)`, () => {
    it('turns a question into SQL, runs it and returns the rows; the model sees only the policy\'s schema', async () => {
      h.fake.reset();
      h.fake.reply(answer(`SELECT count(*) AS n FROM ${q('orders')}`, 'Counts the orders.'));
      const res = await ask('readonly', 'How many orders are there?');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ sql: `SELECT count(*) AS n FROM ${q('orders')}`, explanation: 'Counts the orders.', attempts: [], error: null });
      expect(Number(res.body.result?.rows[0]?.[0])).toBeGreaterThanOrEqual(1000);
      const sent = JSON.stringify(h.fake.requests[0]?.body.messages);
      expect(h.fake.requests[0]?.body.model).toBe('fake-model');
      expect(sent).toContain('How many orders are there?');
      expect(sent).toContain('products(');
      expect(sent).toContain(engine === 'postgres' ? 'PostgreSQL' : 'MySQL');
      expect(sent).not.toMatch(/payments|users|email/);
      expect(h.fake.requests[0]?.headers.authorization).toBe('Bearer sk-test-console-key');
    });

    it('never runs a malicious answer: the guard refuses it and the refusal goes back to the model', async () => {
      h.fake.reset();
      h.fake.reply(answer(`DELETE FROM ${q('orders')}`), answer(`SELECT * FROM ${q('users')}`), answer(`SELECT count(*) AS n FROM ${q('orders')}`));
      const res = await ask('readonly', 'Remove all orders');
      expect(res.status).toBe(200);
      expect(res.body.attempts.map((a) => a.error.code)).toEqual(['guard_rejected', 'guard_rejected']);
      expect(res.body.result?.rowCount).toBe(1);
      const second = h.fake.requests[1]?.body.messages ?? [];
      expect(second.at(-1)?.content).toMatch(/guard refused.*read-only/s);
      expect(JSON.stringify(h.fake.requests[2]?.body.messages)).toContain(`${engine === 'postgres' ? 'public' : h.db.database}.users is not part of this policy`);
      expect(Number((await h.db.superQuery<{ n: number | string }>(`SELECT count(*) AS n FROM ${q('orders')}`))[0]?.n)).toBeGreaterThanOrEqual(1000);
      const audit = h.logs.filter((l) => l.includes('"audit":true') && l.includes('Remove all orders'));
      expect(audit).toHaveLength(3);
      expect(audit[0]).toContain('"verdict":"rejected"');
    });

    it('retries broken SQL and SQL the database refuses, with the error fed back', async () => {
      h.fake.reset();
      h.fake.reply(answer(`SELEC full_name FROM ${q('users')}`), answer(`SELECT email FROM ${q('users')} LIMIT 1`), answer(`SELECT full_name FROM ${q('users')} WHERE id = 1`));
      const res = await ask('no-emails', 'What is the name of customer 1?');
      expect(res.body.attempts.map((a) => a.error.code)).toEqual(['guard_rejected', 'database_error']);
      expect(res.body.result?.rows).toEqual([['Customer 1']]);
      expect(h.fake.requests[2]?.body.messages.at(-1)?.content).toMatch(/database refused/);
    });

    it('says why it failed after three refused attempts', async () => {
      h.fake.reset();
      h.fake.respondWith(() => answer(`SELECT * FROM ${q('payments')}`));
      const res = await ask('readonly', 'Show the payments');
      expect(res.status).toBe(200);
      expect(res.body.result).toBeNull();
      expect(res.body.attempts).toHaveLength(3);
      expect(res.body.error?.message).toMatch(/3 attempts.*payments is not part of this policy/s);
      expect(h.fake.requests).toHaveLength(3);
    });

    it('keeps the conversation: a follow-up carries the earlier question and answer, for its owner only', async () => {
      h.fake.reset();
      h.fake.reply(answer(`SELECT count(*) FROM ${q('products')}`, 'Counts products.'), answer(`SELECT count(*) FROM ${q('products')} WHERE stock = 0`, 'Out of stock.'));
      const first = await ask('readonly', 'How many products?');
      const followUp = await ask('readonly', 'And how many of them are out of stock?', first.body.conversationId);
      expect(followUp.status).toBe(200);
      expect(followUp.body.conversationId).toBe(first.body.conversationId);
      const messages = h.fake.requests[1]?.body.messages ?? [];
      expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
      expect(messages[1]?.content).toBe('How many products?');
      expect(messages[2]?.content).toContain('Counts products.');
      const stranger = await ask('readonly', 'More?', first.body.conversationId, h.tokens.carol);
      expect(stranger.status).toBe(404);
      expect((await ask('no-emails', 'More?', first.body.conversationId)).status).toBe(404);
    });

    it('reports model failures: server errors, refused keys, timeouts, unusable answers', async () => {
      h.fake.reset();
      h.fake.reply({ status: 500, message: 'model crashed', type: 'server_error' });
      const crashed = await ask('readonly', 'Anything?');
      expect(crashed.status).toBe(502);
      expect(crashed.body.error).toMatchObject({ code: 'ai_error', message: expect.stringContaining('model crashed') as string });
      h.fake.reply({ status: 401, message: 'Incorrect API key provided: sk-test-console-key', code: 'invalid_api_key' });
      const unauthorised = await ask('readonly', 'Anything?');
      expect(unauthorised.status).toBe(502);
      expect(unauthorised.text).not.toContain('sk-test-console-key');
      h.fake.reply({ hang: true });
      const slow = await ask('readonly', 'Anything?');
      expect(slow.status).toBe(504);
      h.fake.reset();
      h.fake.respondWith(() => ({ content: 'I think you should look at the orders table.' }));
      const chatty = await ask('readonly', 'Anything?');
      expect(chatty.status).toBe(200);
      expect(chatty.body.error?.code).toBe('invalid_answer');
      h.fake.reset();
      h.fake.reply(answer(null, 'There is no table about weather.'));
      const none = await ask('readonly', 'What is the weather?');
      expect(none.body).toMatchObject({ sql: null, result: null, error: null, explanation: 'There is no table about weather.' });
    });
  });

  describe(`${engine}: credentials and rotation`, () => {
    const count = `SELECT count(*) AS n FROM ${q('products')}`;
    /** The console's sessions in the database as these users (PostgreSQL: by application_name). */
    const consoleSessions = async (users: string[]): Promise<Array<{ user: string; id: string }>> => {
      const rows = engine === 'postgres'
        ? await h.db.superQuery<{ u: string; id: number }>("SELECT usename AS u, pid AS id FROM pg_stat_activity WHERE application_name = 'dbwarden-console' AND usename = ANY($1)", [users])
        : await h.db.superQuery<{ u: string; id: number }>(`SELECT USER AS u, ID AS id FROM information_schema.PROCESSLIST WHERE USER IN (${users.map(() => '?').join(', ')})`, users);
      return rows.map((r) => ({ user: r.u, id: String(r.id) }));
    };
    const secretReads = async (): Promise<number> =>
      Number(/dbwarden_console_secret_reads_total\{reason="expired"\} (\d+)/.exec((await h.api().get<string>('/metrics')).text)?.[1] ?? 0);
    /** `clients` clients querying the policy without pause until the returned function is called; it returns their answers. */
    const load = (policy: string, clients: number): (() => Promise<{ ok: number; failed: string[] }>) => {
      let stop = false;
      const answers = { ok: 0, failed: [] as string[] };
      const running = Array.from({ length: clients }, async () => {
        while (!stop) {
          const res = await query(policy, count);
          if (res.status === 200) answers.ok++;
          else answers.failed.push(`${res.status} ${res.text}`);
        }
      });
      return async () => {
        stop = true;
        await Promise.all(running);
        return answers;
      };
    };
    const rotate = async (policy: string, value: string, before: Record<string, string>): Promise<Record<string, string>> => {
      await h.resources.patch('accesspolicies', policy, { metadata: { annotations: { 'dbwarden.io/rotate': value } } });
      return eventually(`rotation ${value} of ${policy}`, async () => {
        const secret = await h.secretOf(policy);
        return secret.password !== before.password && secret;
      }, 60_000);
    };

    it('reads the Secret about once per TTL, keeps answering through an alternating rotation, and leaves the previous user within the TTL', async () => {
      await h.resources.policy('rotating', {
        connectionRef: { name: 'shop' }, tables: [{ name: 'products' }], console: { enabled: true },
        rotation: { strategy: 'alternating', gracePeriod: '20s' },
      });
      await h.resources.waitReady('accesspolicies', 'rotating', 'True', undefined, 90_000);
      await waitForConsoleAccess(h.consoleKubeConfig, h.resources, ['rotating']);
      const before = await h.secretOf('rotating');
      const readsBefore = await secretReads();
      const started = Date.now();
      const stop = load('rotating', 3);
      let answers: { ok: number; failed: string[] };
      try {
        await eventually('the console to connect as the first user', async () => (await consoleSessions([before.username!])).length > 0, 15_000);
        const after = await rotate('rotating', 'e2e-alternating', before);
        expect(after.username).not.toBe(before.username);
        // Well before the grace period ends (when the operator would end the previous user's sessions).
        const rotated = Date.now();
        await eventually('the console to hold sessions of the new user only', async () => {
          const sessions = await consoleSessions([before.username!, after.username!]);
          return sessions.length > 0 && sessions.every((s) => s.user === after.username);
        }, 15_000);
        expect(Date.now() - rotated).toBeLessThan(15_000);
      } finally {
        answers = await stop();
      }
      const seconds = (Date.now() - started) / 1000;
      expect(answers.failed).toEqual([]);
      // The clients really ran across the rotation (how many answers depends on the machine's load).
      expect(answers.ok).toBeGreaterThan(1);
      // One read per TTL (1s here), whatever the number of queries.
      expect(await secretReads() - readsBefore).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    }, 180_000);

    it('keeps answering through an in-place rotation, and reconnects with the new password within the TTL', async () => {
      await h.resources.policy('rotating-in-place', {
        connectionRef: { name: 'shop' }, tables: [{ name: 'products' }], console: { enabled: true },
        rotation: { strategy: 'in-place' },
      });
      await h.resources.waitReady('accesspolicies', 'rotating-in-place', 'True', undefined, 90_000);
      await waitForConsoleAccess(h.consoleKubeConfig, h.resources, ['rotating-in-place']);
      const before = await h.secretOf('rotating-in-place');
      const stop = load('rotating-in-place', 1);
      let answers: { ok: number; failed: string[] };
      try {
        const first = await eventually('the console to connect', async () => {
          const sessions = await consoleSessions([before.username!]);
          return sessions.length > 0 && sessions;
        }, 15_000);
        const after = await rotate('rotating-in-place', 'e2e-in-place', before);
        expect(after.username).toBe(before.username);
        // The old sessions still work (PostgreSQL and MariaDB keep them): the console closes them itself.
        await eventually('the console to replace its sessions', async () => {
          const sessions = await consoleSessions([before.username!]);
          return sessions.length > 0 && !sessions.some((s) => first.some((f) => f.id === s.id));
        }, 15_000);
      } finally {
        answers = await stop();
      }
      expect(answers.failed).toEqual([]);
      expect(answers.ok).toBeGreaterThan(1);
    }, 180_000);
  });

  describe(`${engine}: audit`, () => {
    it("is found in the database's own activity view by the request id its audit record carries", async () => {
      const requestId = `attr-${Date.now().toString(36)}`;
      const sql = `SELECT count(a.id) AS attributed FROM ${q('orders')} a, ${q('orders')} b, ${q('orders')} c`;
      // PostgreSQL: application_name for the transaction; MySQL/MariaDB: a leading comment in the processlist.
      const seen = async (): Promise<string[]> => (engine === 'postgres'
        ? await h.db.superQuery<{ a: string }>("SELECT application_name AS a FROM pg_stat_activity WHERE state = 'active' AND application_name LIKE $1", [`dbwarden:${requestId}:%`])
        : await h.db.superQuery<{ a: string }>("SELECT INFO AS a FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND INFO LIKE ? AND ID <> CONNECTION_ID()", [`/* dbwarden:${requestId}:%`])).map((r) => r.a);
      const abort = new AbortController();
      const pending = fetch(`${h.console.url}${policyPath('no-emails')}/query`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${h.tokens.alice}`, 'Content-Type': 'application/json', 'X-Request-Id': requestId },
        body: JSON.stringify({ sql }),
        signal: abort.signal,
      }).then(() => 'answered', () => 'aborted');
      const [label] = await eventually('the statement in the activity view under its request id', async () => {
        const found = await seen();
        return found.length === 1 ? found : undefined;
      }, 10_000);
      expect(label).toContain(engine === 'postgres' ? `dbwarden:${requestId}:${h.namespace}/no-` : `/* dbwarden:${requestId}:${h.namespace}/no-emails */ ${sql}`);
      abort.abort();
      expect(await pending).toBe('aborted');
      const record = await eventually('the audit record', () => h.logs.map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.audit === true && l.sql === sql), 10_000);
      expect(record).toMatchObject({ requestId, policy: 'no-emails', user: `system:serviceaccount:${h.namespace}:alice` });
      // Outside the transaction the session's own name is back (PostgreSQL's set_config is local to it).
      if (engine === 'postgres') await eventually('no session left under the label', async () => (await seen()).length === 0, 8_000);
    });

    it('logs one record per query with who, policy, SQL, verdict, rows and duration, never the result data', async () => {
      const marker = `SELECT name FROM ${q('products')} WHERE id = 17`;
      await query('readonly', marker);
      const record = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.audit === true && l.sql === marker);
      expect(record).toMatchObject({
        user: `system:serviceaccount:${h.namespace}:alice`, namespace: h.namespace, policy: 'readonly', source: 'sql',
        verdict: 'allowed', outcome: 'ok', rowCount: 1, engine,
      });
      expect(record?.durationMs).toEqual(expect.any(Number));
      expect(h.logs.some((l) => l.includes('Product 17'))).toBe(false);
      const metrics = await h.api().get<string>('/metrics');
      expect(metrics.text).toMatch(new RegExp(`dbwarden_console_queries_total\\{engine="${engine}",source="sql",outcome="guard_rejected"\\} \\d+`));
      expect(metrics.text).not.toContain(h.namespace);
      expect(metrics.text).toContain('dbwarden_console_guard_rejections_total{rule="table",source="sql"}');
    });
  });
}
