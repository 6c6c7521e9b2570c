/**
 * The console's web app end to end, in real Chromium: the built page served by the real console server,
 * which authenticates with the real API server, reads the policies the real operator provisioned, and runs
 * queries in PostgreSQL as the policies' users; the model is the fake OpenAI-compatible server. Screenshots
 * of the main screens go to test-results/screenshots/.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../console/server/logger.js';
import { startConsole, type RunningConsole } from '../../console/server/server.js';
import { ensureWebBuild } from '../../hack/demo/web-build.js';
import { answer } from '../fake-openai/server.js';
import { launchBrowser, narrow, screenshot, type TestBrowser } from '../support/browser.js';
import { startHarness, testConsoleConfig, type ConsoleHarness } from './console-harness.js';

let h: ConsoleHarness;
let browser: TestBrowser;
let page: Page;

/** Everything the page holds: the light DOM, every shadow root, form values and storage. */
async function pageText(p: Page): Promise<string> {
  return p.evaluate(() => {
    const parts: string[] = [location.href, JSON.stringify({ ...sessionStorage }), JSON.stringify({ ...localStorage }), document.cookie];
    const walk = (root: Document | ShadowRoot): void => {
      for (const el of root.querySelectorAll('*')) {
        if (el.shadowRoot) {
          parts.push(el.shadowRoot.innerHTML);
          walk(el.shadowRoot);
        }
        if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) parts.push(el.value);
      }
    };
    parts.push(document.documentElement.outerHTML);
    walk(document);
    return parts.join('\n');
  });
}

async function signIn(p: Page, token: string, remember = false): Promise<void> {
  await p.goto(h.console.url);
  await p.getByLabel('Kubernetes bearer token').fill(token);
  if (remember) await p.getByLabel(/Keep me signed in/).check();
  await p.getByRole('button', { name: 'Sign in' }).click();
}

const policyItem = (p: Page, name: string) => p.locator(`dbw-policy-list li[data-policy$="/${name}"]`);
const resultRows = (p: Page) => p.locator('dbw-result-table:visible tbody tr');

async function runSql(p: Page, sql: string): Promise<void> {
  await p.getByRole('tab', { name: 'SQL' }).click();
  await p.getByLabel('SQL for readonly').fill(sql);
  await p.getByRole('button', { name: 'Run', exact: true }).click();
}

beforeAll(async () => {
  await ensureWebBuild();
  h = await startHarness({
    engine: 'postgres',
    policies: {
      readonly: { connectionRef: { name: 'shop' }, access: 'read-only', tables: [{ name: 'products' }, { name: 'orders' }], console: { enabled: true, rowLimit: 5000, statementTimeout: '20s' } },
      'no-emails': {
        connectionRef: { name: 'shop' },
        tables: [{ name: 'users', columns: ['id', 'full_name', 'created_at'] }, { name: 'orders', columns: ['id', 'customer_id', 'total', 'status', 'created_at'] }],
        console: { enabled: true },
      },
    },
  });
  browser = await launchBrowser();
  page = await browser.page();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
}, 120_000);

