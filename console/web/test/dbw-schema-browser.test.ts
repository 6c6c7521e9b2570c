/** <dbw-schema-browser> in real Chromium (see component-page.ts). */
import { describe, expect, it } from 'vitest';
import { events, json, mount, page, useComponentPage } from './component-page.js';

useComponentPage();

describe('dbw-schema-browser', () => {
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
