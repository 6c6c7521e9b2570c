/** <dbw-posture> in real Chromium (see component-page.ts). */
import { describe, expect, it } from 'vitest';
import { mount, page, useComponentPage } from './component-page.js';
import { connection } from './samples.js';

useComponentPage();

describe('dbw-posture', () => {
  it('explains the failing posture checks', async () => {
    await mount('dbw-posture', { posture: connection.posture });
    const summary = page.locator('dbw-posture summary');
    expect(await summary.innerText()).toBe('Posture 5/7');
    await summary.click();
    expect(await page.getByRole('list', { name: 'Failing checks' }).innerText()).toBe('✗ NetworkRestricted: spec.network is not set\n✗ ConsoleUsesReadReplica: console queries go to the primary');
  });
});
