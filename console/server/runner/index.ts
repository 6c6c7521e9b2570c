import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { QueryCancelled } from '../errors.js';
import { Admission } from './admission.js';
import { enginePools } from './pools.js';
import type { ColumnInfo, EnginePool, QueryResult, RowSink, RunOptions, StreamSummary, Target } from './types.js';
import type { TransactionWork } from './transaction.js';

export type * from './types.js';
export type * from './transaction.js';

export interface RunnerSettings {
  /** Most connections per policy (a policy's connectionLimit lowers it). */
  poolMax: number;
  /** Idle connections close after this; a policy's whole pool closes after it has been idle this long. */
  idleMs: number;
  /** Queries that may wait for a connection, per policy, before 429. */
  queueMax: number;
  /** Longest wait for a connection before 429. */
  queueTimeoutMs: number;
}

interface Entry {
  key: string;
  /** The credentials Secret's resourceVersion the pool was built from (for logs). */
  version?: string;
  pool: EnginePool;
  admission: Admission;
  lastUsed: number;
}

/**
 * Runs statements as a policy's own database user (the only module that speaks to databases): one bounded
 * pool per policy and credentials, opened on first use, closed when idle, replaced when the Secret's
 * credentials change (the replaced pool closes as soon as its running queries end). Statements it gets
 * here have passed the guard, but the runner does not rely on it for the policy's limits.
 */
export class QueryRunner {
  private readonly entries = new Map<string, Entry>();
  /** Pools replaced while queries ran on them: closed by the sweeper once idle. */
  private readonly retired = new Set<Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly settings: RunnerSettings, private readonly log?: Logger) {
    this.sweeper = setInterval(() => void this.sweep(), Math.max(1000, Math.min(settings.idleMs, 30_000)));
    this.sweeper.unref();
  }

  run(target: Target, sql: string, options: RunOptions): Promise<QueryResult> {
    return this.with(target, (pool) => pool.run(sql, options), options.signal);
  }

  stream(target: Target, sql: string, options: RunOptions, sink: RowSink): Promise<StreamSummary> {
    return this.with(target, (pool) => pool.stream(sql, options, sink), options.signal);
  }

  /**
   * Several statements in one read-write transaction on one of the policy's connections, with its limits,
   * committed only when `work` says so (write previews: always rolled back; confirmed runs: after a check).
   */
  transaction<T>(target: Target, options: RunOptions, work: TransactionWork<T>): Promise<T> {
    return this.with(target, (pool) => pool.writeTransaction(options, work), options.signal);
  }

  /** The tables and columns the target's user can see. */
  columns(target: Target): Promise<ColumnInfo[]> {
    return this.with(target, (pool) => pool.columns());
  }

  /** Closes every pool (graceful shutdown). */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const entries = [...this.entries.values(), ...this.retired];
    this.entries.clear();
    this.retired.clear();
    await Promise.allSettled(entries.map((e) => e.pool.close()));
  }

  private async with<T>(target: Target, work: (pool: EnginePool) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw new QueryCancelled();
    const entry = this.entry(target);
    const release = await entry.admission.acquire(signal);
    entry.lastUsed = Date.now();
    try {
      // The client may have gone away while the query waited for admission: nothing ran yet.
      if (signal?.aborted) throw new QueryCancelled();
      return await work(entry.pool);
    } finally {
      entry.lastUsed = Date.now();
      release();
      if (this.retired.has(entry) && !entry.admission.busy) void this.closeRetired(entry);
    }
  }

  private entry(target: Target): Entry {
    const key = keyOf(target);
    const current = this.entries.get(target.owner);
    if (current?.key === key) return current;
    if (current) {
      // The Secret changed (rotation, new password): a new pool; the old one closes once its queries end.
      this.entries.delete(target.owner);
      this.log?.info({ policy: target.owner, previousVersion: current.version, version: target.version },
        'the policy\'s credentials changed: new connections use them, the previous pool closes once its queries end');
      if (current.admission.busy) this.retired.add(current);
      else void this.closeRetired(current);
    }
    const max = Math.max(1, Math.min(target.maxConnections, this.settings.poolMax));
    const sized = { ...target, maxConnections: max };
    const pool = enginePools[target.engine](sized, this.settings);
    const entry: Entry = {
      key, pool, admission: new Admission(max, this.settings.queueMax, this.settings.queueTimeoutMs), lastUsed: Date.now(),
      ...(target.version !== undefined ? { version: target.version } : {}),
    };
    this.entries.set(target.owner, entry);
    return entry;
  }

  private async closeRetired(entry: Entry): Promise<void> {
    this.retired.delete(entry);
    await entry.pool.close().catch((err: unknown) => this.log?.warn({ err }, 'closing a replaced pool failed'));
  }

  private async sweep(): Promise<void> {
    for (const entry of this.retired) if (!entry.admission.busy) await this.closeRetired(entry);
    const now = Date.now();
    for (const [owner, entry] of this.entries) {
      if (entry.admission.busy || now - entry.lastUsed < this.settings.idleMs) continue;
      this.entries.delete(owner);
      await entry.pool.close().catch((err: unknown) => this.log?.warn({ err, policy: owner }, 'closing an idle pool failed'));
    }
  }
}

/** The pool's identity: where, as whom, with which password and TLS. Hashed, so no password is kept in keys. */
function keyOf(t: Target): string {
  return createHash('sha256')
    .update(JSON.stringify([t.engine, t.host, t.port, t.database, t.user, t.password, t.tls.mode, t.tls.ca ?? '', t.tls.serverName ?? '', t.maxConnections]))
    .digest('hex');
}
