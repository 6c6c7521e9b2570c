import pg from 'pg';
import type { Connection as PgConnection, FieldDef, QueryArrayResult } from 'pg';
import { CredentialsRejected, DatabaseError, DatabaseUnavailable, QueryCancelled, StatementTimeout } from '../errors.js';
import { postgresDefaultSchema } from '../guard/index.js';
import { secrets } from '../redact.js';
import { postgresSsl } from '@dbwarden/api/tls';
import { setApplicationName } from './attribution.js';
import { postgresTransaction } from './postgres-transaction.js';
import type { TransactionWork } from './transaction.js';
import type { Column, ColumnInfo, EnginePool, PoolSettings, QueryResult, RowSink, RunOptions, StreamSummary, Target, Value } from './types.js';

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

/** After a cancel request, how long the statement may take to stop before its connection is cut. */
const cancelGraceMs = 5_000;

/** Longest any console statement may run (the CRD caps statementTimeout at 5m); a client-side backstop. */
const maxStatementMs = 300_000;

/** The parts of pg.Query's protocol handling that TransactionStatement refines (not in @types/pg). */
interface QueryInternals {
  handleRowDescription(msg: unknown): void;
  handleDataRow(msg: unknown): void;
  handleCommandComplete(msg: unknown, connection: PgConnection): void;
}
const base = pg.Query.prototype as unknown as QueryInternals;

/** The extended-protocol messages of pg's Connection written here (pg 8; loosely typed by @types/pg). */
interface Wire {
  stream: { cork?(): void; uncork?(): void };
  parse(query: { text: string }): void;
  bind(config: object): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(config: { portal: string; rows: number }): void;
  sync(): void;
}

/**
 * What surrounds a statement: BEGIN and SET LOCAL with the policy's limits before it (our own text), the
 * query's attribution as application_name (a bound value), ROLLBACK or COMMIT after.
 */
interface Frame {
  before: readonly string[];
  attribution?: string;
  after: string;
}

/** How many of the frame's statements run before the query's own. */
const leading = (frame: Frame): number => frame.before.length + (frame.attribution === undefined ? 0 : 1);

/**
 * A statement in its transaction, in one round trip: the frame's statements, the statement itself, executed
 * for at most `cap + 1` rows (the server suspends the portal there), and the end of the transaction, all
 * written together behind one Sync. Every part goes through the extended protocol, so the server refuses
 * several statements in one, and an error anywhere makes the server skip everything up to the Sync: the
 * statement never runs outside its transaction and limits, and a failed transaction stays open for the
 * caller to roll back. Only the statement's own rows and command tag reach the result.
 */
class TransactionStatement extends pg.Query {
  /** Parts of the pipeline the server has finished (CommandComplete, PortalSuspended or EmptyQueryResponse). */
  private finished = 0;

  constructor(
    private readonly frame: Frame,
    private readonly statement: string,
    private readonly cap: number,
    callback?: (err: Error | undefined, result: QueryArrayResult) => void,
  ) {
    super({ text: statement, rowMode: 'array' } as pg.QueryConfig, callback as never);
  }

  override submit = (connection: PgConnection): void => {
    const wire = connection as unknown as Wire;
    const plain = (text: string, values?: string[]): void => {
      wire.parse({ text });
      wire.bind(values ? { values } : {});
      wire.execute({ portal: '', rows: 0 });
    };
    wire.stream.cork?.();
    try {
      for (const text of this.frame.before) plain(text);
      if (this.frame.attribution !== undefined) plain(setApplicationName, [this.frame.attribution]);
      wire.parse({ text: this.statement });
      wire.bind({});
      wire.describe({ type: 'P', name: '' });
      wire.execute({ portal: '', rows: this.cap + 1 });
      plain(this.frame.after);
      wire.sync();
    } finally {
      wire.stream.uncork?.();
    }
  };

  /** Is the server answering for the statement (not for the frame around it)? */
  private get inStatement(): boolean {
    return this.finished === leading(this.frame);
  }

  handleRowDescription(msg: unknown): void {
    if (this.inStatement) base.handleRowDescription.call(this, msg);
  }

  handleDataRow(msg: unknown): void {
    if (this.inStatement) base.handleDataRow.call(this, msg);
  }

