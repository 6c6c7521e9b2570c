/** <dbw-sign-in> in real Chromium (see component-page.ts). */
import { describe, expect, it } from 'vitest';
import { events, mount, page, useComponentPage } from './component-page.js';

useComponentPage();

describe('dbw-sign-in', () => {
  it('hands over the pasted token (without "Bearer"), clears the field and keeps the choice to remember', async () => {
    await mount('dbw-sign-in');
    const field = page.getByLabel('Kubernetes bearer token');
    expect(await field.getAttribute('type')).toBe('password');
    await field.fill('Bearer abc.def');
    await page.getByLabel(/Keep me signed in/).check();
    await field.press('Enter');
    expect(await events('dbw-sign-in')).toEqual([{ token: 'abc.def', remember: true }]);
    expect(await field.inputValue()).toBe('');
  });
});
