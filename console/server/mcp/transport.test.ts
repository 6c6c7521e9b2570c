/**
 * The JSON Streamable HTTP transport against the SDK's own client and against raw HTTP: what the SDK's
 * StreamableHTTPServerTransport answers in JSON mode, request for request.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JsonResponseTransport } from './transport.js';

/** An MCP server whose transport is JsonResponseTransport, as endpoint.ts wires it, without authentication. */
function startServer(): Promise<{ url: string; server: Server; aborted: string[]; closed: () => number }> {
  const transports = new Map<string, JsonResponseTransport>();
  const aborted: string[] = [];
  let closed = 0;
  const app = express();
  app.use(express.json());
  app.post('/mcp', async (req, res) => {
    const id = req.header('mcp-session-id');
    const existing = id === undefined ? undefined : transports.get(id);
    if (existing) return existing.handlePost(req, res, req.body);
    if (id !== undefined) return void res.status(404).json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
    const transport = new JsonResponseTransport({ sessionIdGenerator: randomUUID, onsessioninitialized: (sid) => void transports.set(sid, transport) });
    transport.onclose = () => {
      closed++;
      if (transport.sessionId !== undefined) transports.delete(transport.sessionId);
    };
    const mcp = new McpServer({ name: 'test', version: '1' });
    mcp.registerTool('echo', { inputSchema: { text: z.string() }, outputSchema: { text: z.string() } }, ({ text }) =>
      ({ content: [{ type: 'text', text }], structuredContent: { text } }));
    mcp.registerTool('wait', { inputSchema: { label: z.string() } }, ({ label }, extra) => new Promise((resolve) => {
      extra.signal.addEventListener('abort', () => {
        aborted.push(label);
        resolve({ content: [{ type: 'text', text: 'aborted' }] });
      });
    }));
    await mcp.connect(transport);
    transport.handlePost(req, res, req.body);
  });
  app.delete('/mcp', async (req, res) => {
    const transport = transports.get(req.header('mcp-session-id') ?? '');
    if (!transport) return void res.status(404).end();
    await transport.handleDelete(req, res);
  });
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, server, aborted, closed: () => closed }));
  });
}

