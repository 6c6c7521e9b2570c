/** <dbw-ask-panel> in real Chromium (see component-page.ts). */
import { describe, expect, it } from 'vitest';
import { screenshot } from '../../../test/support/browser.js';
import type { Answer } from '../src/api/types.js';
import { events, json, mount, page, useComponentPage } from './component-page.js';
import { aiOn, policy, updatePreview, writer } from './samples.js';

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

  it('shows the model\'s write as a preview: nothing runs until Confirm, which sends the proposal with its token', async () => {
    const sql = 'UPDATE public.products SET category = \'x\' WHERE category = \'garden\' AND id > 25';
    const proposal = { sql, preview: updatePreview() };
    const answer: Answer = {
      conversationId: '0f6f2a4e-7c1c-4c57-8f0e-000000000002', question: 'q', model: 'test-model', sql,
      explanation: 'Renames the category.', attempts: [], error: null, result: null, proposal,
    };
    const queries: unknown[] = [];
    await page.route('**/ask', (route) => json(route, 200, answer));
    await page.route('**/query', (route) => {
      queries.push(route.request().postDataJSON());
      return json(route, 200, { columns: [], rows: [], rowCount: 3, truncated: false, durationMs: 3, previewId: 'pv-1' });
    });
    await mount('dbw-ask-panel', { policy: writer, info: aiOn }, true);
    await page.getByLabel('Ask a question about editor').fill('Rename the last garden products to x');
    await page.getByRole('button', { name: 'Ask', exact: true }).click();
    const preview = page.locator('dbw-ask-panel dbw-write-preview section');
    await preview.waitFor();
    expect(await page.locator('dbw-ask-panel [data-proposal]').innerText()).toContain('It does not run by itself');
    expect(await preview.locator('[data-count]').innerText()).toBe('3 rows would be changed.');
    expect(queries).toEqual([]);
    await screenshot(page, 'component-ask-proposal');
    await preview.getByRole('button', { name: 'Confirm UPDATE of 3 rows' }).click();
    await preview.locator('[data-done]').waitFor();
    expect(queries).toEqual([{ sql, previewToken: proposal.preview.token }]);
    expect((await events('dbw-history')).map((e) => (e as { detail: string }).detail)).toEqual(['UPDATE previewed: 3 rows, not run yet', 'UPDATE confirmed: 3 rows changed']);

    // A read-only policy never offers it (the console does not propose writes there; the page does not trust that alone).
    await mount('dbw-ask-panel', { policy, info: aiOn }, true);
    await page.getByLabel('Ask a question about readonly').fill('Rename the last garden products to x');
    await page.getByRole('button', { name: 'Ask', exact: true }).click();
    await page.locator('dbw-ask-panel .explanation').waitFor();
    expect(await page.locator('dbw-ask-panel dbw-write-preview').count()).toBe(0);
    expect(await page.getByRole('button', { name: /Confirm/ }).count()).toBe(0);
  });
});
