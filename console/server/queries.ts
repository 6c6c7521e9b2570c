import type { Logger } from 'pino';
import type { AuditLog, QuerySource } from './audit.js';
import type { AccessReviewer } from './auth/access.js';
import type { Identity } from './auth/identity.js';
import { ApiError, ConfirmationRequired, CredentialsRejected, Forbidden, GuardRejected } from './errors.js';
import type { Accepted } from './guard/index.js';
import type { GuardVerdicts } from './guard/verdicts.js';
import type { KubeCatalog } from './kube/catalog.js';
import type { CredentialCache } from './kube/credentials.js';
import { resolvePolicy, type ResolvedPolicy } from './policies/resolve.js';
import type { QueryResult, QueryRunner, RowSink, RunOptions, StreamSummary, Target } from './runner/index.js';
import { describeSchema, type SchemaDescription } from './schema/describe.js';

export interface QueryResponse extends QueryResult {
  durationMs: number;
}

/** Who runs a query and why, for the audit record. */
export interface QueryContext {
  identity: Identity;
  source: QuerySource;
  requestId?: string;
  question?: string;
  conversationId?: string;
  attempt?: number;
  /** Aborted when the client goes away: the statement is cancelled in the database, the outcome `cancelled`. */
  signal?: AbortSignal;
  /** Only reads, whatever the policy's access (MCP): a write is refused before it runs, and runs READ ONLY. */
  readOnly?: boolean;
}

export interface QueryServiceDeps {
  catalog: KubeCatalog;
  credentials: CredentialCache;
  reviewer: AccessReviewer;
  runner: QueryRunner;
  audit: AuditLog;
  /** The guard, with its verdicts on accepted statements remembered. */
  verdicts: GuardVerdicts;
  maxSqlLength: number;
  log?: Logger;
}

/**
 * The one path every query takes, typed or written by the model: RBAC (SubjectAccessReview), the policy
 * (console enabled, provisioned), the guard, the policy's credentials from its Secret (read within the
 * credentials TTL, and again when the database refuses them), the runner with the policy's limits, and one
 * audit record whatever happens.
 */
export class QueryService {
  constructor(private readonly deps: QueryServiceDeps) {}

  /** 403 unless Kubernetes RBAC lets `who` query the policy; then the policy, checked for console use. */
  async authorize(who: Identity, namespace: string, name: string): Promise<ResolvedPolicy> {
    if (!(await this.deps.reviewer.canQuery(who, namespace, name))) {
      throw new Forbidden(`${who.username} may not query AccessPolicy ${namespace}/${name}: RBAC must grant the verb "query" on ` +
        'accesspolicies.dbwarden.io for it (for example with the ClusterRole dbwarden-console-user in a RoleBinding).');
    }
    return resolvePolicy(this.deps.catalog, this.deps.credentials, namespace, name);
  }

  async schema(resolved: ResolvedPolicy): Promise<SchemaDescription> {
    return this.withTarget(resolved, (target) => describeSchema(this.deps.runner, resolved, target));
  }

  async execute(resolved: ResolvedPolicy, sql: string, confirm: boolean, ctx: QueryContext): Promise<QueryResponse> {
    const started = performance.now();
    const accepted = this.check(resolved, sql, confirm, ctx, started);
    return this.runAccepted(resolved, sql, accepted.sql, ctx, started);
  }

  /**
   * The database's plan for a statement the guard accepts, without running it: EXPLAIN of the accepted text
   * (one statement, which the guard made sure of), in a read-only transaction with the policy's limits.
   */
  async explain(resolved: ResolvedPolicy, sql: string, ctx: QueryContext): Promise<QueryResponse> {
    const started = performance.now();
    const accepted = this.check(resolved, sql, false, { ...ctx, readOnly: true }, started);
    return this.runAccepted(resolved, sql, `EXPLAIN ${accepted.sql}`, { ...ctx, readOnly: true }, started);
  }

  private async runAccepted(resolved: ResolvedPolicy, sql: string, text: string, ctx: QueryContext, started: number): Promise<QueryResponse> {
    try {
      const result = await this.withTarget(resolved, (target) => this.deps.runner.run(target, text, withSignal(resolved.run, ctx)));
      const durationMs = elapsed(started);
      this.record(resolved, ctx, sql, started, { verdict: 'allowed', outcome: 'ok', rowCount: result.rowCount, truncated: result.truncated });
      return { ...result, durationMs };
    } catch (err) {
      this.record(resolved, ctx, sql, started, { verdict: 'allowed', ...failure(err) });
      throw err;
    }
  }