const jsonHeaders = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
const initialize = (id: number | string = 0): object =>
  ({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
const call = (id: number, name: string, args: object): object => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

describe('JsonResponseTransport', () => {
  let s: Awaited<ReturnType<typeof startServer>>;
  const post = (body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(s.url, { method: 'POST', headers: { ...jsonHeaders, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  /** A raw session: initialize, then the initialized notification; the headers its later requests carry. */
  const session = async (): Promise<Record<string, string>> => {
    const res = await post(initialize());
    expect(res.status).toBe(200);
    const sessionId = res.headers.get('mcp-session-id') ?? '';
    expect(sessionId).not.toBe('');
    const headers = { 'Mcp-Session-Id': sessionId, 'MCP-Protocol-Version': LATEST_PROTOCOL_VERSION };
    expect((await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, headers)).status).toBe(202);
    return headers;
  };

  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => {
    s.server.closeAllConnections();
    await new Promise((resolve) => s.server.close(resolve));
  });

  it('serves the SDK client: initialize, tools/list, tools/call with structured content, and DELETE', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(s.url));
    const client = new Client({ name: 'sdk', version: '1' });
    await client.connect(transport);
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['echo', 'wait']);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
    expect(result).toMatchObject({ content: [{ type: 'text', text: 'hello' }], structuredContent: { text: 'hello' } });
    const invalid = await client.callTool({ name: 'echo', arguments: { text: 42 } });
    expect(invalid.isError).toBe(true);
    const closedBefore = s.closed();
    await transport.terminateSession();
    expect(s.closed()).toBe(closedBefore + 1);
    await client.close();
  });

  it('answers a request with JSON and the session id, a notification with 202 and no body', async () => {
    const headers = await session();
    const res = await post(call(1, 'echo', { text: 'x' }), headers);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('mcp-session-id')).toBe(headers['Mcp-Session-Id']);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', id: 1, result: { structuredContent: { text: 'x' } } });
    const note = await post({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' }, headers);
    expect(note.status).toBe(202);
    expect(await note.text()).toBe('');
  });

  it('answers a batch with an array in the order of its requests, once all are ready', async () => {
    const headers = await session();
    const res = await post([call(2, 'echo', { text: 'b' }), { jsonrpc: '2.0', method: 'notifications/roots/list_changed' }, call(1, 'echo', { text: 'a' })], headers);
    expect(res.status).toBe(200);
    const answers = (await res.json()) as Array<{ id: number; result: { structuredContent: { text: string } } }>;
    expect(answers.map((a) => [a.id, a.result.structuredContent.text])).toEqual([[2, 'b'], [1, 'a']]);
    const single = await post([call(3, 'echo', { text: 'c' })], headers);
    expect(Array.isArray(await single.json())).toBe(true);
  });

  it('refuses what the SDK transport refuses, with its statuses and JSON-RPC errors', async () => {
    const headers = await session();
    const error = async (res: Response): Promise<[number, number, string]> => {
      const body = (await res.json()) as { id: unknown; error: { code: number; message: string } };
      expect(body.id).toBeNull();
      return [res.status, body.error.code, body.error.message];
    };
    expect(await error(await post(call(1, 'echo', { text: 'x' }), { ...headers, Accept: 'application/json' })))
      .toEqual([406, -32000, 'Not Acceptable: Client must accept both application/json and text/event-stream']);
    expect(await error(await fetch(s.url, { method: 'POST', headers: { ...headers, Accept: jsonHeaders.Accept, 'Content-Type': 'text/plain' }, body: '{}' })))
      .toEqual([415, -32000, 'Unsupported Media Type: Content-Type must be application/json']);
    expect(await error(await post({ jsonrpc: '2.0', nonsense: true }, headers))).toEqual([400, -32700, 'Parse error: Invalid JSON-RPC message']);
    expect(await error(await post(Array.from({ length: 101 }, (_, i) => call(i, 'echo', { text: 'x' })), headers)))
      .toEqual([400, -32600, 'Invalid Request: Batch must not exceed 100 messages']);
    expect(await error(await post(initialize(5), headers))).toEqual([400, -32600, 'Invalid Request: Server already initialized']);
    expect((await error(await post(call(1, 'echo', { text: 'x' }), { ...headers, 'MCP-Protocol-Version': '1999-01-01' })))[0]).toBe(400);
    // Still usable after every refusal.
    expect((await post(call(9, 'echo', { text: 'ok' }), headers)).status).toBe(200);
  });

  it('checks the session id and protocol version of every request after initialize', () => {
    const transport = new JsonResponseTransport({ sessionIdGenerator: () => 'the-session' });
    const answers: Array<{ status: number; body: string }> = [];
    const fakeRes = () => {
      const res = {
        headersSent: false, status: 0, body: '',
        writeHead(status: number) { res.status = status; res.headersSent = true; return res; },
        end(body?: string) { answers.push({ status: res.status, body: body ?? '' }); return res; },
        once() { return res; },
      };
      return res as never;
    };
    const req = (headers: Record<string, string>) => ({ headers: { accept: jsonHeaders.Accept, 'content-type': 'application/json', ...headers } }) as never;
    transport.handlePost(req({ 'mcp-session-id': 'x' }), fakeRes(), call(1, 'echo', {}));
    transport.handlePost(req({}), fakeRes(), initialize());
    transport.handlePost(req({}), fakeRes(), call(2, 'echo', {}));
    transport.handlePost(req({ 'mcp-session-id': 'other' }), fakeRes(), call(3, 'echo', {}));
    transport.handlePost(req({ 'mcp-session-id': 'the-session', 'mcp-protocol-version': 'nope' }), fakeRes(), call(4, 'echo', {}));
    const errors = answers.map((a) => [a.status, (JSON.parse(a.body || '{}') as { error?: { message: string } }).error?.message]);
    expect(errors).toEqual([
      [400, 'Bad Request: Server not initialized'],
      [400, 'Bad Request: Mcp-Session-Id header is required'],
      [404, 'Session not found'],
      [400, expect.stringMatching(/^Bad Request: Unsupported protocol version: nope/)],
    ]);
  });

  it('aborts a tool call on notifications/cancelled, and answers a request in flight with 404 when the session closes', async () => {
    const headers = await session();
    const pending = post(call(1, 'wait', { label: 'cancelled' }), headers);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await post({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, reason: 'test' } }, headers)).status).toBe(202);
    await expect.poll(() => s.aborted).toContain('cancelled');
    // A cancelled request gets no JSON-RPC answer (the SDK sends none); closing the session ends its HTTP request.
    expect((await fetch(s.url, { method: 'DELETE', headers })).status).toBe(200);
    expect((await pending).status).toBe(404);
    expect((await post(call(2, 'echo', { text: 'x' }), headers)).status).toBe(404);
  });

  it('drops the answer of a client that went away, and keeps serving the session', async () => {
    const headers = await session();
    const gone = new AbortController();
    const pending = fetch(s.url, { method: 'POST', headers: { ...jsonHeaders, ...headers }, body: JSON.stringify(call(1, 'wait', { label: 'gone' })), signal: gone.signal })
      .then(() => 'answered', () => 'aborted');
    await new Promise((resolve) => setTimeout(resolve, 100));
    gone.abort();
    expect(await pending).toBe('aborted');
    const res = await post(call(2, 'echo', { text: 'still here' }), headers);
    expect(await res.json()).toMatchObject({ id: 2, result: { structuredContent: { text: 'still here' } } });
  });
});
