/**
 * Write previews in the web app, end to end in real Chromium: the built page served by the real console, the
 * real API server and operator, PostgreSQL or MariaDB, and the fake OpenAI-compatible server as the model. A
 * model's UPDATE and a typed one are shown as previews; nothing changes until Confirm, the count shown is what
 * the database then changes, Cancel changes nothing, a confirmation after the rows changed is refused and
 * previewed again, and a read-only policy never offers Confirm. Screenshots go to test-results/screenshots/.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuild } from '../../hack/demo/web-build.js';
import { answer } from '../fake-openai/server.js';
import { launchBrowser, screenshot, type TestBrowser } from '../support/browser.js';
import { eventually } from '../support/kube.js';
import type { EngineName } from '../support/shop-db.js';
import { startHarness, type ConsoleHarness } from './console-harness.js';

export function webPreviewsScenario(engine: EngineName): void {
  let h: ConsoleHarness;
  let browser: TestBrowser;
  let page: Page;
  const products = engine === 'postgres' ? 'public.products' : 'products';
  const shot = (name: string): Promise<string> => screenshot(page, `preview-${name}-${engine}`);
  const ids = async (where: string): Promise<number[]> =>
    (await h.db.superQuery<{ id: number }>(`SELECT id FROM ${products} WHERE ${where} ORDER BY id`)).map((r) => Number(r.id));
  const preview = (panel: 'ask' | 'sql'): Locator => page.locator(`dbw-${panel}-panel dbw-write-preview section`);
  const auditOf = (previewId: string): Array<Record<string, unknown>> =>
    h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.audit === true && l.previewId === previewId);

  async function choose(policy: string): Promise<void> {
    await page.locator(`dbw-policy-list li[data-policy$="/${policy}"]`).getByRole('button', { name: new RegExp(`^${policy} in`) }).click();
    await page.locator('dbw-workspace h2', { hasText: policy }).waitFor();
  }

  async function ask(policy: string, question: string): Promise<void> {
    await page.getByRole('tab', { name: 'Ask' }).click();
    const box = page.getByLabel(`Ask a question about ${policy}`);
    await box.fill(question);
    await box.press('Control+Enter');
  }

  async function typeSql(policy: string, sql: string): Promise<void> {
    await page.getByRole('tab', { name: 'SQL' }).click();
    await page.getByLabel(`SQL for ${policy}`).fill(sql);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
  }

  /** The sample's values in one column, as the page tells them (an UPDATE's changed cells as "was old → becomes new"). */
  const sampleColumn = (section: Locator, column: string): Promise<string[]> =>
    section.locator('table').evaluate((table, name) => {
      const at = [...table.querySelectorAll('thead th')].findIndex((th) => th.getAttribute('data-column') === name);
      return [...table.querySelectorAll('tbody tr')].map((tr) => (tr.children[at]?.textContent ?? '').replace(/\s+/g, ' ').trim());
    }, column);

  beforeAll(async () => {
    await ensureWebBuild();
    h = await startHarness({
      engine,
      policies: {
        readonly: { connectionRef: { name: 'shop' }, access: 'read-only', tables: [{ name: 'products' }], console: { enabled: true } },
        editor: { connectionRef: { name: 'shop' }, access: 'read-write', tables: [{ name: 'products' }], console: { enabled: true } },
      },
    });
    browser = await launchBrowser();
    page = await browser.page();
    await page.goto(h.console.url);
    await page.getByLabel('Kubernetes bearer token').fill(h.tokens.alice);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('dbw-policy-list li[data-policy$="/editor"]').waitFor();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  }, 120_000);

  describe(`${engine}: write previews in the web app (real Chromium)`, () => {
    const where = 'category = \'garden\' AND id > 25';
    const update = `UPDATE ${products} SET category = 'x' WHERE ${where}`;

    it('the model proposes an UPDATE: nothing changes until Confirm, and the count shown is what the database changes', async () => {
      const matching = await ids(where);
      expect(matching.length).toBeGreaterThan(1);
      try {
        await choose('editor');
        h.fake.reset();
        h.fake.reply(answer(update, 'Renames the category of the last garden products.'));
        await ask('editor', 'Rename the category of the last garden products to x');
        const section = preview('ask');
        await section.waitFor({ timeout: 20_000 });
        expect(await section.getByRole('heading').innerText()).toBe(`Preview: this UPDATE would change ${matching.length} rows of ${engine === 'postgres' ? 'public' : h.db.database}.products`);
        expect(await section.locator('[data-count]').innerText()).toBe(`${matching.length} rows would be changed.`);
        expect(await section.getByLabel('The statement to run').innerText()).toBe(update);
        expect((await sampleColumn(section, 'id')).map(Number)).toEqual(matching);
        expect(await sampleColumn(section, 'category')).toEqual(matching.map(() => 'was garden → becomes x'));
        expect(await section.locator('[data-expiry]').innerText()).toMatch(/Confirm before/);
        await shot('ask');
        // Previewed, not run: the database is as it was.
        expect(await ids('category = \'x\'')).toEqual([]);
        expect(await ids(where)).toEqual(matching);

        await section.getByRole('button', { name: `Confirm UPDATE of ${matching.length} rows` }).click();
        const done = section.locator('[data-done]');
        await done.waitFor();
        expect(await done.innerText()).toContain(`changed ${matching.length} rows`);
        expect(await ids('category = \'x\'')).toEqual(matching);
        expect(await ids(where)).toEqual([]);
        await shot('ask-confirmed');
      } finally {
        await h.db.superQuery(`UPDATE ${products} SET category = 'garden' WHERE category = 'x'`);
      }
    });

    it('Cancel changes nothing, and the preview is never run', async () => {
      const before = await h.db.superQuery(`SELECT id, category FROM ${products} ORDER BY id`);
      h.fake.reset();
      h.fake.reply(answer(update, 'Renames the category.'));
      await ask('editor', 'Rename the garden products again');
      const section = preview('ask');
      await section.locator('[data-count]').waitFor({ timeout: 20_000 });
      const previewId = await eventually('the preview\'s audit record', () => h.logs
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.audit === true && l.phase === 'preview' && l.question === 'Rename the garden products again')?.previewId as string | undefined, 5_000);
      await section.getByRole('button', { name: 'Cancel' }).click();
      const discarded = page.locator('dbw-ask-panel dbw-write-preview [data-discarded]');
      expect(await discarded.innerText()).toBe('Cancelled: the preview was discarded and nothing was changed.');
      await shot('ask-cancelled');
      expect(await h.db.superQuery(`SELECT id, category FROM ${products} ORDER BY id`)).toEqual(before);
      expect(auditOf(previewId).map((r) => r.phase)).toEqual(['preview']);
      expect(await page.locator('dbw-ask-panel').getByRole('button', { name: /^Confirm/ }).count()).toBe(0);
    });

    it('typed SQL: a confirmation after the rows changed is refused, previewed again, then confirmed', async () => {
      const sql = `UPDATE ${products} SET stock = stock + 1 WHERE id IN (3, 4)`;
      const stock = async (): Promise<number[]> => (await h.db.superQuery<{ stock: number }>(`SELECT stock FROM ${products} WHERE id IN (3, 4) ORDER BY id`)).map((r) => Number(r.stock));
      const was = await stock();
      await typeSql('editor', sql);
      const section = preview('sql');
      await section.locator('[data-count]').waitFor();
      expect(await section.locator('[data-count]').innerText()).toBe('2 rows would be changed.');
      expect(await sampleColumn(section, 'stock')).toEqual(was.map((n) => `was ${n} → becomes ${n + 1}`));
      await h.db.superQuery(`UPDATE ${products} SET stock = stock + 5 WHERE id = 3`);
      await section.getByRole('button', { name: 'Confirm UPDATE of 2 rows' }).click();
      const problem = section.locator('dbw-problem [role="alert"]');
      await expect.poll(() => problem.getAttribute('data-code')).toBe('preview_stale');
      expect(await problem.innerText()).toContain('The rows changed since the preview');
      expect(await stock()).toEqual([was[0]! + 5, was[1]!]);
      await shot('sql-stale');

      await section.getByRole('button', { name: 'Preview again' }).click();
      await expect.poll(() => sampleColumn(section, 'stock')).toEqual([`was ${was[0]! + 5} → becomes ${was[0]! + 6}`, `was ${was[1]!} → becomes ${was[1]! + 1}`]);
      await page.keyboard.press('Enter');
      await section.locator('[data-done]').waitFor();
      expect(await section.locator('[data-done]').innerText()).toContain('changed 2 rows');
      expect(await stock()).toEqual([was[0]! + 6, was[1]! + 1]);
      await h.db.superQuery(`UPDATE ${products} SET stock = stock - 6 WHERE id = 3`);
      await h.db.superQuery(`UPDATE ${products} SET stock = stock - 1 WHERE id = 4`);
    });

    it('a read-only policy shows no write preview and no Confirm, from the model or typed', async () => {
      await choose('readonly');
      h.fake.reset();
      h.fake.reply(answer(update), answer(update), answer(update));
      await ask('readonly', 'Rename the category of the last garden products to x');
      const verdict = page.locator('dbw-ask-panel dbw-verdict [role="alert"]');
      await verdict.waitFor({ timeout: 20_000 });
      expect(await verdict.getAttribute('data-code')).toBe('guard_rejected');
      await typeSql('readonly', update);
      await expect.poll(() => page.locator('dbw-sql-panel dbw-problem [role="alert"]').getAttribute('data-code')).toBe('guard_rejected');
      expect(await page.locator('dbw-write-preview').count()).toBe(0);
      expect(await page.getByRole('button', { name: /^Confirm/ }).count()).toBe(0);
      await shot('read-only');
      expect(await ids('category = \'x\'')).toEqual([]);
    });

    // The API's answers on purpose (409 preview_required and preview_stale, 422 guard) are logged by Chromium as failed loads.
    it('logged no errors in the page', () => {
      expect(browser.errors.filter((e) => !/Failed to load resource: the server responded with a status of (409|422)/.test(e))).toEqual([]);
    });
  });
}