  /**
   * Streams the result to a sink made when the columns are known. Errors before the first byte reach the
   * caller as usual; the caller must abort the response on errors after it.
   */
  async stream(resolved: ResolvedPolicy, sql: string, confirm: boolean, ctx: QueryContext, sink: RowSink): Promise<StreamSummary & { durationMs: number }> {
    const started = performance.now();
    const accepted = this.check(resolved, sql, confirm, ctx, started);
    try {
      const summary = await this.withTarget(resolved, (target) => this.deps.runner.stream(target, accepted.sql, withSignal(resolved.run, ctx), sink));
      this.record(resolved, ctx, sql, started, { verdict: 'allowed', outcome: 'ok', rowCount: summary.rowCount, truncated: summary.truncated });
      return { ...summary, durationMs: elapsed(started) };
    } catch (err) {
      this.record(resolved, ctx, sql, started, { verdict: 'allowed', ...failure(err) });
      throw err;
    }
  }

  /**
   * Runs `work` with the policy's credentials. When the database refuses them while connecting (nothing
   * has run yet: typically a rotation not seen yet), the Secret is read again, once, and if it changed
   * `work` runs once more with what it holds now.
   */
  private async withTarget<T>(resolved: ResolvedPolicy, work: (target: Target) => Promise<T>): Promise<T> {
    const target = await resolved.target();
    try {
      return await work(target);
    } catch (err) {
      if (!(err instanceof CredentialsRejected)) throw err;
      const fresh = await resolved.target({ rejected: target });
      if (fresh.version === target.version) throw err;
      this.deps.log?.info({ policy: resolved.key, refusedVersion: target.version, version: fresh.version },
        'the database refused the policy\'s credentials; retrying with the Secret read again');
      return work(fresh);
    }
  }

  private check(resolved: ResolvedPolicy, sql: string, confirm: boolean, ctx: QueryContext, started: number): Accepted {
    let accepted: Accepted;
    try {
      accepted = this.deps.verdicts.check(sql, { dialect: resolved.dialect, policy: resolved.guard, maxLength: this.deps.maxSqlLength });
    } catch (err) {
      this.record(resolved, ctx, sql, started, { verdict: 'rejected', ...failure(err) });
      throw err;
    }
    if (ctx.readOnly && accepted.kind !== 'select') {
      const err = new GuardRejected('read_only_source', `This ${accepted.kind.toUpperCase()} would change data, and ${sourceName[ctx.source]} only ` +
        'reads, whatever the policy allows: write a SELECT, or make the change in the dbwarden console, where a person reviews it.');
      this.record(resolved, ctx, sql, started, { verdict: 'rejected', ...failure(err) });
      throw err;
    }
    if (accepted.needsConfirmation && !confirm) {
      const err = new ConfirmationRequired(`This ${accepted.kind.toUpperCase()} has no WHERE clause and changes every row of ` +
        `${accepted.tables.join(', ')}; send it again with "confirm": true to run it.`);
      this.record(resolved, ctx, sql, started, { verdict: 'allowed', ...failure(err) });
      throw err;
    }
    return accepted;
  }

  private record(resolved: ResolvedPolicy, ctx: QueryContext, sql: string, started: number,
    outcome: { verdict: 'allowed' | 'rejected'; outcome: string; rule?: string; error?: string; rowCount?: number; truncated?: boolean }): void {
    this.deps.audit.record({
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      source: ctx.source,
      user: ctx.identity,
      namespace: resolved.namespace,
      policy: resolved.name,
      engine: resolved.engine,
      ...(ctx.question !== undefined ? { question: ctx.question } : {}),
      ...(ctx.conversationId ? { conversationId: ctx.conversationId } : {}),
      ...(ctx.attempt !== undefined ? { attempt: ctx.attempt } : {}),
      sql,
      durationMs: elapsed(started),
      ...outcome,
    });
  }
}

const sourceName: Record<QuerySource, string> = { sql: 'this endpoint', csv: 'this endpoint', ask: 'this endpoint', mcp: 'MCP' };

/** The policy's limits (read-only when the source only reads), and the client's signal when there is one. */
function withSignal(run: RunOptions, ctx: QueryContext): RunOptions {
  const limits = ctx.readOnly ? { ...run, readOnly: true } : run;
  return ctx.signal ? { ...limits, signal: ctx.signal } : limits;
}

function failure(err: unknown): { outcome: string; rule?: string; error: string } {
  if (err instanceof GuardRejected) return { outcome: err.code, rule: err.rule, error: err.message };
  if (err instanceof ApiError) return { outcome: err.code, error: err.message };
  return { outcome: 'internal_error', error: (err as Error).message };
}

const elapsed = (started: number): number => Math.round((performance.now() - started) * 100) / 100;
