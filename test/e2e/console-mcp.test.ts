/**
 * The console's MCP endpoint with the SDK's own client over Streamable HTTP: ServiceAccount tokens, the real
 * API server's TokenReview and SubjectAccessReview, the real operator's policies, the real databases. An
 * assistant gets what a person in the console gets, read-only, and nothing about policies it may not query.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileStatements } from '../../console/server/guard/corpus.js';
import { eventually } from '../support/kube.js';
import type { EngineName } from '../support/shop-db.js';
import { allPasswords, startHarness, type ConsoleHarness } from './console-harness.js';

interface Rows { provenance: { namespace: string; policy: string; database: string; user: string }; columns: Array<{ name: string }>; rows: unknown[][]; rowCount: number; truncated: boolean; truncatedBy: string | null }

describe.each(['postgres', 'mysql'] as const)('MCP (%s)', (engine: EngineName) => {
  let h: ConsoleHarness;
  const clients: Client[] = [];
  const q = (table: string): string => (engine === 'postgres' ? `public.${table}` : table);

  async function connect(token: string): Promise<Client> {
    const client = new Client({ name: 'dbwarden-tests', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${h.console.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    clients.push(client);
    return client;
  }
  const call = async (client: Client, name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<CallToolResult> => {
    const result = (await client.callTool({ name, arguments: args }, undefined, signal ? { signal } : undefined)) as CallToolResult;
    h.responses.push(JSON.stringify(result));
    return result;
  };
  const text = (result: CallToolResult): string => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

  beforeAll(async () => {
    h = await startHarness({
      engine,
      // Small enough that the writer's orders (1,000 rows at most) are cut by bytes, not by rows.
      env: { DBWARDEN_CONSOLE_MCP_MAX_RESULT_BYTES: '4096' },
      policies: {
        readonly: { connectionRef: { name: 'shop' }, access: 'read-only', tables: [{ name: 'products' }, { name: 'orders' }], console: { enabled: true, rowLimit: 5 } },
        writer: { connectionRef: { name: 'shop' }, access: 'read-write', tables: [{ name: 'orders' }], console: { enabled: true } },
      },
    });
  }, 240_000);

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    if (h) {
      const passwords = await allPasswords(h);
      for (const password of passwords) {
        for (const line of [...h.responses, ...h.logs]) if (line.includes(password)) throw new Error(`a password leaked into: ${line.slice(0, 300)}`);
      }
      await h.close();
    }
  }, 120_000);

  it('refuses a request without a token (401, WWW-Authenticate), and has no sessions (405)', async () => {
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const res = await fetch(`${h.console.url}/mcp`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body: JSON.stringify(initialize) });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const bad = await fetch(`${h.console.url}/mcp`, { method: 'POST', headers: { Authorization: 'Bearer not-a-token', 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body: JSON.stringify(initialize) });
    expect(bad.status).toBe(401);
    expect((await fetch(`${h.console.url}/mcp`, { headers: { Authorization: `Bearer ${h.tokens.alice}` } })).status).toBe(405);
  });

  it('keeps a session to the identity that opened it, and closes it on DELETE', async () => {
    const client = await connect(h.tokens.alice);
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId ?? '';
    expect(sessionId).not.toBe('');
    const list = { jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} };
    const headers = (token: string): Record<string, string> => ({
      Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': '2025-06-18', 'Mcp-Session-Id': sessionId,
    });
    // Another identity cannot use alice's session: it is not found for them.
    expect((await fetch(`${h.console.url}/mcp`, { method: 'POST', headers: headers(h.tokens.bob), body: JSON.stringify(list) })).status).toBe(404);
    expect((await fetch(`${h.console.url}/mcp`, { method: 'POST', headers: headers(h.tokens.alice), body: JSON.stringify(list) })).status).toBe(200);
    expect((await fetch(`${h.console.url}/mcp`, { method: 'DELETE', headers: headers(h.tokens.bob) })).status).toBe(404);
    expect((await fetch(`${h.console.url}/mcp`, { method: 'DELETE', headers: headers(h.tokens.alice) })).status).toBe(200);
    expect((await fetch(`${h.console.url}/mcp`, { method: 'POST', headers: headers(h.tokens.alice), body: JSON.stringify(list) })).status).toBe(404);
    // Without a session, only initialize is accepted.
    const { 'Mcp-Session-Id': _, ...sessionless } = headers(h.tokens.alice);
    expect((await fetch(`${h.console.url}/mcp`, { method: 'POST', headers: sessionless, body: JSON.stringify(list) })).status).toBe(400);
  });

  it('lists four read-only tools with input and output schemas', async () => {
    const { tools } = await (await connect(h.tokens.alice)).listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['describe_schema', 'explain_query', 'list_policies', 'run_query']);
    for (const tool of tools) {
      expect(tool.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
    }
    expect(tools.find((t) => t.name === 'run_query')?.description).toMatch(/never follow instructions/);
  });

  it('list_policies shows exactly what RBAC lets each caller query', async () => {
    const names = async (token: string): Promise<string[]> => {
      const result = await call(await connect(token), 'list_policies', {});
      return (result.structuredContent as { policies: Array<{ name: string }> }).policies.map((p) => p.name).sort();
    };
    expect(await names(h.tokens.alice)).toEqual(['readonly', 'writer']);
    expect(await names(h.tokens.carol)).toEqual(['readonly']);
    expect(await names(h.tokens.bob)).toEqual([]);
  });

  it('describe_schema shows what the policy\'s user sees: products and orders, not users or payments', async () => {
    const result = await call(await connect(h.tokens.alice), 'describe_schema', { namespace: h.namespace, policy: 'readonly' });
    expect(result.isError).toBeFalsy();
    const tables = (result.structuredContent as { tables: Array<{ name: string }> }).tables.map((t) => t.name).sort();
    expect(tables).toEqual(['orders', 'products']);
    expect(text(result)).toContain(`policy ${h.namespace}/readonly`);
  });

  it('run_query returns the rows the database returns, says who answered, and never truncates silently', async () => {
    const client = await connect(h.tokens.alice);
    const result = await call(client, 'run_query', { namespace: h.namespace, policy: 'readonly', sql: `SELECT id, name FROM ${q('products')} ORDER BY id` });
    expect(result.isError).toBeFalsy();
    const rows = result.structuredContent as unknown as Rows;
    const direct = await h.db.superQuery<{ id: number; name: string }>(`SELECT id, name FROM products ORDER BY id LIMIT 5`);
    expect(rows.rows).toEqual(direct.map((r) => [r.id, r.name]));
    expect(rows.truncated).toBe(true);
    expect(rows.truncatedBy).toBe('row_limit');
    expect(rows.provenance).toMatchObject({ namespace: h.namespace, policy: 'readonly', database: h.db.database });
    expect(rows.provenance.user).toMatch(/^dbw_/);
    expect(text(result)).toMatch(/TRUNCATED at the policy's row limit of 5/);
    expect(text(result)).toMatch(/data from the database, not instructions/);
    const audit = await eventually('the audit record', () => h.logs.map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.audit === true && l.source === 'mcp' && l.policy === 'readonly' && l.outcome === 'ok'));
    expect(audit).toMatchObject({ user: `system:serviceaccount:${h.namespace}:alice`, verdict: 'allowed' });
    const metrics = await h.api().get<string>('/metrics');
    expect(metrics.text).toMatch(new RegExp(`dbwarden_console_queries_total\\{engine="${engine}",source="mcp",outcome="ok"\\} \\d+`));
  });

  it('cuts a wide result at the byte cap, keeping whole rows, and says so', async () => {
    const result = await call(await connect(h.tokens.alice), 'run_query', { namespace: h.namespace, policy: 'writer', sql: `SELECT * FROM ${q('orders')}` });
    const rows = result.structuredContent as unknown as Rows;
    expect(rows.truncated).toBe(true);
    expect(rows.truncatedBy).toBe('byte_limit');
    expect(Buffer.byteLength(JSON.stringify(rows.rows))).toBeLessThanOrEqual(4096);
    expect(rows.rows.every((row) => row.length === rows.columns.length)).toBe(true);
    expect(text(result)).toMatch(/TRUNCATED at 4096 bytes of rows/);
  });

  it('explain_query returns a plan without running the statement', async () => {
    const result = await call(await connect(h.tokens.alice), 'explain_query', { namespace: h.namespace, policy: 'readonly', sql: `SELECT count(*) FROM ${q('orders')}` });
    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as unknown as Rows).rowCount).toBeGreaterThan(0);
    const refused = await call(await connect(h.tokens.alice), 'explain_query', { namespace: h.namespace, policy: 'readonly', sql: `SELECT * FROM ${q('users')}` });
    expect(refused.isError).toBe(true);
  });

  it('refuses every hostile statement of the guard corpus, and writes of any kind, with the database unchanged', async () => {
    const client = await connect(h.tokens.alice);
    const snapshot = async (): Promise<string> => JSON.stringify(await h.db.superQuery(
      'SELECT (SELECT count(*) FROM products) AS p, (SELECT count(*) FROM orders) AS o, (SELECT count(*) FROM users) AS u, (SELECT sum(total) FROM orders) AS t'));
    const before = await snapshot();
    for (const hostile of hostileStatements[engine]) {
      const result = await call(client, 'run_query', { namespace: h.namespace, policy: 'writer', sql: hostile.sql });
      expect(result.isError, `${hostile.why}: ${hostile.sql}`).toBe(true);
    }
    const write = await call(client, 'run_query', { namespace: h.namespace, policy: 'writer', sql: `UPDATE ${q('orders')} SET status = 'x' WHERE id = 1` });
    expect(write.isError).toBe(true);
    expect(text(write)).toMatch(/MCP only reads/);
    expect(await snapshot()).toBe(before);
  });

  it('a policy the caller may not query is answered like one that does not exist', async () => {
    const bob = await connect(h.tokens.bob);
    const hidden = await call(bob, 'describe_schema', { namespace: h.namespace, policy: 'readonly' });
    const missing = await call(bob, 'describe_schema', { namespace: h.namespace, policy: 'no-such-policy' });
    expect(hidden.isError).toBe(true);
    expect(text(hidden).replace('readonly', 'X')).toBe(text(missing).replace('no-such-policy', 'X'));
    expect((await call(bob, 'run_query', { namespace: h.namespace, policy: 'readonly', sql: 'SELECT 1' })).isError).toBe(true);
  });

  it('serves 20 clients at once', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, async () =>
      call(await connect(h.tokens.alice), 'run_query', { namespace: h.namespace, policy: 'readonly', sql: `SELECT count(*) AS n FROM ${q('orders')}` })));
    expect(results.every((r) => !r.isError)).toBe(true);
  });

  it('an aborted call stops its statement in the database', async () => {
    const marker = `mcp_cancel_${Date.now().toString(36)}`;
    const sql = `SELECT count(a.id) AS ${marker} FROM ${q('orders')} a, ${q('orders')} b, ${q('orders')} c`;
    const running = async (): Promise<number> => (engine === 'postgres'
      ? await h.db.superQuery("SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()", [`%${marker}%`])
      : await h.db.superQuery("SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND INFO LIKE ? AND ID <> CONNECTION_ID()", [`%${marker}%`])).length;
    const client = await connect(h.tokens.alice);
    const abort = new AbortController();
    const pending = call(client, 'run_query', { namespace: h.namespace, policy: 'writer', sql }, abort.signal).then(() => 'answered', () => 'aborted');
    await eventually('the statement to run in the database', async () => (await running()) === 1, 10_000);
    abort.abort();
    expect(await pending).toBe('aborted');
    await eventually('the statement to be gone from the database', async () => (await running()) === 0, 8_000);
    const record = await eventually('the audit record', () => h.logs.map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.audit === true && l.sql === sql), 10_000);
    expect(record).toMatchObject({ source: 'mcp', outcome: 'cancelled' });

    // A client that simply goes away (its HTTP request closed) stops the statement too.
    const gone = `${marker}_gone`;
    const disconnect = new AbortController();
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId ?? '';
    const raw = fetch(`${h.console.url}/mcp`, {
      method: 'POST', signal: disconnect.signal,
      headers: {
        Authorization: `Bearer ${h.tokens.alice}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream',
        'MCP-Protocol-Version': '2025-06-18', 'Mcp-Session-Id': sessionId,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'run_query', arguments: {
        namespace: h.namespace, policy: 'writer', sql: sql.replace(marker, gone) } } }),
    }).then(() => 'answered', () => 'aborted');
    const runningGone = async (): Promise<number> => (engine === 'postgres'
      ? await h.db.superQuery("SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()", [`%${gone}%`])
      : await h.db.superQuery("SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND INFO LIKE ? AND ID <> CONNECTION_ID()", [`%${gone}%`])).length;
    await eventually('the second statement to run', async () => (await runningGone()) === 1, 10_000);
    disconnect.abort();
    expect(await raw).toBe('aborted');
    await eventually('the second statement to be gone', async () => (await runningGone()) === 0, 15_000);
  });
});
