import type { Column, Value } from './types.js';

/** One statement's answer inside a Transaction. */
export interface TransactionResult {
  columns: Column[];
  /** At most `maxRows` rows, as arrays in column order. */
  rows: Value[][];
  /** More rows came than `maxRows`. */
  truncated: boolean;
  /** Rows inserted, updated or deleted (an UPDATE's matched rows on MySQL/MariaDB); 0 for SELECT. */
  affectedRows: number;
}

/**
 * Several statements in one read-write transaction on one connection of a policy, as its own user with
 * its limits (statement and lock timeouts; MySQL: the session's row cap too). For write previews: the
 * caller decides at the end whether it commits.
 */
export interface Transaction {
  /** One statement, with parameters (`$n` on PostgreSQL, `?` on MySQL/MariaDB); errors are the runner's typed errors. */
  query(sql: string, params?: readonly unknown[], maxRows?: number): Promise<TransactionResult>;
}

/** What the work in a transaction returns: its value, and whether the transaction commits (else it rolls back). */
export interface TransactionOutcome<T> {
  commit: boolean;
  value: T;
}

export type TransactionWork<T> = (tx: Transaction) => Promise<TransactionOutcome<T>>;
