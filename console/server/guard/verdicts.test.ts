import { describe, expect, it } from 'vitest';
import { GuardRejected } from '../errors.js';
import type { GuardPolicy } from './types.js';
import { GuardVerdicts } from './verdicts.js';

const policy: GuardPolicy = { access: 'read-only', database: 'shop', tables: [{ schema: 'public', name: 'orders' }] };
const sql = 'SELECT status, count(*) FROM orders GROUP BY status';

function counting(): { metrics: { guardVerdicts: { inc(l: { result: 'hit' | 'miss' }): void } }; seen: string[] } {
  const seen: string[] = [];
  return { seen, metrics: { guardVerdicts: { inc: ({ result }) => void seen.push(result) } } };
}

describe('GuardVerdicts', () => {
  it('remembers an accepted statement for the same policy scope, and hands out a verdict nobody can change', () => {
    const { metrics, seen } = counting();
    const verdicts = new GuardVerdicts(undefined, metrics);
    const first = verdicts.check(sql, { dialect: 'postgres', policy });
    const again = verdicts.check(sql, { dialect: 'postgres', policy: { ...policy, tables: [{ schema: 'public', name: 'orders' }] } });
    expect(again).toBe(first);
    expect(seen).toEqual(['miss', 'hit']);
    expect(Object.isFrozen(first) && Object.isFrozen(first.tables)).toBe(true);
    expect(first).toMatchObject({ kind: 'select', tables: ['public.orders'] });
  });

  it('checks again when anything the verdict depends on differs: tables, access, dialect, length limit', () => {
    const verdicts = new GuardVerdicts();
    verdicts.check(sql, { dialect: 'postgres', policy });
    expect(() => verdicts.check(sql, { dialect: 'postgres', policy: { ...policy, tables: [{ schema: 'public', name: 'products' }] } }))
      .toThrow(GuardRejected);
    expect(() => verdicts.check(sql, { dialect: 'postgres', policy: { ...policy, tables: [{ schema: 'sales', name: 'orders' }] } }))
      .toThrow(GuardRejected);
    expect(() => verdicts.check(sql, { dialect: 'postgres', policy, maxLength: 10 })).toThrow(GuardRejected);
    const write = 'DELETE FROM orders WHERE id = 1';
    expect(() => verdicts.check(write, { dialect: 'postgres', policy })).toThrow(GuardRejected);
    expect(verdicts.check(write, { dialect: 'postgres', policy: { ...policy, access: 'read-write' } }).kind).toBe('delete');
    expect(() => verdicts.check(write, { dialect: 'postgres', policy })).toThrow(GuardRejected);
    expect(verdicts.check(sql, { dialect: 'mysql', policy }).kind).toBe('select');
  });

  it('keeps no rejection and stays within its bound', () => {
    const { metrics, seen } = counting();
    const verdicts = new GuardVerdicts(200, metrics);
    for (let i = 0; i < 2; i++) expect(() => verdicts.check('SELECT * FROM users', { dialect: 'postgres', policy })).toThrow(GuardRejected);
    expect(verdicts.size).toBe(0);
    for (let i = 0; i < 20; i++) verdicts.check(`SELECT id FROM orders WHERE id = ${i}`, { dialect: 'postgres', policy });
    expect(verdicts.size).toBeLessThanOrEqual(2);
    expect(seen.filter((s) => s === 'hit')).toHaveLength(0);
  });
});
