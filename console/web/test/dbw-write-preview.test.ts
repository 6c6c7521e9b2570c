/** <dbw-write-preview> in real Chromium (see component-page.ts). */
import { describe, expect, it } from 'vitest';
import { desktop, narrow, screenshot } from '../../../test/support/browser.js';
import { events, json, mount, page, useComponentPage } from './component-page.js';
import { policy, updatePreview, writer } from './samples.js';

useComponentPage();

const sql = 'UPDATE products SET category = \'x\' WHERE category = \'garden\' AND id > 25';
const el = () => page.locator('dbw-write-preview');
const confirmButton = () => el().getByRole('button', { name: /^Confirm UPDATE/ });
const changed = { columns: [], rows: [], rowCount: 3, truncated: false, durationMs: 7 };
const outcomes = async (): Promise<string[]> => (await events('dbw-history')).map((e) => `${(e as { outcome: string }).outcome}: ${(e as { detail: string }).detail}`);

describe('dbw-write-preview', () => {
  it('shows the SQL, the count, the rows before and after and the expiry; Confirm sends the statement with its token', async () => {
    const bodies: unknown[] = [];
    await page.route('**/query', (route) => {
      bodies.push(route.request().postDataJSON());
      return json(route, 200, { ...changed, previewId: 'pv-1' });
    });
    await mount('dbw-write-preview', { policy: writer, sql, preview: updatePreview() }, true);
    expect(await el().getByRole('heading').innerText()).toBe('Preview: this UPDATE would change 3 rows of public.products');
    expect(await el().locator('section').innerText()).toContain('nothing has changed yet');
    expect(await el().getByLabel('The statement to run').innerText()).toBe(sql);
    expect(await el().locator('[data-count]').innerText()).toBe('3 rows would be changed.');
    // One table: the changed column marked, each changed cell as old struck out → new; the others as they are.
    const table = el().getByRole('region', { name: /^Before → after/ });
    expect(await table.locator('th.changed').allInnerTexts()).toEqual([expect.stringContaining('category')]);
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(0).locator('td.changed del').textContent()).toBe('was garden');
    expect(await rows.nth(0).locator('td.changed ins').textContent()).toBe('becomes x');
    expect(await rows.nth(2).locator('td').nth(3).innerText()).toBe('NULL');
    expect(await table.locator('td.changed').count()).toBe(3);
    expect(await el().locator('[data-expiry]').innerText()).toMatch(/Confirm before .*\((4:5\d|5:00) left\)/);
    await screenshot(page, 'component-write-preview');

    // Keyboard only: Tab reaches Confirm, Enter confirms.
    await confirmButton().focus();
    await page.keyboard.press('Enter');
    const done = el().locator('[data-done]');
    await done.waitFor();
    expect(await done.innerText()).toBe('Done: the UPDATE ran and changed 3 rows of public.products.');
    expect(await done.evaluate((d) => d.getRootNode() instanceof ShadowRoot && (d.getRootNode() as ShadowRoot).activeElement === d)).toBe(true);
    expect(await el().getByRole('heading').innerText()).toBe('Confirmed: the UPDATE of public.products');
    expect(await el().locator('section').innerText()).not.toContain('nothing has changed yet');
    expect(bodies).toEqual([{ sql, previewToken: 'claims.signature-1' }]);
    expect(await el().getByRole('button', { name: /Confirm|Cancel/ }).count()).toBe(0);
    expect(await outcomes()).toEqual(['ok: UPDATE confirmed: 3 rows changed']);
  });

  it('says why a confirmation is refused and previews again: a new count, a new token, confirmed', async () => {
    const bodies: Array<{ sql: string; previewToken?: string }> = [];
    await page.route('**/query', (route) => {
      const body = route.request().postDataJSON() as { sql: string; previewToken?: string };
      bodies.push(body);
      if (body.previewToken === 'claims.signature-1') {
        return json(route, 409, { error: { code: 'preview_stale', message: 'The rows this statement changes are not the ones previewed; nothing was changed. Preview the statement again.' } });
      }
      if (!body.previewToken) {
        const fresh = updatePreview({ previewId: 'pv-2', rowCount: 2, token: 'claims.signature-2' });
        return json(route, 409, {
          error: { code: 'preview_required', message: 'This UPDATE would change 2 rows of public.products; nothing has changed yet.' },
          preview: { ...fresh, before: { ...fresh.before, rows: fresh.before.rows.slice(0, 2) }, after: { ...fresh.after, rows: fresh.after.rows.slice(0, 2) } },
        });
      }
      return json(route, 200, { ...changed, rowCount: 2, previewId: 'pv-2' });
    });
    await mount('dbw-write-preview', { policy: writer, sql, preview: updatePreview() }, true);
    await confirmButton().click();
    const problem = el().locator('dbw-problem [role="alert"]');
    await expect.poll(() => problem.getAttribute('data-code')).toBe('preview_stale');
    expect(await problem.innerText()).toContain('The rows changed since the preview');
    expect(await problem.innerText()).toContain('nothing was changed');
    await screenshot(page, 'component-write-preview-stale');
    const again = el().getByRole('button', { name: 'Preview again' });
    await expect.poll(() => again.evaluate((b) => (b.getRootNode() as ShadowRoot).activeElement === b)).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => el().locator('[data-count]').innerText()).toBe('2 rows would be changed.');
    expect(await el().getByRole('region', { name: /^Before → after/ }).locator('tbody tr').count()).toBe(2);
    await expect.poll(() => confirmButton().evaluate((b) => (b.getRootNode() as ShadowRoot).activeElement === b)).toBe(true);
    expect(await confirmButton().innerText()).toBe('Confirm UPDATE of 2 rows');
    await page.keyboard.press('Enter');
    await el().locator('[data-done]').waitFor();
    expect(await el().locator('[data-done]').innerText()).toContain('changed 2 rows');
    expect(bodies).toEqual([{ sql, previewToken: 'claims.signature-1' }, { sql }, { sql, previewToken: 'claims.signature-2' }]);
    expect(await outcomes()).toEqual(['refused: UPDATE not run: The rows changed since the preview', 'ok: UPDATE confirmed: 2 rows changed']);
  });

  it('shows an expired token\'s refusal the same way', async () => {
    await page.route('**/query', (route) => json(route, 409, { error: { code: 'token_expired', message: 'The preview token has expired. Preview the statement again.' } }));
    await mount('dbw-write-preview', { policy: writer, sql, preview: updatePreview() }, true);
    await confirmButton().click();
    const problem = el().locator('dbw-problem [role="alert"]');
    await expect.poll(() => problem.getAttribute('data-code')).toBe('token_expired');
    expect(await problem.innerText()).toContain('The preview expired');
    expect(await el().getByRole('button', { name: 'Preview again' }).count()).toBe(1);
  });

  it('Cancel discards the preview and sends nothing', async () => {
    let requests = 0;
    await page.route('**/query', (route) => {
      requests++;
      return json(route, 500, { error: { code: 'internal', message: 'not expected' } });
    });
    await mount('dbw-write-preview', { policy: writer, sql, preview: updatePreview() }, true);
    await el().getByRole('button', { name: 'Cancel' }).click();
    const discarded = el().locator('[data-discarded]');
    expect(await discarded.innerText()).toBe('Cancelled: the preview was discarded and nothing was changed.');
    expect(await el().getByRole('button').count()).toBe(0);
    expect(requests).toBe(0);
    expect(await events('dbw-preview-cancel')).toEqual([sql]);
    expect(await outcomes()).toEqual(['cancelled: UPDATE discarded: nothing changed']);
  });

  it('offers only a new preview once the preview has expired', async () => {
    await mount('dbw-write-preview', { policy: writer, sql, preview: updatePreview({ expiresAt: new Date(Date.now() - 1000).toISOString() }) }, true);
    expect(await el().locator('[data-expired]').innerText()).toContain('This preview expired at');
    expect(await confirmButton().count()).toBe(0);
    expect(await el().getByRole('button', { name: 'Preview again' }).count()).toBe(1);
  });

  it('shows the rows a DELETE removes, the new rows of an INSERT, or why they cannot be shown', async () => {
    const p = updatePreview();
    await mount('dbw-write-preview', { policy: writer, sql: 'DELETE FROM products WHERE id > 25', preview: { ...p, kind: 'delete', rowCount: 25, after: { ...p.after, rows: [] }, before: { ...p.before, truncated: true } } });
    expect(await el().getByRole('heading').innerText()).toBe('Preview: this DELETE would change 25 rows of public.products');
    expect(await el().locator('[data-count]').innerText()).toBe('25 rows would be deleted.');
    expect(await el().getByRole('region', { name: 'The rows it deletes' }).locator('tbody tr').count()).toBe(3);
    expect(await el().locator('[data-sample-cut]').innerText()).toBe('Showing 3 rows of 25.');
    expect(await el().getByRole('button', { name: 'Confirm DELETE of 25 rows' }).count()).toBe(1);

    await mount('dbw-write-preview', { policy: writer, sql: 'INSERT INTO products (id, name) VALUES (99, \'New\')', preview: { ...p, kind: 'insert', rowCount: 1, before: { ...p.before, rows: [] }, after: { ...p.after, rows: [[99, 'New', null, null]] } } });
    expect(await el().locator('[data-count]').innerText()).toBe('1 row would be added.');
    expect(await el().getByRole('region', { name: 'The new rows' }).locator('tbody tr').innerText()).toContain('New');

    const note = 'On MySQL/MariaDB the new rows are not shown; the count is exact.';
    await mount('dbw-write-preview', { policy: writer, sql: 'INSERT INTO products (id) VALUES (99)', preview: { ...p, kind: 'insert', rowCount: 1, before: { ...p.before, rows: [] }, after: { ...p.after, rows: [], truncated: true }, note } });
    expect(await el().locator('[data-note]').innerText()).toBe(note);
    expect(await el().getByRole('table').count()).toBe(0);
  });

  it('fits a phone screen: the sample scrolls inside its own box', async () => {
    const p = updatePreview();
    const wide = { ...p, before: { ...p.before, rows: p.before.rows.map((r) => [...r.slice(0, 2), 'a long category name '.repeat(4), r[3] ?? null]) } };
    try {
      await page.setViewportSize(narrow);
      await mount('dbw-write-preview', { policy: writer, sql, preview: wide }, true);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(narrow.width);
      expect(await confirmButton().isVisible()).toBe(true);
      await screenshot(page, 'component-write-preview-narrow-390');
    } finally {
      await page.setViewportSize(desktop);
    }
  });

  it('offers nothing to confirm on a read-only policy', async () => {
    await mount('dbw-write-preview', { policy, sql, preview: updatePreview() }, true);
    expect(await el().locator('[data-read-only]').innerText()).toContain('This policy is read-only');
    expect(await el().getByRole('button').count()).toBe(0);
  });
});
