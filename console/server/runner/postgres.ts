import pg from 'pg';
import type { Connection as PgConnection, FieldDef, QueryArrayResult } from 'pg';
import { DatabaseError, DatabaseUnavailable, StatementTimeout } from '../errors.js';
import { postgresDefaultSchema } from '../guard/index.js';
import { secrets } from '../redact.js';
import { postgresSsl } from './tls.js';
import type { Column, ColumnInfo, QueryResult, RowSink, RunOptions, StreamSummary, Target, Value } from './types.js';

/** Types whose JavaScript form is exact (and JSON-native); every other type stays the server's text. */
const parsedTypes = new Set([16, 21, 23, 26, 114, 700, 701, 3802]);
export const postgresTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): ((value: string) => unknown) =>
    parsedTypes.has(oid) ? pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown : (value: string) => value) as typeof pg.types.getTypeParser,
};

const typeNames: Record<number, string> = {
  16: 'bool', 17: 'bytea', 18: 'char', 19: 'name', 20: 'int8', 21: 'int2', 23: 'int4', 25: 'text', 26: 'oid', 114: 'json',
  700: 'float4', 701: 'float8', 1042: 'bpchar', 1043: 'varchar', 1082: 'date', 1083: 'time', 1114: 'timestamp',
  1184: 'timestamptz', 1186: 'interval', 1266: 'timetz', 1700: 'numeric', 2950: 'uuid', 3802: 'jsonb', 1009: 'text[]',
  1007: 'int4[]', 1016: 'int8[]', 1231: 'numeric[]', 1015: 'varchar[]',
};

/** Longest any console statement may run (the CRD caps statementTimeout at 5m); a client-side backstop. */
const maxStatementMs = 300_000;

/** The parts of pg.Query's protocol handling that CappedQuery refines (not in @types/pg). */
interface QueryInternals {
  handleCommandComplete(msg: unknown, connection: PgConnection): void;
  handleError(err: Error, connection: PgConnection): void;
  handleReadyForQuery(connection: PgConnection): void;
}
const base = pg.Query.prototype as unknown as QueryInternals;
const sync = (connection: PgConnection): void => (connection as unknown as { sync(): void }).sync();

/**
 * pg.Query with a row cap enforced by the protocol: it executes the portal for at most `cap + 1` rows and,
 * when the server suspends the portal, ends it with Sync instead of fetching more (as pg-cursor does). The
 * extended protocol it uses also makes the server refuse several statements in one query.
 */
class CappedQuery extends pg.Query {
  /** Sync sent (pg sends none before CommandComplete when a row count is given). */
  private synced = false;
  private ready = false;

  constructor(text: string, cap: number, callback?: (err: Error | undefined, result: QueryArrayResult) => void) {
    super({ text, rowMode: 'array', rows: cap + 1 } as pg.QueryConfig, callback as never);
  }

  /** The server stopped at the row cap: end the portal instead of asking for more. */
  handlePortalSuspended(connection: PgConnection): void {
    this.synced = true;
    sync(connection);
  }

  handleCommandComplete(msg: unknown, connection: PgConnection): void {
    this.synced = true; // pg syncs here itself
    base.handleCommandComplete.call(this, msg, connection);
  }

  /** An error from the server before any Sync: the server waits for one before it is ready again. */
  handleError(err: Error, connection: PgConnection): void {
    if (!this.synced && !this.ready) {
      this.synced = true;
      sync(connection);
    }
    base.handleError.call(this, err, connection);
  }

  handleReadyForQuery(connection: PgConnection): void {
    this.ready = true;
    base.handleReadyForQuery.call(this, connection);
  }
}

export interface PoolSettings {
  idleMs: number;
}

/** One policy's PostgreSQL connections, as the policy's own user. */
export class PostgresPool {
  private readonly pool: pg.Pool;

  constructor(private readonly target: Target, settings: PoolSettings) {
    secrets.hold(target.password);
    this.pool = new pg.Pool({
      host: target.host,
      port: target.port,
      database: target.database,
      user: target.user,
      password: target.password,
      ssl: postgresSsl(target.tls, target.host),
      max: target.maxConnections,
      idleTimeoutMillis: settings.idleMs,
      connectionTimeoutMillis: 10_000,
      application_name: 'dbwarden-console',
      statement_timeout: maxStatementMs,
      query_timeout: maxStatementMs + 10_000,
      types: postgresTypes,
    });
    // An idle client's error (server restart, network) must not crash the process; pg removes the client.
    this.pool.on('error', () => undefined);
  }

  async run(sql: string, options: RunOptions): Promise<QueryResult> {
    const result = await this.transaction(options, (client) => new Promise<QueryArrayResult>((resolve, reject) => {
      client.query(new CappedQuery(sql, options.rowLimit, (err, res) => (err ? reject(err) : resolve(res))));
    }));
    const rows = result.rows as Value[][];
    const truncated = rows.length > options.rowLimit;
    if (truncated) rows.length = options.rowLimit;
    const returnsRows = result.fields.length > 0;
    return { columns: columnsOf(result.fields), rows, rowCount: returnsRows ? rows.length : (result.rowCount ?? 0), truncated };
  }