  handleCommandComplete(msg: unknown, connection: PgConnection): void {
    // pg.Query sends Sync here only for a `rows` config, which this query does not use.
    if (this.inStatement) base.handleCommandComplete.call(this, msg, connection);
    this.finished++;
  }

  /** The row cap: the end of the transaction, already sent, closes the portal. */
  handlePortalSuspended(): void {
    this.finished++;
  }

  handleEmptyQuery(): void {
    this.finished++;
  }
}

/** One policy's PostgreSQL connections, as the policy's own user. */
export class PostgresPool implements EnginePool {
  private readonly pool: pg.Pool;
  /** How to reach the server as the policy's user: for the pool, and for a cancel request's own connection. */
  private readonly connection: pg.ClientConfig;

  constructor(private readonly target: Target, settings: PoolSettings) {
    secrets.hold(target.password);
    this.connection = {
      host: target.host,
      port: target.port,
      database: target.database,
      user: target.user,
      password: target.password,
      ssl: postgresSsl(target.tls, target.host),
    };
    this.pool = new pg.Pool({
      ...this.connection,
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
    const result = await this.transaction(options, (client, frame) => new Promise<QueryArrayResult>((resolve, reject) => {
      client.query(new TransactionStatement(frame, sql, options.rowLimit, (err, res) => (err ? reject(err) : resolve(res))));
    }));
    const rows = result.rows as Value[][];
    const truncated = rows.length > options.rowLimit;
    if (truncated) rows.length = options.rowLimit;
    const returnsRows = result.fields.length > 0;
    return { columns: columnsOf(result.fields), rows, rowCount: returnsRows ? rows.length : (result.rowCount ?? 0), truncated };
  }

  async stream(sql: string, options: RunOptions, sink: RowSink): Promise<StreamSummary> {
    return this.transaction(options, (client, frame) => new Promise<StreamSummary>((resolve, reject) => {
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
      const finish = (err: Error | undefined, result: { fields: FieldDef[]; rowCount: number | null }): void => {
        if (err) {
          reject(err);
          return;
        }
        if (sinkError !== undefined) {
          reject(sinkError);
          return;
        }
        try {
          announce(result.fields);
          resolve({ rowCount: result.fields.length > 0 ? rowCount : (result.rowCount ?? 0), truncated });
        } catch (e) {
          reject(e instanceof Error ? e : new Error('the result could not be written'));
        }
      };
      // Errors and the end arrive through the callback: pg routes them there, not to 'error' events, once it
      // wraps the callback for its query_timeout.
      const query = new TransactionStatement(frame, sql, options.rowLimit, finish);
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
      client.query(query);
    }));
  }

  /** Several statements in one read-write transaction with the policy's limits, committed only if `work` says so. */
  async writeTransaction<T>(options: RunOptions, work: TransactionWork<T>): Promise<T> {
    return postgresTransaction(await this.connect(), frameOf({ ...options, readOnly: false }), work, { columnsOf, translate });
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
   * Runs `work` (one TransactionStatement) in a transaction with the policy's limits: READ ONLY (rolled back)
   * for read-only policies, committed otherwise; statement, lock and idle-in-transaction timeouts;
   * search_path public. One round trip; a statement the server refuses costs a second (ROLLBACK). A
   * connection that is not idle outside a transaction afterwards, or failed otherwise, is discarded.
   * `options.signal` aborting cancels the statement in the server (see `cancel`) and discards the connection.
   */
  private async transaction<T>(options: RunOptions, work: (client: pg.PoolClient, frame: Frame) => Promise<T>): Promise<T> {
    const client = await this.connect();
    const { signal } = options;
    if (signal?.aborted) {
      client.release();
      throw new QueryCancelled();
    }
    let discard: Error | boolean = false;
    let cancelled = false;
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      cancelled = true;
      void this.cancel(client).then((sent) => {
        if (settled) return;
        // No cancel request reached the server (e.g. the role's connection limit), or the statement does not
        // stop: cut the connection, which ends the query here and, when the server next writes, there.
        if (!sent) destroy(client);
        else grace = setTimeout(() => destroy(client), cancelGraceMs).unref();
      });
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await work(client, frameOf(options));
      if (client.getTransactionStatus() !== 'I') discard = true;
      // A read-only answer nobody will read is a cancelled query; a committed change is reported as done.
      if (cancelled && options.readOnly) throw new QueryCancelled();
      return result;
    } catch (err) {
      if (cancelled) {
        // A cancel request may still be on its way: the connection never serves another query.
        discard = true;
        throw err instanceof QueryCancelled ? err : new QueryCancelled();
      }
      const translated = translate(err);
      if (translated instanceof DatabaseError || translated instanceof StatementTimeout) {
        // The server skipped the rest of the pipeline: the transaction is still open, failed.
        await client.query('ROLLBACK').catch((e: unknown) => {
          discard = e as Error;
        });
        if (client.getTransactionStatus() !== 'I') discard ||= true;
      } else {
        discard = err as Error;
      }
      throw translated;
    } finally {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (cancelled) discard ||= true;
      clearTimeout(grace);
      client.release(discard);
    }
  }

  /**
   * Asks the server to cancel what `client`'s backend is running: pg_cancel_backend from a connection of
   * its own as the same user (a role may signal its own backends), outside the pool, which may be full.
   * Resolves whether the request was made; never throws.
   */
  private async cancel(client: pg.PoolClient): Promise<boolean> {
    const pid = (client as unknown as { processID?: number | null }).processID;
    if (typeof pid !== 'number') return false;
    const canceller = new pg.Client({ ...this.connection, connectionTimeoutMillis: 5_000, statement_timeout: 5_000, application_name: 'dbwarden-console-cancel' });
    canceller.on('error', () => undefined);
    try {
      await canceller.connect();
      await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
      return true;
    } catch {
      return false;
    } finally {
      await canceller.end().catch(() => undefined);
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (err) {
      const message = `Cannot connect to PostgreSQL at ${this.target.host}:${this.target.port} as ${this.target.user}: ${(err as Error).message}`;
      // invalid_authorization_specification, invalid_password: the Secret may have changed since it was read.
      const code = (err as { code?: unknown }).code;
      throw code === '28P01' || code === '28000' ? new CredentialsRejected(message) : new DatabaseUnavailable(message);
    }
  }
}

/** Ends a connection at once; pg fails its running query ("Connection terminated") and the pool drops it. */
function destroy(client: pg.PoolClient): void {
  // pg reports the cut as an error event too, which must not crash the process.
  client.on('error', () => undefined);
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/** The frame of a statement: our own text, with integers computed here and the search path a constant. */
function frameOf(options: RunOptions): Frame {
  const ms = Math.max(1, Math.trunc(options.timeoutMs));
  return {
    before: [
      `BEGIN ${options.readOnly ? 'READ ONLY' : 'READ WRITE'}`,
      `SET LOCAL statement_timeout = ${ms}`,
      `SET LOCAL lock_timeout = ${ms}`,
      `SET LOCAL idle_in_transaction_session_timeout = ${ms + 5_000}`,
      `SET LOCAL search_path = ${postgresDefaultSchema}`,
    ],
    ...(options.attribution !== undefined ? { attribution: options.attribution } : {}),
    after: options.readOnly ? 'ROLLBACK' : 'COMMIT',
  };
}

export type { Frame };

export function columnsOf(fields: FieldDef[]): Column[] {
  return fields.map((f) => ({ name: f.name, type: typeNames[f.dataTypeID] ?? `oid:${f.dataTypeID}` }));
}

/**
 * The database's own message, typed: timeouts apart, connection failures (classes 08 and 28, and 57P: the
 * server ended the session, e.g. the operator retiring a rotated user) as 502.
 */
export function translate(err: unknown): Error {
  if (err instanceof DatabaseError || err instanceof StatementTimeout || err instanceof DatabaseUnavailable) return err;
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  if (e.code === '57014') return new StatementTimeout(`The statement was cancelled after the policy's statementTimeout: ${message}`);
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && !/^(08|28|57P)/.test(e.code)) {
    return new DatabaseError(message, e.code);
  }
  return new DatabaseUnavailable(`PostgreSQL connection failed: ${message}`);
}
