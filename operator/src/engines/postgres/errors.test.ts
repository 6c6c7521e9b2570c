import { describe, expect, it } from 'vitest';
import { writeError } from './errors.js';
import type { Write } from './sql.js';

const grant: Write = { sql: 'GRANT SELECT ON "public"."orders" TO "x"', kind: 'grant', what: 'grant SELECT on public.orders to x' };

describe('writeError', () => {
  it('says why a grant fails when the table already holds as many grants as its catalog row can (54000, row is too big)', () => {
    const err = Object.assign(new Error('row is too big: size 8168, maximum size 8160'), { code: '54000' });
    const mapped = writeError(err, grant);
    expect(mapped.reason).toBe('DatabaseError');
    expect(mapped.message).toMatch(/^cannot grant SELECT on public\.orders to x: row is too big.*at most about 2,400 direct grants on one table or column/);
    expect(mapped.message).not.toContain('GRANT');
  });

  it('adds nothing to other errors of the same class', () => {
    const err = Object.assign(new Error('out of memory'), { code: '54000' });
    expect(writeError(err, grant).message).toBe('cannot grant SELECT on public.orders to x: out of memory');
  });
});
