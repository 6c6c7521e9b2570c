/** <dbw-result-view> in real Chromium (see component-page.ts). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { screenshot } from '../../../test/support/browser.js';
import { mount, page, useComponentPage } from './component-page.js';
import { bigResult } from './samples.js';

useComponentPage();

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
