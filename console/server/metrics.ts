import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The console's Prometheus metrics (served at /metrics, without authentication like the health probes), one
 * registry per app. No label names a namespace, policy or user: those are in the audit log, for those who
 * may read it.
 */
export class ConsoleMetrics {
  readonly registry = new Registry();
  readonly queries = new Counter({
    name: 'dbwarden_console_queries_total',
    help: 'Console queries by engine, source (sql, csv, ask) and outcome (ok, cancelled when the client went away, or the error code).',
    labelNames: ['engine', 'source', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'dbwarden_console_query_duration_seconds',
    help: 'Time from guard to last row, for queries that reached the database.',
    labelNames: ['engine', 'source'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300],
    registers: [this.registry],
  });
  readonly rows = new Counter({
    name: 'dbwarden_console_rows_returned_total',
    help: 'Rows returned to console users.',
    labelNames: ['engine', 'source'] as const,
    registers: [this.registry],
  });
  readonly guardRejections = new Counter({
    name: 'dbwarden_console_guard_rejections_total',
    help: 'Statements the SQL guard refused, by rule.',
    labelNames: ['rule', 'source'] as const,
    registers: [this.registry],
  });
  readonly guardVerdicts = new Counter({
    name: 'dbwarden_console_guard_verdicts_total',
    help: 'SQL guard checks by result: hit (an accepted verdict remembered for the same statement and policy scope) or miss (checked in full, whether accepted or refused).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly secretReads = new Counter({
    name: 'dbwarden_console_secret_reads_total',
    help: 'Reads of policies\' credentials Secrets, by reason: expired (first use, or older than DBWARDEN_CONSOLE_CREDENTIALS_TTL) or rejected (the database refused the credentials held).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly aiRequests = new Counter({
    name: 'dbwarden_console_ai_requests_total',
    help: 'Calls to the model, by outcome (ok, error).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
