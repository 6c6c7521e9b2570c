/**
 * The web app's elements in real Chromium: Vite's dev server serves test/fixture.html, which mounts one
 * element at a time; requests to the console API are answered by the test (page.route), so each element's
 * states — loading, refusals, errors, cancel — can be produced on purpose.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Route } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type TestBrowser } from '../../../test/support/browser.js';
import type { Answer, Connection, Info, Policy, QueryResult } from '../src/api/types.js';

const webRoot = join(import.meta.dirname, '..');
let server: ViteDevServer;
let browser: TestBrowser;
let page: Page;

const mount = (tag: string, props: Record<string, unknown> = {}, withApi = false): Promise<void> =>
  page.evaluate(([t, p, a]) => window.dbw.mount(t, p, a), [tag, props, withApi] as const);
const events = (type: string): Promise<unknown[]> =>
  page.evaluate((t) => window.dbw.events.filter((e) => e.type === t).map((e) => e.detail), type);
const json = (route: Route, status: number, body: unknown): Promise<void> =>
  route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });

const policy: Policy = {
  namespace: 'shop', name: 'readonly', connection: 'shop-db', engine: 'postgres', access: 'read-only', ready: true, reason: 'Provisioned', message: null,
  username: 'ai_readonly', tables: [{ schema: 'public', name: 'products' }, { schema: 'public', name: 'orders' }], schemas: null,
  posture: { passed: 5, total: 7, summary: '5/7' }, console: { rowLimit: 1000, statementTimeout: '15s', useReadReplica: true }, readReplica: false,
  lastRotationTime: '2026-01-01T00:00:00Z', nextRotationTime: new Date(Date.now() + 30 * 86_400_000 + 3_600_000).toISOString(),
};
const connection: Connection = {
  namespace: 'shop', name: 'shop-db', engine: 'postgres', host: 'db.shop.svc', port: 5432, database: 'shop', ready: true, reason: null, message: null,
  serverVersion: 'PostgreSQL 15.8', tls: { mode: 'verify-full', encrypted: true, verified: true, protocol: 'TLSv1.3' }, readReplica: null,
  posture: {
    passed: 5, total: 7, summary: '5/7',
    checks: [
      { name: 'TLSVerified', passed: true, message: 'the server certificate is verified' },
      { name: 'NetworkRestricted', passed: false, message: 'spec.network is not set' },
      { name: 'ConsoleUsesReadReplica', passed: false, message: 'console queries go to the primary' },
      ...['A', 'B', 'C', 'D'].map((n) => ({ name: `Check${n}`, passed: true, message: `check ${n} passed` })),
    ],
  },
};
const aiOn: Info = { ai: { enabled: true, model: 'test-model', hint: null } };

function bigResult(rows: number): QueryResult {
  return {
    columns: [{ name: 'id', type: 'int4' }, { name: 'note', type: 'text' }, { name: 'doc', type: 'jsonb' }, { name: 'amount', type: 'numeric' }],
    rows: Array.from({ length: rows }, (_, i) => [i + 1, i === 0 ? 'x'.repeat(500) : i === 1 ? null : `row ${i + 1}`, i === 2 ? { a: [1, 2], b: 'c' } : null, `${i}.50`]),
    rowCount: rows, truncated: true, durationMs: 12.3,
  };
}

beforeAll(async () => {
  server = await createServer({
    configFile: join(webRoot, 'vite.config.ts'),
    logLevel: 'silent',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, proxy: {} },
    // Every dependency is already ESM: no pre-bundling, so no reload while a test runs.
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  await server.listen();
  browser = await launchBrowser();
  page = await browser.page();
  await page.goto(`${server.resolvedUrls!.local[0]}test/fixture.html`);
  await page.waitForFunction(() => window.dbwReady === true);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  await page.unrouteAll();
});

describe('dbw-sql-editor', () => {
  it('highlights SQL, gives back exactly the text typed, and fires dbw-change', async () => {
    await mount('dbw-sql-editor', { value: "SELECT name, count(*) FROM public.products WHERE price > 10.5 AND name <> 'it''s' GROUP BY name", label: 'SQL' });
    const pre = page.locator('dbw-sql-editor pre');
    expect(await pre.locator('.keyword').allInnerTexts()).toEqual(['SELECT', 'FROM', 'WHERE', 'AND', 'GROUP', 'BY']);
    expect(await pre.locator('.function').allInnerTexts()).toEqual(['count']);
    expect(await pre.locator('.string').allInnerTexts()).toEqual(["'it''s'"]);
    expect(await pre.locator('.number').allInnerTexts()).toEqual(['10.5']);
    const area = page.getByLabel('SQL');
    await area.fill('SELECT 1');
    expect(await events('dbw-change')).toEqual(['SELECT 1']);
    const odd = 'SELECT "a""b", `c`, $1, E\'x\\\'y\' /* c */ -- end\n#x';
    expect(await page.evaluate((s) => window.dbw.tokenize(s).map((t) => t.text).join(''), odd)).toBe(odd);
  });
});

