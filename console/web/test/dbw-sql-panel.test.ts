/** <dbw-sql-panel> in real Chromium (see component-page.ts). */
import { describe, expect, it } from 'vitest';
import { events, json, mount, page, useComponentPage } from './component-page.js';
import { policy } from './samples.js';

useComponentPage();

describe('dbw-sql-panel', () => {
  it('runs with Ctrl+Enter, shows a guard refusal, shows a write\'s preview with Confirm, and records history', async () => {
    const bodies: unknown[] = [];
    await page.route('**/query', (route) => {
      const body = route.request().postDataJSON() as { sql: string };
      bodies.push(body);
      if (body.sql.startsWith('DROP')) return json(route, 422, { error: { code: 'guard_rejected', message: 'Only SELECT statements are allowed, not DROP.' } });
      if (body.sql.startsWith('UPDATE')) {
        return json(route, 409, {
          error: { code: 'preview_required', message: 'This UPDATE would change 12 rows of public.orders; nothing has changed yet.' },
          preview: { previewId: 'p1', kind: 'update', table: 'public.orders', rowCount: 12, before: { columns: [], rows: [], truncated: true },
            after: { columns: [], rows: [], truncated: true }, token: 'a.b', expiresAt: new Date(Date.now() + 300_000).toISOString() },
        });
      }
      return json(route, 200, { columns: [{ name: 'one', type: 'int4' }], rows: [[1]], rowCount: 1, truncated: false, durationMs: 5 });
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
    const preview = page.locator('dbw-sql-panel dbw-write-preview section');
    await preview.waitFor();
    expect(await preview.getByRole('heading').innerText()).toBe('Preview: this UPDATE would change 12 rows of public.orders');
    expect(await preview.getByRole('button', { name: 'Confirm UPDATE of 12 rows' }).count()).toBe(1);
    expect(await problem.count()).toBe(0);
    await editor.fill('SELECT 1 AS one');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => page.locator('dbw-result-view').count()).toBe(1);
    expect(bodies).toEqual([{ sql: 'DROP TABLE orders' }, { sql: 'UPDATE orders SET status = status' }, { sql: 'SELECT 1 AS one' }]);
    expect((await events('dbw-history')).map((e) => `${(e as { outcome: string }).outcome}: ${(e as { detail: string }).detail}`))
      .toEqual(['refused: Refused by the SQL guard', 'ok: UPDATE previewed: 12 rows, not run yet', 'ok: 1 rows']);
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
