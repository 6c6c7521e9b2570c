import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Identity } from '../auth/identity.js';
import { Forbidden, Unauthenticated } from '../errors.js';
import { createLogger } from '../logger.js';
import type { ResolvedPolicy } from '../policies/resolve.js';
import type { QueryContext } from '../queries.js';
import { requireIdentity } from './auth.js';
import { errorHandler } from './errors.js';
import { policyAccess, policyPath } from './policy-access.js';
import { queryRequest } from './schemas.js';

const alice: Identity = { username: 'alice', groups: ['team'] };
let authorized: Array<[string, string, string]> = [];
let aborted: Promise<boolean> | undefined;
let server: Server;
let base: string;

const authorizer = {
  authorize(who: Identity, namespace: string, name: string): Promise<ResolvedPolicy> {
    authorized.push([who.username, namespace, name]);
    if (name === 'secret') return Promise.reject(new Forbidden(`${who.username} may not query AccessPolicy ${namespace}/${name}`));
    return Promise.resolve({ namespace, name, key: `${namespace}/${name}` } as ResolvedPolicy);
  },
};

beforeAll(async () => {
  const app = express();
  app.use(express.json());
  app.use(requireIdentity({ authenticate: (token) => (token === 'good' ? Promise.resolve(alice) : Promise.reject(new Unauthenticated())) }));
  const withQuery = policyAccess(authorizer, queryRequest);
  const onPolicy = policyAccess(authorizer);
  app.post(`${policyPath}/query`, withQuery, (_req, res) => {
    const { body, identity, policy, signal, queryContext } = withQuery.of(res);
    const ctx: QueryContext = queryContext('ask', { question: 'q', attempt: 2 });
    res.json({ body, identity, policy: policy.key, aborted: signal.aborted, ctx: { ...ctx, signal: ctx.signal === signal } });
  });
  app.get(policyPath, onPolicy, (_req, res) => {
    res.json({ body: onPolicy.of(res).body ?? null, policy: onPolicy.of(res).policy.key });
  });
  app.get(`${policyPath}/slow`, onPolicy, async (_req, res) => {
    const { signal } = onPolicy.of(res);
    aborted = new Promise((resolve) => signal.addEventListener('abort', () => resolve(true)));
    await aborted;
    res.end();
  });
  app.get(`${policyPath}/unguarded`, (_req, res) => {
    res.json(onPolicy.of(res));
  });
  app.use(errorHandler(createLogger('silent')));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/namespaces`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  authorized = [];
});

const call = async (path: string, init: { body?: unknown; token?: string; method?: string } = {}): Promise<{ status: number; body: unknown }> => {
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { Authorization: `Bearer ${init.token ?? 'good'}`, 'Content-Type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: res.status, body: await res.json() as unknown };
};

describe('policyAccess', () => {
  it('hands the handler the validated body, the caller, the authorised policy, its signal and a query context', async () => {
    const { status, body } = await call('/shop/policies/readonly/query', { body: { sql: 'SELECT 1' } });
    expect(status).toBe(200);
    expect(body).toEqual({
      body: { sql: 'SELECT 1' }, identity: alice, policy: 'shop/readonly', aborted: false,
      ctx: { identity: alice, source: 'ask', signal: true, question: 'q', attempt: 2 },
    });
    expect(authorized).toEqual([['alice', 'shop', 'readonly']]);
  });

  it('works without a body schema', async () => {
    expect(await call('/shop/policies/readonly')).toEqual({ status: 200, body: { body: null, policy: 'shop/readonly' } });
  });

  it('refuses an invalid path, then an invalid body, before asking RBAC', async () => {
    expect(await call('/Shop/policies/readonly/query', { body: { nope: 1 } })).toEqual({
      status: 400, body: { error: { code: 'invalid_request', message: 'Invalid path: namespace: not a namespace name.' } },
    });
    expect(await call('/shop/policies/secret/query', { body: { sql: 1 } })).toEqual({
      status: 400, body: { error: { code: 'invalid_request', message: 'Invalid request body: sql: Invalid input: expected string, received number.' } },
    });
    expect(authorized).toEqual([]);
  });

  it('passes the authorizer\'s refusal to the error middleware', async () => {
    expect(await call('/shop/policies/secret/query', { body: { sql: 'SELECT 1' } })).toEqual({
      status: 403, body: { error: { code: 'forbidden', message: 'alice may not query AccessPolicy shop/secret' } },
    });
  });

  it('needs an identity first', async () => {
    expect((await call('/shop/policies/readonly', { token: 'bad' })).status).toBe(401);
    expect(authorized).toEqual([]);
  });

  it('aborts the signal when the client goes away', async () => {
    const client = request(`${base}/shop/policies/readonly/slow`, { headers: { Authorization: 'Bearer good' } });
    client.on('error', () => {});
    client.end();
    await expect.poll(() => aborted !== undefined).toBe(true);
    client.destroy();
    expect(await aborted).toBe(true);
  });

  it('refuses to be read on a route it did not run for', async () => {
    const { status, body } = await call('/shop/policies/readonly/unguarded');
    expect(status).toBe(500);
    expect(body).toEqual({ error: { code: 'internal_error', message: 'An unexpected error occurred; the request id in the logs has the details.' } });
  });
});