describe('dbw-result-table', () => {
  it('shows thousands of rows a page at a time, with NULL, JSON and long text', async () => {
    await mount('dbw-result-table', { result: bigResult(2500) });
    const rows = page.locator('dbw-result-table tbody tr');
    expect(await rows.count()).toBe(100);
    const first = rows.nth(0);
    expect(await first.innerText()).toContain('more (500 characters)');
    await first.getByRole('button', { name: /more/ }).click();
    expect((await first.innerText()).match(/x/g)?.length).toBe(500);
    expect(await rows.nth(1).locator('.null').first().innerText()).toBe('NULL');
    expect(await rows.nth(2).locator('code.json').innerText()).toBe('{"a":[1,2],"b":"c"}');
    const nav = page.getByRole('navigation', { name: 'Result pages' });
    await nav.getByRole('button', { name: 'Last page' }).click();
    expect(await nav.innerText()).toContain('Rows 2,401–2,500 of 2,500 · page 25 of 25');
    await nav.getByLabel('Rows per page').selectOption('1000');
    expect(await rows.count()).toBe(1000);
    expect(await nav.innerText()).toContain('page 1 of 3');
  });

  it('says when there are no rows', async () => {
    await mount('dbw-result-table', { result: { columns: [{ name: 'id', type: 'int4' }], rows: [], rowCount: 0, truncated: false, durationMs: 1 } });
    expect(await page.locator('dbw-result-table').getByRole('status').innerText()).toBe('No rows.');
  });
});

describe('dbw-result-view', () => {
  it('shows the truncation notice, offers a chart only when the data has labels and numbers, and exports CSV', async () => {
    await mount('dbw-result-view', { result: bigResult(30), rowLimit: 30, filename: 'shop-readonly.csv' });
    expect(await page.locator('dbw-result-view [data-truncated]').innerText()).toContain('Only the first 30 rows are shown');
    expect(await page.getByRole('button', { name: 'Bar chart' }).count()).toBe(1);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('shop-readonly.csv');
    const lines = readFileSync(await download.path(), 'utf8').split('\r\n');
    expect(lines[0]).toBe('id,note,doc,amount');
    expect(lines[2]).toBe('2,,,1.50');
    expect(lines[3]).toBe('3,row 3,"{""a"":[1,2],""b"":""c""}",2.50');
    expect(lines).toHaveLength(32);

    await mount('dbw-result-view', { result: { columns: [{ name: 'id', type: 'int4' }, { name: 'n', type: 'int8' }], rows: [[1, '2']], rowCount: 1, truncated: false, durationMs: 1 } });
    expect(await page.getByRole('button', { name: 'Bar chart' }).count()).toBe(0);
    expect(await page.locator('dbw-result-view [data-truncated]').count()).toBe(0);
  });

  it('draws a line chart over a time column', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => [`2026-${String(i + 1).padStart(2, '0')}-01`, String(100 + i * 7), i]);
    await mount('dbw-result-view', { result: { columns: [{ name: 'month', type: 'date' }, { name: 'revenue', type: 'numeric' }, { name: 'customer_id', type: 'int4' }], rows, rowCount: 12, truncated: false, durationMs: 3 } });
    await page.getByRole('button', { name: 'Line chart' }).click();
    const chart = page.locator('dbw-result-chart');
    await expect.poll(() => chart.getAttribute('data-points')).toBe('12');
    expect(await chart.locator('canvas').getAttribute('aria-label')).toBe('Line chart of revenue by month, 12 points');
    await screenshot(page, 'component-line-chart');
  });
});

