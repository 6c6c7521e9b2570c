/** <dbw-sql-editor> in real Chromium (see component-page.ts). */
import { describe, expect, it } from 'vitest';
import { events, mount, page, useComponentPage } from './component-page.js';

useComponentPage();

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
