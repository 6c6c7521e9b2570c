import mysql from 'mysql2';
import type { FieldPacket, PoolConnection, ResultSetHeader } from 'mysql2';
import { CredentialsRejected, DatabaseError, DatabaseUnavailable, QueryCancelled, StatementTimeout } from '../errors.js';
import { secrets } from '../redact.js';
import { mysqlTransport } from '@dbwarden/api/tls';
import { withLeadingComment } from './attribution.js';
import { columnOf } from './mysql-columns.js';
import { mysqlTransaction } from './mysql-transaction.js';
import type { TransactionWork } from './transaction.js';
import type { Column, ColumnInfo, EnginePool, PoolSettings, QueryResult, RowSink, RunOptions, StreamSummary, Target, Value } from './types.js';

/** Options that make values exact and JSON-friendly: dates and big numbers as the server's text. */
export const mysqlValueOptions = {
  dateStrings: true,
  supportBigNumbers: true,
  bigNumberStrings: true,
  decimalNumbers: false,
} as const;

/** Errors that say the connection or the account is unusable, not that the statement failed. */
const unavailableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'PROTOCOL_CONNECTION_LOST',
  'ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'HANDSHAKE_SSL_ERROR', 'ER_SECURE_TRANSPORT_REQUIRED', 'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS', 'ER_USER_LIMIT_REACHED']);
/** MySQL 8 ER_QUERY_TIMEOUT (max_execution_time), MariaDB ER_STATEMENT_TIMEOUT (max_statement_time). */
const timeoutErrnos = new Set([3024, 1969]);
/** Status flag of an OK packet that says a statement changed the session: SERVER_SESSION_STATE_CHANGED. */
const sessionChanged = 0x4000;
/** The limits each open connection's session holds (see MysqlPool.limit). */
const sessionLimits = new WeakMap<PoolConnection, string>();

/** After KILL QUERY, how long the statement may take to stop before its connection is cut. */
const cancelGraceMs = 5_000;

/** One policy's MySQL/MariaDB connections, as the policy's own user. */
export class MysqlPool implements EnginePool {
  private readonly pool: mysql.Pool;
  private flavour?: Promise<'mysql' | 'mariadb'>;

  constructor(private readonly target: Target, settings: PoolSettings) {
    secrets.hold(target.password);
    this.pool = mysql.createPool({
      ...mysqlTransport(target.tls, target.host, target.port),
      user: target.user,
      password: target.password,
      database: target.database,
      multipleStatements: false,
      connectionLimit: target.maxConnections,
      maxIdle: target.maxConnections,
      idleTimeout: settings.idleMs,
      connectTimeout: 10_000,
      enableKeepAlive: true,
      charset: 'utf8mb4',
      ...mysqlValueOptions,
    });
    this.pool.on('connection', (conn) => conn.on('error', () => undefined));
  }

  async run(sql: string, options: RunOptions): Promise<QueryResult> {
    const rows: Value[][] = [];
    let columns: Column[] = [];
    const summary = await this.stream(sql, options, { columns: (c) => (columns = c), row: (r) => rows.push(r) });
    return { columns, rows, rowCount: summary.rowCount, truncated: summary.truncated };
  }