describe('console web app (PostgreSQL shop, real Chromium)', () => {
  it('signs in with a pasted token, kept in memory only and shown nowhere in the page', async () => {
    await page.goto(h.console.url);
    await page.getByLabel('Kubernetes bearer token').waitFor();
    await screenshot(page, 'sign-in-1280x800');
    await signIn(page, h.tokens.alice);
    await expect.poll(() => page.locator('[data-user]').textContent()).toContain(`system:serviceaccount:${h.namespace}:alice`);
    await policyItem(page, 'readonly').waitFor();
    const text = await pageText(page);
    expect(text).not.toContain(h.tokens.alice);
    expect(text).not.toContain(h.tokens.alice.slice(0, 40));
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('lists the policies with engine, host, Ready, posture (failing checks explained), access and next rotation', async () => {
    for (const name of ['readonly', 'no-emails']) {
      const item = policyItem(page, name);
      const text = await item.innerText();
      expect(text).toContain('PostgreSQL');
      expect(text).toContain('read-only');
      expect(text).toContain('Ready');
      expect(text).toContain(`${h.db.host}:${h.db.port}`);
      expect(text).toMatch(/Rotates in \d+ days/);
    }
    const connection = (await h.api(h.tokens.alice).get<{ items: Array<{ posture: { passed: number; total: number; checks: Array<{ name: string; passed: boolean; message: string }> } }> }>('/api/v1/connections')).body.items[0]!;
    const badge = policyItem(page, 'readonly').locator('dbw-posture summary');
    expect(await badge.innerText()).toBe(`Posture ${connection.posture.passed}/${connection.posture.total}`);
    await badge.click();
    const failing = connection.posture.checks.filter((c) => !c.passed);
    expect(failing.length).toBeGreaterThan(0);
    const explained = await policyItem(page, 'readonly').getByRole('list', { name: 'Failing checks' }).innerText();
    for (const check of failing) expect(explained).toContain(check.message);
    await screenshot(page, 'policies-posture-1280x800');
    await badge.click();
  });

  it('shows the read-only policy\'s schema: products and orders only', async () => {
    await policyItem(page, 'readonly').getByRole('button', { name: /^readonly in/ }).click();
    const tables = page.locator('dbw-schema-browser li[data-table]');
    await expect.poll(() => tables.evaluateAll((els) => els.map((e) => e.getAttribute('data-table')))).toEqual(['orders', 'products']);
    const schema = await page.locator('dbw-schema-browser').innerText();
    expect(schema).not.toMatch(/users|payments|email/);
    await page.locator('dbw-schema-browser li[data-table="products"] summary').click();
    const columns = await page.getByRole('list', { name: 'Columns of products' }).innerText();
    for (const c of ['id', 'name', 'category', 'price', 'stock']) expect(columns).toContain(c);
  });

  it('asks a question (keyboard only) and shows the model\'s SQL highlighted, its explanation and the right rows', async () => {
    h.fake.reset();
    h.fake.reply(answer('SELECT id, name, price FROM public.products WHERE id IN (1, 2, 3) ORDER BY id', 'The first three products with their prices.'));
    const question = page.getByLabel('Ask a question about readonly');
    await question.focus();
    await page.keyboard.type('What do the first three products cost?');
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => resultRows(page).count(), { timeout: 20_000 }).toBe(3);
    const rows = await resultRows(page).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(1, 3).map((td) => td.textContent?.trim())));
    const expected = await h.db.superQuery<{ id: number; name: string }>('SELECT id, name FROM products WHERE id IN (1, 2, 3) ORDER BY id');
    expect(rows).toEqual(expected.map((r) => [String(r.id), r.name]));
    expect(await page.locator('dbw-ask-panel .explanation').innerText()).toContain('The first three products with their prices.');
    const editor = page.locator('dbw-ask-panel dbw-sql-editor');
    expect(await editor.locator('textarea').inputValue()).toBe('SELECT id, name, price FROM public.products WHERE id IN (1, 2, 3) ORDER BY id');
    expect(await editor.locator('pre .keyword').allInnerTexts()).toEqual(expect.arrayContaining(['SELECT', 'FROM', 'WHERE', 'ORDER', 'BY']));
    expect(JSON.stringify(h.fake.requests[0]?.body.messages)).toContain('What do the first three products cost?');
    await screenshot(page, 'ask-1280x800');

    // The SQL is editable; the edit runs through the same guard.
    await editor.locator('textarea').fill('SELECT id, name FROM public.products WHERE id = 7');
    await page.getByRole('button', { name: 'Run edited SQL' }).click();
    await expect.poll(() => resultRows(page).count()).toBe(1);
    expect(await resultRows(page).first().innerText()).toContain('Product 7');
  });

  it('refuses a malicious model answer, explains why in plain words, and runs nothing', async () => {
    h.fake.reset();
    h.fake.reply(answer('DELETE FROM public.orders', 'Deletes the orders.'), answer('UPDATE public.orders SET total = 0'), answer('SELECT * FROM public.payments'));
    await page.getByLabel('Ask a question about readonly').fill('Delete every order');
    await page.getByRole('button', { name: 'Ask', exact: true }).click();
    const verdict = page.locator('dbw-verdict [role="alert"]');
    await verdict.waitFor({ timeout: 20_000 });
    const text = await verdict.innerText();
    expect(text).toContain('Refused: the SQL guard did not let this run');
    expect(text).toContain('nothing was run');
    expect(text).toMatch(/read-only/);
    expect(text).toContain('payments is not part of this policy');
    expect(await verdict.getAttribute('data-code')).toBe('guard_rejected');
    expect(await page.locator('dbw-ask-panel dbw-result-view').count()).toBe(0);
    expect(h.fake.requests).toHaveLength(3);
    expect(Number((await h.db.superQuery<{ n: string }>('SELECT count(*) AS n FROM orders WHERE total > 0'))[0]?.n)).toBe(1000);
    await screenshot(page, 'ask-refused-1280x800');
  });

  it('runs typed SQL through the same guard and explains a refusal', async () => {
    await runSql(page, 'DELETE FROM public.orders');
    const problem = page.locator('dbw-sql-panel dbw-problem [role="alert"]');
    await problem.waitFor();
    expect(await problem.getAttribute('data-code')).toBe('guard_rejected');
    expect(await problem.innerText()).toContain('Refused by the SQL guard');
  });

  it('exports the result as CSV', async () => {
    await runSql(page, 'SELECT id, name, price FROM public.products WHERE id <= 3 ORDER BY id');
    await expect.poll(() => resultRows(page).count()).toBe(3);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('dbw-sql-panel').getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`${h.namespace}-readonly.csv`);
    const csv = readFileSync(await download.path(), 'utf8');
    const prices = await h.db.superQuery<{ price: string }>('SELECT price FROM products WHERE id <= 3 ORDER BY id');
    expect(csv).toBe(`id,name,price\r\n${prices.map((p, i) => `${i + 1},Product ${i + 1},${p.price}`).join('\r\n')}\r\n`);
  });

  it('draws a bar chart from a result with a category and numbers', async () => {
    await runSql(page, 'SELECT category, count(*) AS products, round(avg(price), 2) AS avg_price FROM public.products GROUP BY category ORDER BY category');
    await expect.poll(() => resultRows(page).count()).toBe(5);
    await page.locator('dbw-sql-panel').getByRole('button', { name: 'Bar chart' }).click();
    const chart = page.locator('dbw-sql-panel dbw-result-chart');
    await expect.poll(() => chart.getAttribute('data-points')).toBe('5');
    const painted = await chart.locator('canvas').evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let coloured = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 0 && !(data[i]! > 240 && data[i + 1]! > 240 && data[i + 2]! > 240)) coloured++;
      return coloured;
    });
    expect(painted).toBeGreaterThan(2000);
    expect(await chart.locator('canvas').getAttribute('aria-label')).toBe('Bar chart of products, avg_price by category, 5 points');
    await screenshot(page, 'chart-1280x800');
  });

  it('pages through thousands of rows and says when the row limit cut the result', async () => {
    await runSql(page, 'SELECT o.id AS order_id, p.name, o.total FROM public.orders o CROSS JOIN public.products p ORDER BY o.id, p.id');
    const notice = page.locator('dbw-sql-panel [data-truncated]');
    await notice.waitFor({ timeout: 20_000 });
    expect(await notice.innerText()).toContain('Only the first 5,000 rows are shown');
    expect(await resultRows(page).count()).toBe(100);
    const nav = page.locator('dbw-sql-panel').getByRole('navigation', { name: 'Result pages' });
    expect(await nav.innerText()).toContain('Rows 1–100 of 5,000');
    await nav.getByRole('button', { name: 'Next' }).click();
    expect(await nav.innerText()).toContain('Rows 101–200 of 5,000');
    expect(await resultRows(page).first().locator('td').first().innerText()).toBe('101');
    await screenshot(page, 'sql-thousands-1280x800');
  });

  it('cancels a long query', async () => {
    await runSql(page, 'SELECT count(*) FROM public.orders a, public.orders b, public.orders c');
    const progress = page.locator('dbw-sql-panel dbw-progress');
    await progress.waitFor();
    await page.keyboard.press('Escape');
    await page.locator('dbw-sql-panel dbw-problem').getByText('Cancelled. Nothing more will be shown').waitFor();
    expect(await progress.count()).toBe(0);
  });

  it('keeps this tab\'s history in memory and puts a question back', async () => {
    await page.getByRole('tab', { name: /History/ }).click();
    const history = page.getByRole('list', { name: 'History, newest first' });
    const text = await history.innerText();
    expect(text).toContain('What do the first three products cost?');
    expect(text).toContain('Delete every order');
    expect(text).toContain('cancelled');
    await history.locator('li', { hasText: 'What do the first three products cost?' }).getByRole('button', { name: 'Ask again' }).click();
    expect(await page.getByLabel('Ask a question about readonly').inputValue()).toBe('What do the first three products cost?');
  });

  it('works on a narrow screen', async () => {
    const small = await browser.page(narrow);
    await signIn(small, h.tokens.alice);
    await policyItem(small, 'readonly').getByRole('button', { name: /^readonly in/ }).click();
    await small.locator('dbw-schema-browser li[data-table="orders"]').waitFor();
    h.fake.reset();
    h.fake.reply(answer('SELECT status, count(*) AS orders FROM public.orders GROUP BY status ORDER BY status', 'Orders per status.'));
    await small.getByLabel('Ask a question about readonly').fill('How many orders per status?');
    await small.getByRole('button', { name: 'Ask', exact: true }).click();
    await expect.poll(() => resultRows(small).count(), { timeout: 20_000 }).toBe(4);
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(narrow.width);
    await screenshot(small, 'ask-narrow-390');
    await small.close();
  });

  it('signs out: the token, history and results are gone, also after a reload', async () => {
    await signIn(page, h.tokens.alice, true);
    await policyItem(page, 'readonly').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
    await page.reload();
    await policyItem(page, 'readonly').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Kubernetes bearer token').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.reload();
    await page.getByLabel('Kubernetes bearer token').waitFor();
    expect(await pageText(page)).not.toContain(h.tokens.alice.slice(0, 40));
  });

  it('refuses a bad token, and shows nothing to a user without RBAC', async () => {
    await signIn(page, 'not-a-token');
    await page.getByText('The token was not accepted').waitFor();
    await signIn(page, h.tokens.bob);
    const empty = page.locator('dbw-policy-list [data-empty]');
    await empty.waitFor();
    expect(await empty.innerText()).toContain('No policies to query');
    expect(await page.locator('dbw-schema-browser').count()).toBe(0);
    expect(await page.locator('dbw-workspace').count()).toBe(0);
    await screenshot(page, 'no-rbac-1280x800');
    await page.getByRole('button', { name: 'Sign out' }).click();
  });

  it('explains how to enable AI when the console has no model, and still runs SQL', async () => {
    let plain: RunningConsole | undefined;
    try {
      plain = await startConsole({ config: testConsoleConfig(undefined), kubeConfig: h.consoleKubeConfig, log: createLogger('silent') });
      await page.goto(plain.url);
      await page.getByLabel('Kubernetes bearer token').fill(h.tokens.alice);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await policyItem(page, 'readonly').getByRole('button', { name: /^readonly in/ }).click();
      const disabled = page.locator('dbw-ask-panel [data-ai-disabled]');
      await disabled.waitFor();
      expect(await disabled.innerText()).toContain('OPENAI_API_KEY');
      await screenshot(page, 'ai-disabled-1280x800');
      await runSql(page, 'SELECT count(*) AS n FROM public.products');
      await expect.poll(() => resultRows(page).first().innerText()).toContain('40');
    } finally {
      await plain?.close();
    }
  });

  // The API's refusals (401 bad token, 422 guard, 400 cancelled statement) are logged by Chromium as failed loads.
  it('logged no errors in the page', () => {
    expect(browser.errors.filter((e) => !/Failed to load resource: the server responded with a status of (400|401|422)/.test(e))).toEqual([]);
  });
});
