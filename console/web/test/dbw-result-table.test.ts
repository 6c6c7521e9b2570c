/** <dbw-result-table> in real Chromium (see component-page.ts). */
import { describe, expect, it } from 'vitest';
import { mount, page, useComponentPage } from './component-page.js';
import { bigResult } from './samples.js';

useComponentPage();

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
