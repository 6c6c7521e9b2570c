import type { AccessPolicy } from '@dbwarden/api';
import { describe, expect, it } from 'vitest';
import { grantsFor, principalFor, secretNameFor, usernameFor } from './desired.js';

const policy = (namespace: string, name: string, spec: Partial<AccessPolicy['spec']> = {}): AccessPolicy => ({
  metadata: { namespace, name, uid: 'u1' },
  spec: { connectionRef: { name: 'shop' }, ...spec },
});

describe('usernameFor', () => {
  it('uses spec.username', () => {
    expect(usernameFor(policy('shop', 'ai', { username: 'ai_readonly' }), 'postgres')).toBe('ai_readonly');
  });
  it('derives a valid name from namespace and name', () => {
    expect(usernameFor(policy('shop', 'ai-readonly'), 'postgres')).toBe('dbw_shop_ai_readonly');
    expect(usernameFor(policy('Team.One', 'x--y'), 'mysql')).toBe('dbw_team_one_x_y');
  });
  it('shortens long names with a stable hash, leaving room for _a/_b', () => {
    const long = policy('a-very-long-namespace-name', 'and-an-even-longer-policy-name');
    const mysql = usernameFor(long, 'mysql');
    expect(mysql.length).toBeLessThanOrEqual(30);
    expect(mysql).toMatch(/^dbw_a_very_long.*_[0-9a-f]{8}$/);
    expect(usernameFor(long, 'mysql')).toBe(mysql);
    expect(usernameFor(policy('ns', 'x'.repeat(80)), 'postgres').length).toBeLessThanOrEqual(61);
  });
  it('refuses an explicit name too long for the engine', () => {
    expect(() => usernameFor(policy('s', 'p', { username: 'u'.repeat(31) }), 'mysql')).toThrow(/at most 30/);
  });
});

describe('grantsFor / principalFor', () => {
  it('defaults to read-only on public', () => {
    expect(grantsFor(policy('s', 'p'), 'postgres')).toEqual({ access: 'read-only', schemas: ['public'], tables: [] });
  });
  it('keeps tables and columns, with the schema on PostgreSQL only', () => {
    const p = policy('s', 'p', { access: 'read-write', tables: [{ name: 'orders', columns: ['id'] }] });
    expect(grantsFor(p, 'postgres').tables).toEqual([{ schema: 'public', name: 'orders', columns: ['id'] }]);
    expect(grantsFor(p, 'mysql').tables).toEqual([{ name: 'orders', columns: ['id'] }]);
  });
  it('refuses schemas on MySQL', () => {
    expect(() => grantsFor(policy('s', 'p', { schemas: ['public'] }), 'mysql')).toThrow(/PostgreSQL only/);
  });
  it('describes the principal', () => {
    expect(principalFor(policy('s', 'p', { connectionLimit: 5 }), 'postgres', 'verify-full')).toEqual({
      name: 'dbw_s_p', strategy: 'alternating', owner: 's/p', connectionLimit: 5, requireTls: true,
    });
    expect(secretNameFor(policy('s', 'p'))).toBe('p-credentials');
  });
});
