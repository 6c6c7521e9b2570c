import type { DatabaseEngine } from '@dbwarden/api';
import type { TlsMode, TlsSettings } from '@dbwarden/api/tls';
import type { TransactionWork } from './transaction.js';

export type { TlsMode, TlsSettings };

/** Where and as whom a policy's console queries run: built from the policy's Secret (kube/credentials.ts). */
export interface Target {
  /** The policy (namespace/name): a new target for the same policy closes the previous pool. */
  owner: string;
  /** The credentials Secret's resourceVersion the target was built from (not secret; for retries and logs). */
  version?: string;
  engine: DatabaseEngine;
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  tls: TlsSettings;
  /** Most connections for this policy (the policy's connectionLimit, capped by the console's pool size). */
  maxConnections: number;
}

export interface RunOptions {
  /** Most rows returned; more make the result `truncated`. */
  rowLimit: number;
  /** The statement's time limit, enforced by the server. */
  timeoutMs: number;
  /** Read-only policies: a READ ONLY transaction (PostgreSQL; rolled back) or session (MySQL). Otherwise read-write, committed. */
  readOnly: boolean;
  /**
   * Aborted when the client goes away: the statement is cancelled in the database (PostgreSQL
   * pg_cancel_backend, MySQL/MariaDB KILL QUERY, from a separate connection of the same user), its
   * connection is discarded, and the call fails with QueryCancelled. A read-write statement that completed
   * (committed) before the cancel took effect still returns its result.
   */
  signal?: AbortSignal;
  /**
   * `dbwarden:<request id>:<namespace>/<policy>` (attribution.ts): PostgreSQL's application_name for the
   * statement's transaction, a leading comment on MySQL/MariaDB, so the database's own logs join to the audit.
   */
  attribution?: string;
}

export interface Column {
  name: string;
  /** The database's type name, e.g. int4, numeric, timestamptz, varchar, decimal. */
  type: string;
}

/** A value as JSON carries it: numbers, booleans and JSON as such, everything else as the database's text. */
export type Value = string | number | boolean | null | Record<string, unknown> | unknown[];

export interface QueryResult {
  columns: Column[];
  rows: Value[][];
  /** Rows returned, or rows changed by INSERT/UPDATE/DELETE without RETURNING. */
  rowCount: number;
  truncated: boolean;
}

/** Receives a streamed result: columns once, then each row (at most rowLimit of them). */
export interface RowSink {
  columns(columns: Column[]): void;
  row(values: Value[]): void;
}

export interface StreamSummary {
  rowCount: number;
  truncated: boolean;
}

/** A column the policy's own user can see, from the database's information_schema. */
export interface ColumnInfo {
  schema: string;
  table: string;
  column: string;
  type: string;
  nullable: boolean;
}

export interface PoolSettings {
  /** Idle connections close after this. */
  idleMs: number;
}

/** One policy's connections to its database, as the policy's own user: what each engine's pool implements. */
export interface EnginePool {
  run(sql: string, options: RunOptions): Promise<QueryResult>;
  stream(sql: string, options: RunOptions, sink: RowSink): Promise<StreamSummary>;
  /** The tables and columns the user can see. */
  columns(): Promise<ColumnInfo[]>;
  /** Several statements in one read-write transaction on one connection (write previews and confirmations). */
  writeTransaction<T>(options: RunOptions, work: TransactionWork<T>): Promise<T>;
  close(): Promise<void>;
}
