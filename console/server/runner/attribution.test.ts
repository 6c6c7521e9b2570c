import { describe, expect, it } from 'vitest';
import { attributionOf, withLeadingComment } from './attribution.js';

describe('attribution', () => {
  it('names the request first, then the policy', () => {
    expect(attributionOf('7f3c', 'shop', 'analytics')).toBe('dbwarden:7f3c:shop/analytics');
  });

  it('has none without a request id, or with characters that could end a comment or a string', () => {
    expect(attributionOf(undefined, 'shop', 'analytics')).toBeUndefined();
    for (const id of ['a*/ DROP', "a'b", 'a b', 'a\nb', 'x'.repeat(400)]) expect(attributionOf(id, 'shop', 'p')).toBeUndefined();
  });

  it('puts it in a leading comment, and refuses to build one from anything else', () => {
    expect(withLeadingComment('SELECT 1', 'dbwarden:1:shop/p')).toBe('/* dbwarden:1:shop/p */ SELECT 1');
    expect(withLeadingComment('SELECT 1', undefined)).toBe('SELECT 1');
    expect(() => withLeadingComment('SELECT 1', 'x */ DROP TABLE t; /*')).toThrow(/refusing/);
  });
});