describe('dbw-posture and dbw-policy-list', () => {
  it('explains the failing posture checks', async () => {
    await mount('dbw-posture', { posture: connection.posture });
    const summary = page.locator('dbw-posture summary');
    expect(await summary.innerText()).toBe('Posture 5/7');
    await summary.click();
    expect(await page.getByRole('list', { name: 'Failing checks' }).innerText()).toBe('✗ NetworkRestricted: spec.network is not set\n✗ ConsoleUsesReadReplica: console queries go to the primary');
  });

  it('lists policies with engine, host, Ready, access and next rotation; choosing one fires dbw-select', async () => {
    await mount('dbw-policy-list', { policies: [policy, { ...policy, name: 'broken', ready: false, reason: 'ConnectionNotReady', access: 'read-write', nextRotationTime: null }], connections: [connection], selected: 'shop/readonly' });
    const items = page.locator('dbw-policy-list li[data-policy]');
    const first = await items.nth(0).innerText();
    for (const text of ['readonly', 'PostgreSQL', 'read-only', 'Ready', 'db.shop.svc:5432', 'Rotates in 30 days']) expect(first).toContain(text);
    expect(await items.nth(0).locator('dbw-posture summary').innerText()).toBe('Posture 5/7');
    expect(await items.nth(1).innerText()).toContain('Not ready: ConnectionNotReady');
    await items.nth(1).getByRole('button', { name: /^broken in shop/ }).click();
    expect(await events('dbw-select')).toEqual([{ namespace: 'shop', name: 'broken' }]);
    await mount('dbw-policy-list', { policies: [], connections: [] });
    expect(await page.locator('dbw-policy-list [data-empty]').innerText()).toContain('dbwarden-console-user');
  });
});

describe('dbw-verdict', () => {
  it('says in plain words that the guard refused every attempt and nothing ran', async () => {
    const answer: Answer = {
      conversationId: 'c', question: 'q', model: 'm', sql: 'DELETE FROM public.orders', explanation: '', result: null,
      attempts: [{ sql: 'DELETE FROM public.orders', error: { code: 'guard_rejected', message: 'This policy is read-only.' } }],
      error: { code: 'guard_rejected', message: 'The model did not write a query that passes the guard.' },
    };
    await mount('dbw-verdict', { answer });
    const alert = page.locator('dbw-verdict [role="alert"]');
    expect(await alert.innerText()).toContain('Refused: the SQL guard did not let this run');
    expect(await alert.innerText()).toContain('Attempt 1: Refused by the SQL guard. This policy is read-only.');
    await mount('dbw-verdict', { answer: { ...answer, error: null, result: { columns: [], rows: [], rowCount: 0, truncated: false, durationMs: 1 } } });
    expect(await page.locator('dbw-verdict [data-code="retried"]').innerText()).toContain('refused 1 earlier attempt; the SQL shown passed');
  });
});

describe('dbw-sign-in', () => {
  it('hands over the pasted token (without "Bearer"), clears the field and keeps the choice to remember', async () => {
    await mount('dbw-sign-in');
    const field = page.getByLabel('Kubernetes bearer token');
    expect(await field.getAttribute('type')).toBe('password');
    await field.fill('Bearer abc.def');
    await page.getByLabel(/Keep me signed in/).check();
    await field.press('Enter');
    expect(await events('dbw-sign-in')).toEqual([{ token: 'abc.def', remember: true }]);
    expect(await field.inputValue()).toBe('');
  });
});

