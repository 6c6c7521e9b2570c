import type { DatabaseEngine } from '@dbwarden/api';
import { policyCovers } from '../guard/index.js';
import type { ResolvedPolicy } from '../policies/resolve.js';
import type { ColumnInfo, QueryRunner, Target } from '../runner/index.js';

export interface SchemaColumn {
  name: string;
  type: string;
  nullable: boolean;
}

export interface SchemaTable {
  schema: string;
  name: string;
  columns: SchemaColumn[];
}

export interface SchemaDescription {
  namespace: string;
  policy: string;
  engine: DatabaseEngine;
  database: string;
  tables: SchemaTable[];
}

/**
 * The tables and columns of a policy as its own database user sees them (information_schema shows a user
 * only what it holds privileges on, down to columns), further limited to the tables the policy names, so
 * nothing outside the policy appears even where the database grants more (to PUBLIC, for instance).
 */
export async function describeSchema(runner: QueryRunner, resolved: ResolvedPolicy, target: Target): Promise<SchemaDescription> {
  const visible = await runner.columns(target);
  return {
    namespace: resolved.namespace,
    policy: resolved.name,
    engine: resolved.engine,
    database: resolved.guard.database,
    tables: group(visible.filter((c) => policyCovers(resolved.dialect, resolved.guard, c.schema, c.table))),
  };
}

function group(columns: ColumnInfo[]): SchemaTable[] {
  const tables = new Map<string, SchemaTable>();
  for (const c of columns) {
    const key = `${c.schema}.${c.table}`;
    let table = tables.get(key);
    if (!table) {
      table = { schema: c.schema, name: c.table, columns: [] };
      tables.set(key, table);
    }
    table.columns.push({ name: c.column, type: c.type, nullable: c.nullable });
  }
  return [...tables.values()];
}
