import type { Node } from './parse.js';
import { reject } from './rejection.js';
import { policyCovers } from './scope.js';
import { postgresDefaultSchema, type Dialect, type GuardPolicy } from './types.js';

/** What resolving one table reference needs from the checker. */
export interface TableContext {
  policy: GuardPolicy;
  /** CTE names visible where the reference is. */
  scope: ReadonlySet<string>;
  /** The reference is the target of a write (never a CTE). */
  target: boolean;
  /** A name as the dialect reads it (see Checker.identifier). */
  identifier: (name: string) => string;
}

/** schema.table of a reference, or undefined for a CTE in scope; rejects what the policy lacks. */
type TableResolver = (item: Node, ctx: TableContext) => string | undefined;

const postgresSystemSchemas = /^(pg_catalog|information_schema|pg_toast|pg_temp.*|pg_toast_temp.*)$/;
const mysqlSystemSchemas = new Set(['mysql', 'sys', 'information_schema', 'performance_schema']);

function postgresTable(item: Node, { policy, scope, target, identifier }: TableContext): string | undefined {
  const table = identifier(item.table as string);
  const threePart = typeof item.schema === 'string' && item.schema !== '';
  const database = threePart && typeof item.db === 'string' ? identifier(item.db) : undefined;
  const schemaRaw = threePart ? (item.schema as string) : (typeof item.db === 'string' && item.db !== '' ? item.db : undefined);
  if (schemaRaw === undefined) {
    if (!target && scope.has(table)) return undefined;
    if (table.startsWith('pg_')) reject('catalog', `The system catalog ${table} is not allowed.`);
  }
  if (database !== undefined && database !== policy.database) {
    reject('table', `The database ${database} is not this policy's database (${policy.database}).`);
  }
  const schema = schemaRaw === undefined ? postgresDefaultSchema : identifier(schemaRaw);
  if (postgresSystemSchemas.test(schema)) reject('catalog', `System catalogs (${schema}.${table}) are not allowed.`);
  if (!policyCovers('postgres', policy, schema, table)) reject('table', `The table ${schema}.${table} is not part of this policy.`);
  return `${schema}.${table}`;
}

function mysqlTable(item: Node, { policy, scope, target }: TableContext): string | undefined {
  const table = item.table as string;
  const db = typeof item.db === 'string' && item.db !== '' ? item.db : undefined;
  if (typeof item.schema === 'string' && item.schema !== '') reject('table', `The name ${item.schema}.${db}.${table} has too many parts.`);
  if (db === undefined && !target && scope.has(table)) return undefined;
  if (db !== undefined && mysqlSystemSchemas.has(db.toLowerCase())) reject('catalog', `System schemas (${db}.${table}) are not allowed.`);
  const database = db ?? policy.database;
  if (database !== policy.database) reject('table', `The database ${database} is not this policy's database (${policy.database}).`);
  if (!policyCovers('mysql', policy, database, table)) reject('table', `The table ${database}.${table} is not part of this policy.`);
  return `${database}.${table}`;
}

/** How each dialect names a table: PostgreSQL schema.table (unqualified: public), MySQL/MariaDB database.table. */
export const tableResolvers = { postgres: postgresTable, mysql: mysqlTable } satisfies Record<Dialect, TableResolver>;

/** PostgreSQL folds unquoted names to lower case; MySQL/MariaDB names are taken as written. */
export const foldsUnquotedNames = { postgres: true, mysql: false } satisfies Record<Dialect, boolean>;
