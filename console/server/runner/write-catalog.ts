import type { Transaction } from './transaction.js';
import type { DatabaseEngine } from '@dbwarden/api';
import type { Value } from './types.js';

/** A catalog value that is text (names, engines). */
const text = (v: Value | undefined): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** What a write preview needs to know about its target table, as the policy's own user sees it. */
export interface TableFacts {
  /** Whether the table exists for this user at all. */
  found: boolean;
  /** The columns this user may SELECT, in the table's order. */
  columns: string[];
  /** The primary key's columns, in key order (empty without one, or when the user may not read all of them). */
  key: string[];
  /** PostgreSQL: SELECT on the whole table (not only some columns), which reading system columns needs. */
  tableSelect: boolean;
  /** MySQL/MariaDB: the storage engine, and whether it supports transactions (InnoDB yes; MyISAM, Aria, MEMORY no). */
  storage?: { engine: string; transactional: boolean };
}

/** Reads the facts in the write's own transaction, with parameters; the catalogs show only what the user may see. */
export async function tableFacts(tx: Transaction, engine: DatabaseEngine, schema: string, table: string): Promise<TableFacts> {
  return factReaders[engine](tx, schema, table);
}

async function postgresFacts(tx: Transaction, schema: string, table: string): Promise<TableFacts> {
  const { rows } = await tx.query(
    `SELECT a.attname::text, has_column_privilege(c.oid, a.attnum, 'SELECT'), array_position(i.indkey::int2[], a.attnum),
            has_table_privilege(c.oid, 'SELECT')
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_catalog.pg_index i ON i.indrelid = c.oid AND i.indisprimary
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
      ORDER BY a.attnum`, [schema, table]);
  const columns = rows.filter((r) => r[1] === true).map((r) => text(r[0]));
  const keyed = rows.filter((r) => r[2] !== null).sort((a, b) => Number(a[2]) - Number(b[2]));
  const key = keyed.every((r) => r[1] === true) ? keyed.map((r) => text(r[0])) : [];
  return { found: rows.length > 0, columns, key, tableSelect: rows[0]?.[3] === true };
}

async function mysqlFacts(tx: Transaction, schema: string, table: string): Promise<TableFacts> {
  // Explicit LIMITs: the session's sql_select_limit is the policy's row cap.
  const { rows: storage } = await tx.query(
    `SELECT t.ENGINE, e.TRANSACTIONS FROM information_schema.TABLES t
       LEFT JOIN information_schema.ENGINES e ON e.ENGINE = t.ENGINE
      WHERE t.TABLE_SCHEMA = ? AND t.TABLE_NAME = ? AND t.TABLE_TYPE = 'BASE TABLE' LIMIT 1`, [schema, table]);
  const { rows: columns } = await tx.query(
    `SELECT COLUMN_NAME, FIND_IN_SET('select', PRIVILEGES) > 0 FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION LIMIT 100000`, [schema, table]);
  const { rows: key } = await tx.query(
    `SELECT COLUMN_NAME FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX LIMIT 1000`, [schema, table]);
  const readable = columns.filter((r) => Number(r[1]) === 1).map((r) => text(r[0]));
  const keyColumns = key.map((r) => text(r[0]));
  const engine = storage[0]?.[0];
  return {
    found: storage.length > 0,
    columns: readable,
    key: keyColumns.every((k) => readable.includes(k)) ? keyColumns : [],
    tableSelect: false,
    ...(storage.length > 0 ? { storage: { engine: text(engine) || 'unknown', transactional: storage[0]?.[1] === 'YES' } } : {}),
  };
}

const factReaders = {
  postgres: postgresFacts,
  mysql: mysqlFacts,
} satisfies Record<DatabaseEngine, (tx: Transaction, schema: string, table: string) => Promise<TableFacts>>;
