/** <dbw-verdict> in real Chromium (see component-page.ts). */
import { describe, expect, it } from 'vitest';
import type { Answer } from '../src/api/types.js';
import { mount, page, useComponentPage } from './component-page.js';

useComponentPage();

describe('dbw-verdict', () => {
  it('says in plain words that the guard refused every attempt and nothing ran', async () => {
    const answer: Answer = {
      conversationId: 'c', question: 'q', model: 'm', sql: 'DELETE FROM public.orders', explanation: '', result: null, proposal: null,
      attempts: [{ sql: 'DELETE FROM public.orders', error: { code: 'guard_rejected', message: 'This policy is read-only.' } }],
      error: { code: 'guard_rejected', message: 'The model did not write a query that passes the guard.' },
    };
    await mount('dbw-verdict', { answer });
    const alert = page.locator('dbw-verdict [role="alert"]');
    expect(await alert.innerText()).toContain('Refused: the SQL guard did not let this run');
    expect(await alert.innerText()).toContain('Attempt 1: Refused by the SQL guard. This policy is read-only.');
    await mount('dbw-verdict', { answer: { ...answer, error: null, result: { columns: [], rows: [], rowCount: 0, truncated: false, durationMs: 1 } } });
    expect(await page.locator('dbw-verdict [data-code="retried"]').innerText()).toContain('refused 1 earlier attempt; the SQL shown passed');
  });
});