describe('dbw-schema-browser (API answered by the test)', () => {
  it('lists the tables and columns the policy can see, and previews one in the SQL editor', async () => {
    await page.route('**/api/v1/namespaces/shop/policies/readonly/schema', (route) => {
      expect(route.request().headers().authorization).toBe('Bearer component-test-token');
      return json(route, 200, { namespace: 'shop', policy: 'readonly', engine: 'postgres', database: 'shop', tables: [
        { schema: 'public', name: 'orders', columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'total', type: 'numeric', nullable: false }] },
        { schema: 'public', name: 'products', columns: [{ name: 'name', type: 'text', nullable: true }] },
      ] });
    });
    await mount('dbw-schema-browser', { policy: { namespace: 'shop', name: 'readonly' } }, true);
    const tables = page.locator('dbw-schema-browser li[data-table]');
    await expect.poll(() => tables.count()).toBe(2);
    await tables.nth(0).locator('summary').click();
    expect(await page.getByRole('list', { name: 'Columns of orders' }).innerText()).toBe('id\ninteger not null\ntotal\nnumeric not null');
    await page.getByRole('button', { name: 'Preview products in the SQL editor' }).click();
    expect(await events('dbw-use-sql')).toEqual(['SELECT * FROM public.products LIMIT 100']);
  });

  it('shows the API\'s refusal', async () => {
    await page.route('**/schema', (route) => json(route, 403, { error: { code: 'forbidden', message: 'alice may not query AccessPolicy shop/readonly' } }));
    await mount('dbw-schema-browser', { policy: { namespace: 'shop', name: 'readonly' } }, true);
    const alert = page.locator('dbw-schema-browser dbw-problem [role="alert"]');
    await alert.waitFor();
    expect(await alert.innerText()).toContain('Not allowed');
    expect(await alert.innerText()).toContain('dbwarden-console-user');
  });
});

describe('dbw-sql-panel (API answered by the test)', () => {
  it('runs with Ctrl+Enter, shows a guard refusal, asks to confirm a write without WHERE, and records history', async () => {
    const bodies: unknown[] = [];
    await page.route('**/query', (route) => {
      const body = route.request().postDataJSON() as { sql: string; confirm?: boolean };
      bodies.push(body);
      if (body.sql.startsWith('DROP')) return json(route, 422, { error: { code: 'guard_rejected', message: 'Only SELECT statements are allowed, not DROP.' } });
      if (!body.confirm) return json(route, 422, { error: { code: 'confirmation_required', message: 'This UPDATE has no WHERE clause.' } });
      return json(route, 200, { columns: [], rows: [], rowCount: 12, truncated: false, durationMs: 5 });
    });
    await mount('dbw-sql-panel', { policy: { ...policy, access: 'read-write' } }, true);
    const editor = page.getByLabel('SQL for readonly');
    await editor.fill('DROP TABLE orders');
    await editor.press('Control+Enter');
    const problem = page.locator('dbw-problem [role="alert"]');
    await expect.poll(() => problem.getAttribute('data-code')).toBe('guard_rejected');
    expect(await problem.innerText()).toContain('Only SELECT statements are allowed, not DROP.');
    await editor.fill('UPDATE orders SET status = status');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByRole('button', { name: 'Run it anyway, changing every row' }).click();
    await expect.poll(() => page.locator('dbw-result-view').getByRole('status').innerText()).toContain('12 rows changed');
    expect(bodies).toEqual([{ sql: 'DROP TABLE orders' }, { sql: 'UPDATE orders SET status = status' }, { sql: 'UPDATE orders SET status = status', confirm: true }]);
    expect((await events('dbw-history')).map((e) => (e as { outcome: string }).outcome)).toEqual(['refused', 'error', 'ok']);
  });

  it('shows progress against the statement timeout and cancels the request', async () => {
    let aborted = false;
    page.once('requestfailed', (request) => {
      aborted = request.url().endsWith('/query') && /ABORTED/i.test(request.failure()?.errorText ?? '');
    });
    await page.route('**/query', async (route) => {
      await new Promise((r) => setTimeout(r, 3000));
      await json(route, 200, { columns: [], rows: [], rowCount: 0, truncated: false, durationMs: 3000 }).catch(() => undefined);
    });
    await mount('dbw-sql-panel', { policy }, true);
    await page.getByLabel('SQL for readonly').fill('SELECT 1');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const progress = page.locator('dbw-progress');
    await progress.waitFor();
    expect(await progress.locator('.time').innerText()).toContain('of at most 15.0 s');
    expect(await progress.getByRole('progressbar').getAttribute('max')).toBe('15000');
    await progress.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('dbw-problem').getByText('Cancelled.').waitFor();
    await expect.poll(() => aborted, { timeout: 5000 }).toBe(true);
  });
});

