import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundle } from './bundle.js';

const dir = mkdtempSync(join(tmpdir(), 'dbwarden-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the operator bundle', () => {
  it('leaves the crash points out of production, and only the tests get them', async () => {
    const [production] = await bundle(['operator'], true, { outDir: join(dir, 'production') });
    const [tests] = await bundle(['operator'], true, { outDir: join(dir, 'tests'), testHooks: true });
    expect(readFileSync(production!, 'utf8')).not.toContain('DBWARDEN_CRASH_AT');
    expect(readFileSync(tests!, 'utf8')).toContain('DBWARDEN_CRASH_AT');
  });
});
