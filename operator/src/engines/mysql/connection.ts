import mysqlCallbacks, { type Pool, type PoolConnection, type RowDataPacket, type SqlValue } from 'mysql2';
import mysql from 'mysql2/promise';
import type { ConnectionSettings, EngineObserver } from '../engine.js';
import { errno, errorNumber, toEngineError } from './errors.js';
import type { MysqlTransport as TransportOptions } from '@dbwarden/api/tls';

export type Row = Record<string, unknown>;
export type WriteKind = 'ddl' | 'grant' | 'revoke' | 'password' | 'session';

/** A column as text: mysql2 gives strings, or Buffers for binary-collated system columns. */
export function text(row: Row | undefined, column: string): string {
  const value = row?.[column];
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number' || typeof value === 'bigint') return value.toString();
  return '';
}

/** A statement that changes the database. */
export interface Statement {
  kind: WriteKind;
  sql: string;
  values: SqlValue[];
  /** What it does, for error messages; never holds a password. */
  description: string;
  /** Values (passwords) to blank out of any error message. */
  secrets?: string[];
}

/** A statement without secrets, described by its own text with the values filled in. */
export function statement(kind: WriteKind, sql: string, values: SqlValue[]): Statement {
  return { kind, sql, values, description: mysql.format(sql, values) };
}

const connectTimeoutMs = 10_000;
const loginTimeoutMs = 5_000;

/** The admin's connection pool: reads, and writes reported to the observer, with errors as EngineErrors. */
export class AdminConnection {
  #pool: Pool | undefined;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly transport: () => TransportOptions,
    private readonly observer: EngineObserver | undefined,
  ) {}

  async read(what: string, sql: string, values: SqlValue[] = []): Promise<Row[]> {
    return (await this.#run(sql, values, what, [], [])) ?? [];
  }

  /** Runs a change and reports it to the observer. False, and no report, when the server answers with one of `tolerated`. */
  async write(change: Statement, tolerated: readonly number[] = []): Promise<boolean> {
    const done = (await this.#run(change.sql, change.values, change.description, change.secrets ?? [], tolerated)) !== undefined;
    if (done) this.observer?.onWrite?.('mysql', change.kind);
    return done;
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool) await new Promise<void>((resolve) => pool.end(() => resolve()));
  }

  /**
   * The rows, or undefined when the server answered with a tolerated error number. mysql2's callback API:
   * its promise wrapper captures a stack trace for every call (about 1 ms of CPU per policy provisioned).
   */
  async #run(sql: string, values: SqlValue[], doing: string, secrets: string[], tolerated: readonly number[]): Promise<Row[] | undefined> {
    const hidden = [this.settings.admin.password, ...secrets];
    const conn = await this.#connection(hidden);
    try {
      return await new Promise<Row[]>((resolve, reject) => {
        conn.query<RowDataPacket[]>(sql, values, (err, rows) => (err ? reject(err) : resolve(rows)));
      });
    } catch (err) {
      if (tolerated.includes(errorNumber(err) ?? 0)) return undefined;
      throw toEngineError(err, 'statement', doing, hidden);
    } finally {
      conn.release();
    }
  }

  async #connection(hidden: string[]): Promise<PoolConnection> {
    try {
      const pool = this.#pool ??= mysqlCallbacks.createPool({
        ...this.transport(),
        user: this.settings.admin.username,
        password: this.settings.admin.password,
        database: this.settings.database,
        connectionLimit: 4,
        multipleStatements: false,
        connectTimeout: connectTimeoutMs,
      });
      return await new Promise<PoolConnection>((resolve, reject) => {
        pool.getConnection((err, conn) => (err ? reject(err) : resolve(conn)));
      });
    } catch (err) {
      const { host, port, admin } = this.settings;
      throw toEngineError(err, 'connecting', `connecting to ${host}:${port} as ${admin.username}`, hidden);
    }
  }
}

/**
 * A real login attempt as `user` with the connection's TLS settings and no default database. True when the
 * password authenticates, including when the server then refuses the session for MAX_USER_CONNECTIONS (it
 * checks that after authentication); false when it is refused; an EngineError when the server cannot say.
 */
export async function tryLogin(
  settings: ConnectionSettings,
  transport: TransportOptions,
  user: string,
  password: string,
): Promise<boolean> {
  try {
    const conn = await mysql.createConnection({ ...transport, user, password, connectTimeout: loginTimeoutMs });
    await conn.end();
    return true;
  } catch (err) {
    const number = errorNumber(err);
    if (number === errno.tooManyUserConnections) return true;
    if (isRefusedLogin(number)) return false;
    throw toEngineError(err, 'connecting', `logging in to ${settings.host}:${settings.port} as ${user}`, [password]);
  }
}

function isRefusedLogin(number: number | undefined): boolean {
  return (
    number === errno.accessDenied ||
    number === errno.accessDeniedNoPassword ||
    number === errno.mysqlAccountLocked ||
    number === errno.mariadbAccountLocked
  );
}
