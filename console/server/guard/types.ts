import type { DatabaseEngine } from '@dbwarden/api';

/** The SQL dialect a statement is checked in: the policy's engine (MariaDB is checked as MySQL). */
export type Dialect = DatabaseEngine;

/** A table the policy grants, schema-qualified (on MySQL/MariaDB the schema is the connection's database). */
export interface TableName {
  schema: string;
  name: string;
}

/** What a policy lets the console touch. */
export interface GuardPolicy {
  access: 'read-only' | 'read-write';
  /** The connection's database (MySQL: the only schema allowed). */
  database: string;
  /** Only these tables, when the policy lists tables. */
  tables?: TableName[];
  /** PostgreSQL: every table of these schemas, when the policy lists no tables. Default [public]. */
  schemas?: string[];
}

export interface GuardOptions {
  dialect: Dialect;
  policy: GuardPolicy;
  /** Longest accepted statement, in characters. */
  maxLength?: number;
}

export type StatementKind = 'select' | 'insert' | 'update' | 'delete';

/** The guard's verdict on a statement it accepts. */
export interface Accepted {
  /** The text to execute: the input trimmed, without a trailing semicolon. */
  sql: string;
  kind: StatementKind;
  /** The policy tables it reads or writes, as schema.table. */
  tables: string[];
}

/** The schema unqualified names resolve to (the console sets search_path to it on PostgreSQL). */
export const postgresDefaultSchema = 'public';