  /**
   * Runs one statement in its own transaction — `START TRANSACTION READ ONLY` and ROLLBACK for read-only
   * policies, READ WRITE and COMMIT otherwise — in a session holding the policy's limits:
   * max_statement_time (MariaDB) or max_execution_time (MySQL), lock waits bounded, sql_select_limit as a
   * server-side row cap, and READ ONLY as the session's default too. The limits are set once per connection
   * (see `limit`), so the common case is three round trips. A statement that changes the session (the server
   * reports it), or any answer but rows on a read-only policy, ends the connection; so do rows past the cap.
   */
  async stream(sql: string, options: RunOptions, sink: RowSink): Promise<StreamSummary> {
    const flavour = await this.serverFlavour();
    const conn = await this.connect();
    const { signal } = options;
    if (signal?.aborted) {
      conn.release();
      throw new QueryCancelled();
    }
    const p = conn.promise();
    let destroy = false;
    let cancelled = false;
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      cancelled = true;
      void this.kill(conn.threadId).then((sent) => {
        if (settled) return;
        // No KILL reached the server (e.g. max_user_connections), or the statement does not stop: cut the
        // connection, which ends the query here; the server stops it when it next notices.
        if (!sent) conn.destroy();
        else grace = setTimeout(() => conn.destroy(), cancelGraceMs).unref();
      });
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await this.limit(conn, flavour, options);
      await p.query(options.readOnly ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION READ WRITE');
      const outcome = await new Promise<StreamSummary & { cut: boolean }>((resolve, reject) => {
        let rowCount = 0;
        let affected: number | undefined;
        let announced = false;
        let done = false;
        // A throw inside mysql2's event handlers would wedge its parser: failures end the query here instead.
        const guarded = <A extends unknown[]>(handler: (...args: A) => void) => (...args: A): void => {
          if (done) return;
          try {
            handler(...args);
          } catch (err) {
            done = true;
            conn.pause();
            reject(Object.assign(err as Error, { fatal: true }));
          }
        };
        const query = conn.query({ sql: withLeadingComment(sql, options.attribution), rowsAsArray: true });
        query.on('fields', guarded((fields?: FieldPacket[]) => {
          if (!fields) return; // INSERT, UPDATE, DELETE
          announced = true;
          sink.columns(fields.map(columnOf));
        }));
        query.on('result', guarded((row: Value[] | ResultSetHeader) => {
          if (!Array.isArray(row)) {
            affected = row.affectedRows;
            if (options.readOnly || (row.serverStatus & sessionChanged) !== 0) destroy = true;
            return;
          }
          if (rowCount >= options.rowLimit) {
            // More rows than the cap (an explicit LIMIT beats sql_select_limit): stop reading.
            done = true;
            conn.pause();
            resolve({ rowCount, truncated: true, cut: true });
            return;
          }
          rowCount++;
          sink.row(row);
        }));
        query.on('error', (err: Error) => {
          if (done) return;
          done = true;
          reject(err);
        });
        query.on('end', () => {
          if (done) return;
          done = true;
          if (!announced) sink.columns([]);
          resolve({ rowCount: announced ? rowCount : (affected ?? 0), truncated: false, cut: false });
        });
      });
      // A killed statement may still end normally (SLEEP answers 1): a read-only answer nobody will read
      // is a cancelled query. A read-write one is committed unless the KILL came first (then COMMIT fails).
      if (cancelled && options.readOnly) throw new QueryCancelled();
      if (outcome.cut || destroy) {
        destroy = true; // the server may still send rows; closing the connection also rolls back
      } else {
        await p.query(options.readOnly ? 'ROLLBACK' : 'COMMIT');
      }
      return { rowCount: outcome.rowCount, truncated: outcome.truncated };
    } catch (err) {
      if (cancelled) {
        // A KILL QUERY may still be on its way: the connection never serves another query; closing it rolls back.
        destroy = true;
        throw err instanceof QueryCancelled ? err : new QueryCancelled();
      }
      const translated = translate(err);
      if (translated instanceof DatabaseUnavailable) destroy = true;
      else if (!destroy) await p.query('ROLLBACK').catch(() => (destroy = true));
      throw translated;
    } finally {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(grace);
      if (destroy || cancelled) conn.destroy();
      else conn.release();
    }
  }

  /**
   * KILL QUERY for a connection of this pool, from a connection of its own as the same user (users may kill
   * their own threads), outside the pool, which may be full. Resolves whether the KILL was made; never throws.
   */
  private async kill(threadId: number | null): Promise<boolean> {
    if (typeof threadId !== 'number') return false;
    const killer = mysql.createConnection({
      ...mysqlTransport(this.target.tls, this.target.host, this.target.port),
      user: this.target.user,
      password: this.target.password,
      database: this.target.database,
      connectTimeout: 5_000,
    });
    killer.on('error', () => undefined);
    try {
      await killer.promise().query(`KILL QUERY ${Math.trunc(threadId)}`);
      return true;
    } catch {
      return false;
    } finally {
      killer.destroy();
    }
  }

