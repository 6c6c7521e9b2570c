import type { DatabaseConnection, DatabaseEngine } from '@dbwarden/api';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../engines/engine.js';
import { testPolicy } from '../fakes.js';
import { assertAllowedNames, namesOf, systemDatabaseRefusal, systemSchemaRefusal } from './refusals.js';

const connection = (engine: DatabaseEngine, database = 'shop'): DatabaseConnection => ({
  metadata: { namespace: 'shop', name: 'shop-db' },
  spec: { engine, host: 'db', database, adminSecretRef: { name: 'admin' } },
});

describe('systemSchemaRefusal', () => {
  it('names each system schema a PostgreSQL policy would grant in, and is terminal', () => {
    const policy = testPolicy({ schemas: ['public', 'pg_catalog'], tables: [{ schema: 'information_schema', name: 'tables' }] });
    const refusal = systemSchemaRefusal(policy, connection('postgres'));
    expect(refusal).toBeInstanceOf(EngineError);
    expect(refusal).toMatchObject({ reason: 'SystemSchemaRefused', retryable: false });
    expect(refusal?.message).toContain('spec.schemas[1]');
    expect(refusal?.message).toContain('spec.tables[0].schema');
    expect(refusal?.message).not.toContain('spec.schemas[0]');
  });

  it('refuses a MySQL connection whose database is a system database, whatever the policy', () => {
    expect(systemSchemaRefusal(testPolicy(), connection('mysql', 'mysql'))?.message).toContain('spec.database of DatabaseConnection shop-db');
    expect(systemDatabaseRefusal(connection('mysql', 'performance_schema'))).toMatchObject({ reason: 'SystemSchemaRefused' });
  });

  it('lets ordinary schemas and databases through', () => {
    expect(systemSchemaRefusal(testPolicy({ schemas: ['public', 'sales'] }), connection('postgres'))).toBeUndefined();
    expect(systemSchemaRefusal(testPolicy({ tables: [{ name: 'orders' }] }), connection('mysql'))).toBeUndefined();
    expect(systemDatabaseRefusal(connection('postgres', 'postgres'))).toBeUndefined();
  });
});

describe('reserved names', () => {
  it('are the base name and, alternating, both logins', () => {
    expect(namesOf(testPolicy({ username: 'ai' }), 'postgres')).toEqual(['ai', 'ai_a', 'ai_b']);
    expect(namesOf(testPolicy({ username: 'ai', rotation: { strategy: 'in-place' } }), 'mysql')).toEqual(['ai']);
  });

  it('refuse built-in accounts and the provisioning account', () => {
    const inPlace = (username: string) => testPolicy({ username, rotation: { strategy: 'in-place' } });
    expect(() => assertAllowedNames(inPlace('root'), 'mysql')).toThrow(expect.objectContaining({ reason: 'ReservedUsername' }) as Error);
    expect(() => assertAllowedNames(inPlace('dbwarden_admin'), 'postgres', 'dbwarden_admin')).toThrow(expect.objectContaining({ reason: 'ReservedUsername' }) as Error);
    expect(() => assertAllowedNames(inPlace('ai_reader'), 'postgres', 'dbwarden_admin')).not.toThrow();
  });
});