  async stream(sql: string, options: RunOptions, sink: RowSink): Promise<StreamSummary> {
    return this.transaction(options, (client) => new Promise<StreamSummary>((resolve, reject) => {
      const query = new CappedQuery(sql, options.rowLimit);
      let rowCount = 0;
      let truncated = false;
      let announced = false;
      const announce = (fields: FieldDef[]): void => {
        if (announced) return;
        announced = true;
        sink.columns(columnsOf(fields));
      };
      // A throw inside pg's message handling would break the connection: a failing sink ends the stream
      // when the query completes instead.
      let sinkError: Error | undefined;
      query.on('row', (row: Value[], result?: { fields: FieldDef[] }) => {
        if (sinkError !== undefined) return;
        try {
          announce(result?.fields ?? []);
          if (rowCount >= options.rowLimit) {
            truncated = true;
            return;
          }
          rowCount++;
          sink.row(row);
        } catch (err) {
          sinkError = err instanceof Error ? err : new Error('the result could not be written');
        }
      });
      query.on('error', reject);
      query.on('end', (result: { fields: FieldDef[]; rowCount: number | null }) => {
        if (sinkError !== undefined) {
          reject(sinkError);
          return;
        }
        try {
          announce(result.fields);
          resolve({ rowCount: result.fields.length > 0 ? rowCount : (result.rowCount ?? 0), truncated });
        } catch (err) {
          reject(err instanceof Error ? err : new Error('the result could not be written'));
        }
      });
      client.query(query);
    }));
  }

  /** The columns this user can see, outside the system schemas (information_schema hides the rest). */
  async columns(): Promise<ColumnInfo[]> {
    const client = await this.connect();
    try {
      const { rows } = await client.query<{ table_schema: string; table_name: string; column_name: string; data_type: string; is_nullable: string }>(
        `SELECT table_schema, table_name, column_name, data_type, is_nullable
           FROM information_schema.columns
          WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg\\_%'
          ORDER BY table_schema, table_name, ordinal_position`);
      return rows.map((r) => ({ schema: r.table_schema, table: r.table_name, column: r.column_name, type: r.data_type, nullable: r.is_nullable === 'YES' }));
    } catch (err) {
      throw translate(err);
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    try {
      await this.pool.end();
    } finally {
      secrets.release(this.target.password);
    }
  }

  /**
   * Runs `work` inside a transaction with the policy's limits: READ ONLY (rolled back) for read-only
   * policies, committed otherwise; statement, lock and idle-in-transaction timeouts; search_path public.
   */
  private async transaction<T>(options: RunOptions, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    let broken: Error | undefined;
    try {
      const ms = Math.max(1, Math.trunc(options.timeoutMs));
      // Our own text: integers computed here, the search path a constant. One round trip.
      await client.query(`BEGIN ${options.readOnly ? 'READ ONLY' : 'READ WRITE'}; SET LOCAL statement_timeout = ${ms}; ` +
        `SET LOCAL lock_timeout = ${ms}; SET LOCAL idle_in_transaction_session_timeout = ${ms + 5_000}; ` +
        `SET LOCAL search_path = ${postgresDefaultSchema}`);
      let result: T;
      try {
        result = await work(client);
      } catch (err) {
        await client.query('ROLLBACK').catch((e: unknown) => {
          broken = e as Error;
        });
        throw translate(err);
      }
      await client.query(options.readOnly ? 'ROLLBACK' : 'COMMIT');
      return result;
    } catch (err) {
      const translated = translate(err);
      // A statement's error leaves the connection usable; anything else discards it.
      if (!(translated instanceof DatabaseError || translated instanceof StatementTimeout)) broken ??= err as Error;
      throw translated;
    } finally {
      client.release(broken);
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (err) {
      throw new DatabaseUnavailable(`Cannot connect to PostgreSQL at ${this.target.host}:${this.target.port} as ${this.target.user}: ${(err as Error).message}`);
    }
  }
}

function columnsOf(fields: FieldDef[]): Column[] {
  return fields.map((f) => ({ name: f.name, type: typeNames[f.dataTypeID] ?? `oid:${f.dataTypeID}` }));
}

/** The database's own message, typed: timeouts apart, connection failures as 502. */
function translate(err: unknown): Error {
  if (err instanceof DatabaseError || err instanceof StatementTimeout || err instanceof DatabaseUnavailable) return err;
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  if (e.code === '57014') return new StatementTimeout(`The statement was cancelled after the policy's statementTimeout: ${message}`);
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && !e.code.startsWith('08') && !e.code.startsWith('28')) {
    return new DatabaseError(message, e.code);
  }
  return new DatabaseUnavailable(`PostgreSQL connection failed: ${message}`);
}
