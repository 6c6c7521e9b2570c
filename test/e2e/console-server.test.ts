/**
 * `npm run console` as a process: configured by environment variables, against a kubeconfig holding only
 * the console's ServiceAccount token; without OPENAI_API_KEY it serves everything but ask (which says how to
 * enable AI); it serves the web UI's build when there is one; SIGTERM lets a running query finish.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allPasswords, startHarness, type ConsoleHarness } from './console-harness.js';

const root = join(import.meta.dirname, '..', '..');

let h: ConsoleHarness;
let child: ChildProcess;
let url: string;
let staticDir: string;
const lines: string[] = [];
let exited: Promise<number | null>;

beforeAll(async () => {
  h = await startHarness({
    engine: 'postgres',
    connections: { 'dead-replica': (base) => ({ ...base, readReplica: { host: '127.0.0.1', port: 1 } }) },
    policies: {
      readonly: { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }, { name: 'orders' }], console: { enabled: true, statementTimeout: '3s' } },
      'via-dead-replica': { connectionRef: { name: 'dead-replica' }, tables: [{ name: 'products' }], console: { enabled: true } },
    },
  });
  await h.resources.policy('orphan', { connectionRef: { name: 'no-such-connection' }, tables: [{ name: 'products' }], console: { enabled: true } });
  const dir = mkdtempSync(join(tmpdir(), 'dbw-console-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, h.consoleKubeConfig.exportConfig(), { mode: 0o600 });
  staticDir = join(dir, 'dist');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>dbwarden</title>');
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig, PORT: '0', DBWARDEN_CONSOLE_HOST: '127.0.0.1', DBWARDEN_CONSOLE_STATIC_DIR: staticDir, DBWARDEN_CONSOLE_SHUTDOWN_TIMEOUT: '20s' };
  delete env.OPENAI_API_KEY;
  child = spawn(process.execPath, ['--import', 'tsx', join(root, 'console', 'server', 'main.ts')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`console did not start within 90 s:\n${lines.join('\n')}`)), 90_000);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface(stream).on('line', (line) => {
        lines.push(line);
        const m = /"port":(\d+).*"msg":"dbwarden console listening"/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(`http://127.0.0.1:${m[1]}`);
        }
      });
    }
  });
}, 240_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  if (h) {
    for (const password of await allPasswords(h)) expect(lines.join('\n')).not.toContain(password);
    await h.close();
  }
}, 120_000);

const get = (path: string, token?: string) => fetch(`${url}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });

describe('npm run console', () => {
  it('serves health, readiness, metrics and its OpenAPI document without a token', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(200);
    expect(await (await get('/metrics')).text()).toContain('dbwarden_console_queries_total');
    const doc = (await (await get('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/api/v1/policies', '/api/v1/connections', '/api/v1/namespaces/{namespace}/policies/{name}/schema',
      '/api/v1/namespaces/{namespace}/policies/{name}/query', '/api/v1/namespaces/{namespace}/policies/{name}/query.csv',
      '/api/v1/namespaces/{namespace}/policies/{name}/ask',
    ]));
    for (const ref of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)) expect(doc.components.schemas).toHaveProperty(ref[1]!);
  });

  it('works without a model, and the ask endpoint says how to enable AI', async () => {
    const info = (await (await get('/api/v1/info', h.tokens.alice)).json()) as { ai: { enabled: boolean; hint: string } };
    expect(info.ai.enabled).toBe(false);
    expect(info.ai.hint).toContain('OPENAI_API_KEY');
    const policies = (await (await get('/api/v1/policies', h.tokens.alice)).json()) as { items: Array<{ name: string }> };
    expect(policies.items.map((p) => p.name)).toEqual(['orphan', 'readonly', 'via-dead-replica']);
    const res = await fetch(`${url}/api/v1/namespaces/${h.namespace}/policies/readonly/ask`, {
      method: 'POST', headers: { Authorization: `Bearer ${h.tokens.alice}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ question: 'How many orders?' }),
    });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('ai_not_configured');
    expect(body.error.message).toMatch(/OPENAI_API_KEY.*OPENAI_BASE_URL.*OPENAI_MODEL/s);
  });

  it('says when a policy is not provisioned (409) or its database cannot be reached (502)', async () => {
    const post = (policy: string) => fetch(`${url}/api/v1/namespaces/${h.namespace}/policies/${policy}/query`, {
      method: 'POST', headers: { Authorization: `Bearer ${h.tokens.alice}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ sql: 'SELECT 1' }),
    });
    const orphan = await post('orphan');
    expect(orphan.status).toBe(409);
    expect(await orphan.json()).toMatchObject({ error: { code: 'policy_not_ready', message: expect.stringContaining('no-such-connection') as string } });
    const dead = await post('via-dead-replica');
    expect(dead.status).toBe(502);
    expect(await dead.json()).toMatchObject({ error: { code: 'database_unavailable', message: expect.stringContaining('127.0.0.1:1') as string } });
  });

  it('serves the web UI build when console/web/dist exists, and JSON 404s under /api', async () => {
    expect(await (await get('/')).text()).toContain('<title>dbwarden</title>');
    expect(await (await get('/policies/shop/readonly')).text()).toContain('<title>dbwarden</title>');
    const missing = await get('/api/v1/nothing-here', h.tokens.alice);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('shuts down gracefully on SIGTERM: a running query finishes, then the process exits 0', async () => {
    const running = fetch(`${url}/api/v1/namespaces/${h.namespace}/policies/readonly/query`, {
      method: 'POST', headers: { Authorization: `Bearer ${h.tokens.alice}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ sql: 'SELECT count(*) FROM public.orders a, public.orders b, public.orders c' }),
    });
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGTERM');
    const res = await running;
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('statement_timeout');
    expect(await exited).toBe(0);
    expect(lines.some((l) => l.includes('"msg":"dbwarden console stopped"'))).toBe(true);
    expect(lines.some((l) => l.includes('"audit":true') && l.includes('statement_timeout'))).toBe(true);
  });
});
