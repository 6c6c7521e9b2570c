import { describe, expect, it } from 'vitest';
import { accessLogOf, defaultPrivilegesOf } from './server-defaults.js';

describe('PostgreSQL server defaults', () => {
  it('reads log_connections before and after PostgreSQL 18, and says when it cannot', () => {
    expect(accessLogOf({ log_connections: 'on', log_statement: 'none', preload: '' }).connections).toBe(true);
    expect(accessLogOf({ log_connections: 'receipt,authentication', log_statement: 'none', preload: '' }).connections).toBe(true);
    expect(accessLogOf({ log_connections: '', log_statement: 'none', preload: '' }).connections).toBe(false);
    const off = accessLogOf({ log_connections: 'off', log_statement: 'none', preload: null });
    expect(off).toMatchObject({ connections: false, detail: expect.stringContaining('set log_connections = on') as string });
    expect(off.detail).toContain('load pgaudit');
    expect(accessLogOf({ log_connections: null, log_statement: null, preload: 'pgaudit' })).toMatchObject({ connections: undefined });
    expect(accessLogOf({ log_connections: 'on', log_statement: 'none', preload: 'pg_stat_statements, pgaudit' }).detail).toContain('audited by pgaudit');
  });

  it('gives each default privilege with the REVOKE that removes it, names quoted', () => {
    expect(defaultPrivilegesOf({ database: 'My Shop', public_temp: true, public_create: true, public_functions: ['dblink_exec(text)'] })).toEqual([
      { finding: 'every role may create temporary tables in My Shop', fix: 'REVOKE TEMP ON DATABASE "My Shop" FROM PUBLIC' },
      { finding: 'every role may create objects in schema public', fix: 'REVOKE CREATE ON SCHEMA public FROM PUBLIC' },
      { finding: 'every role may execute dblink_exec(text)', fix: 'REVOKE EXECUTE ON FUNCTION dblink_exec(text) FROM PUBLIC' },
    ]);
    expect(defaultPrivilegesOf({ database: 'shop', public_temp: false, public_create: false, public_functions: [] })).toEqual([]);
  });
});
