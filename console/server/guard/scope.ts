import { postgresDefaultSchema, type Dialect, type GuardPolicy } from './types.js';

/**
 * Does the policy cover this table? PostgreSQL: a listed schema.table, or (without tables) any table of the
 * policy's schemas. MySQL/MariaDB: a listed table, or (without tables) any table, in the connection's
 * database only. Names are compared exactly (callers resolve case first).
 */
export function policyCovers(dialect: Dialect, policy: GuardPolicy, schema: string, table: string): boolean {
  if (dialect === 'mysql') {
    if (schema !== policy.database) return false;
    return policy.tables ? policy.tables.some((t) => t.name === table) : true;
  }
  return policy.tables
    ? policy.tables.some((t) => (t.schema || postgresDefaultSchema) === schema && t.name === table)
    : (policy.schemas ?? [postgresDefaultSchema]).includes(schema);
}
