/** <dbw-policy-list> in real Chromium (see component-page.ts). */
import { describe, expect, it } from 'vitest';
import { events, mount, page, useComponentPage } from './component-page.js';
import { connection, policy } from './samples.js';

useComponentPage();

describe('dbw-policy-list', () => {
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