describe('dbw-ask-panel (API answered by the test)', () => {
  it('explains how to enable AI when no model is configured', async () => {
    await mount('dbw-ask-panel', { policy, info: { ai: { enabled: false, model: null, hint: 'Set OPENAI_API_KEY and restart.' } } }, true);
    expect(await page.locator('dbw-ask-panel [data-ai-disabled]').innerText()).toContain('Set OPENAI_API_KEY and restart.');
  });

  it('shows the model\'s SQL and explanation with the rows, and continues the conversation', async () => {
    const asked: unknown[] = [];
    await page.route('**/ask', (route) => {
      asked.push(route.request().postDataJSON());
      return json(route, 200, {
        conversationId: '0f6f2a4e-7c1c-4c57-8f0e-000000000001', question: 'q', model: 'test-model', sql: 'SELECT category, count(*) AS n FROM public.products GROUP BY category',
        explanation: 'Products per category.', attempts: [], error: null,
        result: { columns: [{ name: 'category', type: 'text' }, { name: 'n', type: 'int8' }], rows: [['books', '8'], ['toys', '8']], rowCount: 2, truncated: false, durationMs: 4 },
      } satisfies Answer);
    });
    await mount('dbw-ask-panel', { policy, info: aiOn }, true);
    await page.getByLabel('Ask a question about readonly').fill('How many products per category?');
    await page.getByRole('button', { name: 'Ask', exact: true }).click();
    await expect.poll(() => page.locator('dbw-result-table tbody tr').count()).toBe(2);
    expect(await page.locator('.explanation').innerText()).toBe('test-model:Products per category.');
    await page.getByLabel('Ask a question about readonly').fill('And only books?');
    await page.getByLabel('Ask a question about readonly').press('Control+Enter');
    await expect.poll(() => asked.length).toBe(2);
    expect(asked).toEqual([{ question: 'How many products per category?' }, { question: 'And only books?', conversationId: '0f6f2a4e-7c1c-4c57-8f0e-000000000001' }]);
    await screenshot(page, 'component-ask-panel');
  });
});

describe('dbw-app (API answered by the test)', () => {
  it('signs in, rejects an expired token with a clear message, and moves between tabs with the arrow keys', async () => {
    let valid = false;
    await page.route('**/api/v1/**', (route) => {
      if (!valid) return json(route, 401, { error: { code: 'unauthenticated', message: 'The token was not accepted.' } });
      const path = new URL(route.request().url()).pathname;
      if (path === '/api/v1/me') return json(route, 200, { username: 'alice', groups: [] });
      if (path === '/api/v1/info') return json(route, 200, aiOn);
      if (path === '/api/v1/policies') return json(route, 200, { items: [policy] });
      if (path === '/api/v1/connections') return json(route, 200, { items: [connection] });
      return json(route, 200, { namespace: 'shop', policy: 'readonly', engine: 'postgres', database: 'shop', tables: [] });
    });
    await page.evaluate(() => sessionStorage.clear());
    await mount('dbw-app');
    await page.getByLabel('Kubernetes bearer token').fill('expired');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The token was not accepted: it is invalid or has expired').waitFor();
    valid = true;
    await page.getByLabel('Kubernetes bearer token').fill('good');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in as').waitFor();
    const askTab = page.getByRole('tab', { name: 'Ask' });
    await askTab.focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'SQL' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.getByRole('tabpanel', { name: 'SQL' }).isVisible()).toBe(true);
    await page.keyboard.press('End');
    expect(await page.getByRole('tab', { name: /History/ }).getAttribute('aria-selected')).toBe('true');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Kubernetes bearer token').waitFor();
  });

  it('logged no errors in the page', () => {
    expect(browser.errors.filter((e) => !/Failed to load resource: the server responded with a status of (401|403|422)/.test(e))).toEqual([]);
  });
});
