import { postgresDefaultSchema, type Dialect, type GuardPolicy } from './types.js';

/**
 * Does the policy cover this table? PostgreSQL: a listed schema.table, or (without tables) any table of the
 * policy's schemas. MySQL/MariaDB: a listed table, or (without tables) any table, in the connection's
 * database only. Names are compared exactly (callers resolve case first).
 */
export function policyCovers(dialect: Dialect, policy: GuardPolicy, schema: string, table: string): boolean {
  return coverage[dialect](policy, schema, table);
}

const coverage = {
  postgres: (policy, schema, table) => (policy.tables
    ? policy.tables.some((t) => (t.schema || postgresDefaultSchema) === schema && t.name === table)
    : (policy.schemas ?? [postgresDefaultSchema]).includes(schema)),
  mysql: (policy, schema, table) => schema === policy.database && (policy.tables ? policy.tables.some((t) => t.name === table) : true),
} satisfies Record<Dialect, (policy: GuardPolicy, schema: string, table: string) => boolean>;
