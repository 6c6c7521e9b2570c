/** <dbw-ask-panel> in real Chromium (see component-page.ts). */
import { describe, expect, it } from 'vitest';
import { screenshot } from '../../../test/support/browser.js';
import type { Answer } from '../src/api/types.js';
import { json, mount, page, useComponentPage } from './component-page.js';
import { aiOn, policy } from './samples.js';

useComponentPage();

describe('dbw-ask-panel', () => {
  it('explains how to enable AI when no model is configured', async () => {
    await mount('dbw-ask-panel', { policy, info: { ai: { enabled: false, model: null, hint: 'Set OPENAI_API_KEY and restart.' } } }, true);
    expect(await page.locator('dbw-ask-panel [data-ai-disabled]').innerText()).toContain('Set OPENAI_API_KEY and restart.');
  });

  it('shows the model\'s SQL and explanation with the rows, and continues the conversation', async () => {
    const asked: unknown[] = [];
    await page.route('**/ask', (route) => {
      asked.push(route.request().postDataJSON());
      return json(route, 200, {
        conversationId: '0f6f2a4e-7c1c-4c57-8f0e-000000000001', question: 'q', model: 'test-model', sql: 'SELECT category, count(*) AS n FROM public.products GROUP BY category',
        explanation: 'Products per category.', attempts: [], error: null, proposal: null,
        result: { columns: [{ name: 'category', type: 'text' }, { name: 'n', type: 'int8' }], rows: [['books', '8'], ['toys', '8']], rowCount: 2, truncated: false, durationMs: 4 },
      } satisfies Answer);
    });
    await mount('dbw-ask-panel', { policy, info: aiOn }, true);
    await page.getByLabel('Ask a question about readonly').fill('How many products per category?');
    await page.getByRole('button', { name: 'Ask', exact: true }).click();
    await expect.poll(() => page.locator('dbw-result-table tbody tr').count()).toBe(2);
    expect(await page.locator('.explanation').innerText()).toBe('test-model:Products per category.');
    await page.getByLabel('Ask a question about readonly').fill('And only books?');
    await page.getByLabel('Ask a question about readonly').press('Control+Enter');
    await expect.poll(() => asked.length).toBe(2);
    expect(asked).toEqual([{ question: 'How many products per category?' }, { question: 'And only books?', conversationId: '0f6f2a4e-7c1c-4c57-8f0e-000000000001' }]);
    await screenshot(page, 'component-ask-panel');
  });
});
