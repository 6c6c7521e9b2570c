import type { DatabaseEngine } from '@dbwarden/api';
import type { Logger } from 'pino';
import type { Identity } from './auth/identity.js';
import type { ConsoleMetrics } from './metrics.js';

export type QuerySource = 'sql' | 'csv' | 'ask' | 'mcp';

/** One query, typed or written by the model: who, through which policy, what, and what happened. */
export interface AuditEntry {
  requestId?: string;
  source: QuerySource;
  user: Identity;
  namespace: string;
  policy: string;
  engine: DatabaseEngine;
  question?: string;
  conversationId?: string;
  attempt?: number;
  sql: string;
  /**
   * Writes only: `preview` (run in a transaction rolled back; outcome `preview` and the rows it would change)
   * or `run` (with a preview token; outcome `ok` or the refusal). Both carry the preview's `previewId`.
   */
  phase?: 'preview' | 'run';
  previewId?: string;
  verdict: 'allowed' | 'rejected';
  /** The guard rule that refused it. */
  rule?: string;
  /**
   * `ok`, `preview` (a write previewed, not run), `cancelled` (the client went away and the statement was
   * cancelled), or the error code (guard_rejected, database_error, statement_timeout, preview_stale, token_used, ...).
   */
  outcome: string;
  rowCount?: number;
  truncated?: boolean;
  durationMs: number;
  error?: string;
}

/**
 * The audit trail: one structured log record per query (`"audit": true`, message `query`), never with
 * result data or credentials, and the matching Prometheus counters.
 */
export class AuditLog {
  constructor(
    private readonly log: Logger,
    private readonly metrics: ConsoleMetrics,
  ) {}

  record(entry: AuditEntry): void {
    const { user, ...rest } = entry;
    this.log.info({ audit: true, ...rest, user: user.username, groups: user.groups }, 'query');
    this.metrics.queries.inc({ engine: entry.engine, source: entry.source, outcome: entry.outcome });
    if (entry.rule) this.metrics.guardRejections.inc({ rule: entry.rule, source: entry.source });
    if (entry.verdict === 'allowed') {
      this.metrics.duration.observe({ engine: entry.engine, source: entry.source }, entry.durationMs / 1000);
    }
    if (entry.rowCount !== undefined && entry.outcome === 'ok') this.metrics.rows.inc({ engine: entry.engine, source: entry.source }, entry.rowCount);
  }
}