  /**
   * Puts the policy's limits on a connection's session, unless it holds them already: two round trips, once
   * per connection (and again if the policy's limits change). A failure fails the query and ends the
   * connection, so nothing runs without them. `session_track_state_change` makes the server flag any later
   * change to the session in its answers (see `sessionChanged`).
   */
  private async limit(conn: PoolConnection, flavour: 'mysql' | 'mariadb', options: RunOptions): Promise<void> {
    const ms = Math.max(1, Math.trunc(options.timeoutMs));
    const seconds = Math.max(1, Math.ceil(ms / 1000));
    const limits = `${options.readOnly ? 'ro' : 'rw'}/${ms}/${options.rowLimit}`;
    if (sessionLimits.get(conn) === limits) return;
    sessionLimits.delete(conn);
    const p = conn.promise();
    try {
      await p.query(options.readOnly ? 'SET SESSION TRANSACTION READ ONLY' : 'SET SESSION TRANSACTION READ WRITE');
      await p.query(`SET SESSION autocommit = 1, session_track_state_change = ON, ${flavour === 'mariadb' ? 'max_statement_time = ?' : 'max_execution_time = ?'}, ` +
        'sql_select_limit = ?, lock_wait_timeout = ?, innodb_lock_wait_timeout = ?',
      [flavour === 'mariadb' ? ms / 1000 : ms, options.rowLimit + 1, seconds, seconds]);
    } catch (err) {
      throw new DatabaseUnavailable(`The policy's limits could not be set on the MySQL/MariaDB session: ${(err as Error).message}`);
    }
    sessionLimits.set(conn, limits);
  }

  /** Several statements in one InnoDB read-write transaction with the policy's limits, committed only if `work` says so. */
  async writeTransaction<T>(options: RunOptions, work: TransactionWork<T>): Promise<T> {
    const flavour = await this.serverFlavour();
    const conn = await this.connect();
    return mysqlTransaction(conn, () => this.limit(conn, flavour, { ...options, readOnly: false }), work, translate, options.attribution);
  }

  /** The columns this user can see in the connection's database (information_schema hides the rest). */
  async columns(): Promise<ColumnInfo[]> {
    const conn = await this.connect();
    try {
      const [rows] = await conn.promise().query(
        `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS d, IS_NULLABLE AS n
           FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION
          LIMIT 100000`, [this.target.database]); // an explicit LIMIT: queries leave sql_select_limit set on the session
      return (rows as Array<{ s: string; t: string; c: string; d: string; n: string }>)
        .map((r) => ({ schema: r.s, table: r.t, column: r.c, type: r.d, nullable: r.n === 'YES' }));
    } catch (err) {
      throw translate(err);
    } finally {
      conn.release();
    }
  }

  async close(): Promise<void> {
    try {
      await this.pool.promise().end();
    } finally {
      secrets.release(this.target.password);
    }
  }

  private serverFlavour(): Promise<'mysql' | 'mariadb'> {
    this.flavour ??= (async () => {
      const conn = await this.connect();
      try {
        const [rows] = await conn.promise().query({ sql: 'SELECT VERSION()', rowsAsArray: true });
        const version = (rows as string[][])[0]?.[0] ?? '';
        return version.includes('MariaDB') ? 'mariadb' : 'mysql';
      } finally {
        conn.release();
      }
    })();
    void this.flavour.catch(() => (this.flavour = undefined));
    return this.flavour;
  }

  private connect(): Promise<PoolConnection> {
    return new Promise((resolve, reject) => {
      this.pool.getConnection((err, conn) => {
        if (err) {
          const message = `Cannot connect to MySQL/MariaDB at ${this.target.host}:${this.target.port} as ${this.target.user}: ${err.message}`;
          // The Secret may have changed since it was read.
          reject((err as { code?: string }).code === 'ER_ACCESS_DENIED_ERROR' ? new CredentialsRejected(message) : new DatabaseUnavailable(message));
        } else {
          resolve(conn);
        }
      });
    });
  }
}

export function translate(err: unknown): Error {
  if (err instanceof DatabaseError || err instanceof StatementTimeout || err instanceof DatabaseUnavailable) return err;
  const e = err as { code?: string; errno?: number; sqlState?: string; message?: string; fatal?: boolean };
  const message = e.message ?? String(err);
  if (e.errno !== undefined && timeoutErrnos.has(e.errno)) return new StatementTimeout(`The statement was cancelled after the policy's statementTimeout: ${message}`);
  if (e.fatal || (e.code !== undefined && unavailableCodes.has(e.code))) return new DatabaseUnavailable(`MySQL/MariaDB connection failed: ${message}`);
  return new DatabaseError(message, e.sqlState);
}
