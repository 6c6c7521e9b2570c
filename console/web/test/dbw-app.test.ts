/** <dbw-app> in real Chromium (see component-page.ts). */
import { describe, expect, it } from 'vitest';
import { json, mount, page, useComponentPage } from './component-page.js';
import { aiOn, connection, policy } from './samples.js';

useComponentPage();

describe('dbw-app', () => {
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
});
