import type { Logger } from 'pino';
import type { AuditEntry, AuditLog, QuerySource } from './audit.js';
import type { AccessReviewer } from './auth/access.js';
import type { Identity } from './auth/identity.js';
import { ApiError, CredentialsRejected, Forbidden, GuardRejected, InvalidRequest } from './errors.js';
import type { Accepted } from './guard/index.js';
import type { GuardVerdicts } from './guard/verdicts.js';
import type { KubeCatalog } from './kube/catalog.js';
import type { CredentialCache } from './kube/credentials.js';
import { resolvePolicy, type ResolvedPolicy } from './policies/resolve.js';
import type { QueryResult, QueryRunner, RowSink, RunOptions, StreamSummary, Target } from './runner/index.js';
import { attributionOf } from './runner/attribution.js';
import { describeSchema, type SchemaDescription } from './schema/describe.js';
import { PreviewRequired, PreviewStale, TokenRefused } from './writes/errors.js';
import type { WriteContext, WritePreview, WritePreviews } from './writes/preview.js';

export interface QueryResponse extends QueryResult {
  durationMs: number;
  /** A confirmed write: the preview it ran. */
  previewId?: string;
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
  /** Writes are previewed first and run only with the preview's token. */
  previews: WritePreviews;
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

  /**
   * Runs one statement. A SELECT runs at once. A write (read-write policies only) never runs without a
   * preview token: without one it is previewed in a transaction that is rolled back, and PreviewRequired
   * (409) carries the preview and its token; with one, exactly the previewed statement runs if its rows are
   * still those previewed.
   */
  async execute(resolved: ResolvedPolicy, sql: string, ctx: QueryContext, previewToken?: string): Promise<QueryResponse> {
    const started = performance.now();
    const accepted = this.check(resolved, sql, ctx, started);
    if (accepted.kind === 'select') return this.runAccepted(resolved, sql, accepted.sql, ctx, started);
    return previewToken === undefined ? this.propose(resolved, sql, ctx, started) : this.confirm(resolved, sql, previewToken, ctx, started);
  }

  /** Previews a write and throws PreviewRequired with it; audited with outcome `preview`. */
  private async propose(resolved: ResolvedPolicy, sql: string, ctx: QueryContext, started: number): Promise<never> {
    let preview: WritePreview;
    try {
      preview = await this.withTarget(resolved, (target) => this.deps.previews.propose(this.writeContext(resolved, ctx, target), sql));
    } catch (err) {
      this.record(resolved, ctx, sql, started, { verdict: 'allowed', phase: 'preview', ...failure(err) });
      throw err;
    }
    this.record(resolved, ctx, sql, started, { verdict: 'allowed', phase: 'preview', outcome: 'preview', previewId: preview.id, rowCount: preview.rowCount });
    throw new PreviewRequired(preview);
  }

  /** Runs a previewed write with its token; audited with the preview's id and outcome `ok` or the refusal. */
  private async confirm(resolved: ResolvedPolicy, sql: string, token: string, ctx: QueryContext, started: number): Promise<QueryResponse> {
    try {
      const { previewId, ...result } = await this.withTarget(resolved, (target) => this.deps.previews.confirm(this.writeContext(resolved, ctx, target), sql, token));
      this.record(resolved, ctx, sql, started, { verdict: 'allowed', phase: 'run', outcome: 'ok', previewId, rowCount: result.rowCount, truncated: result.truncated });
      return { ...result, durationMs: elapsed(started), previewId };
    } catch (err) {
      const previewId = err instanceof PreviewStale || err instanceof TokenRefused ? err.previewId : undefined;
      this.record(resolved, ctx, sql, started, { verdict: 'allowed', phase: 'run', ...failure(err), ...(previewId ? { previewId } : {}) });
      throw err;
    }
  }

  private writeContext(resolved: ResolvedPolicy, ctx: QueryContext, target: Target): WriteContext {
    return { policy: resolved.key, user: ctx.identity.username, dialect: resolved.dialect, guard: resolved.guard, target, limits: runOptions(resolved, ctx) };
  }

  /**
   * The database's plan for a statement the guard accepts, without running it: EXPLAIN of the accepted text
   * (one statement, which the guard made sure of), in a read-only transaction with the policy's limits.
   */
  async explain(resolved: ResolvedPolicy, sql: string, ctx: QueryContext): Promise<QueryResponse> {
    const started = performance.now();
    const accepted = this.check(resolved, sql, { ...ctx, readOnly: true }, started);
    return this.runAccepted(resolved, sql, `EXPLAIN ${accepted.sql}`, { ...ctx, readOnly: true }, started);
  }

  private async runAccepted(resolved: ResolvedPolicy, sql: string, text: string, ctx: QueryContext, started: number): Promise<QueryResponse> {
    try {
      const result = await this.withTarget(resolved, (target) => this.deps.runner.run(target, text, runOptions(resolved, ctx)));
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
  async stream(resolved: ResolvedPolicy, sql: string, ctx: QueryContext, sink: RowSink): Promise<StreamSummary & { durationMs: number }> {
    const started = performance.now();
    const accepted = this.check(resolved, sql, ctx, started);
    if (accepted.kind !== 'select') {
      const err = new InvalidRequest(`This ${accepted.kind.toUpperCase()} would change data; query.csv exports the rows of a SELECT only. ` +
        'Send writes to the JSON endpoint …/query, which previews them and runs them with the preview\'s token.');
      this.record(resolved, ctx, sql, started, { verdict: 'rejected', ...failure(err) });
      throw err;
    }
    try {
      const summary = await this.withTarget(resolved, (target) => this.deps.runner.stream(target, accepted.sql, runOptions(resolved, ctx), sink));
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

  private check(resolved: ResolvedPolicy, sql: string, ctx: QueryContext, started: number): Accepted {
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
    return accepted;
  }

  private record(resolved: ResolvedPolicy, ctx: QueryContext, sql: string, started: number,
    outcome: Pick<AuditEntry, 'verdict' | 'outcome' | 'rule' | 'error' | 'rowCount' | 'truncated' | 'phase' | 'previewId'>): void {
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

/**
 * The run options of one query: the policy's limits (read-only when the source only reads), the client's
 * signal when there is one, and the attribution the database's logs show (the request id the audit record carries).
 */
function runOptions(resolved: ResolvedPolicy, ctx: QueryContext): RunOptions {
  const run = resolved.run;
  const limits = ctx.readOnly ? { ...run, readOnly: true } : run;
  const attribution = attributionOf(ctx.requestId, resolved.namespace, resolved.name);
  return { ...limits, ...(ctx.signal ? { signal: ctx.signal } : {}), ...(attribution ? { attribution } : {}) };
}

function failure(err: unknown): { outcome: string; rule?: string; error: string } {
  if (err instanceof GuardRejected) return { outcome: err.code, rule: err.rule, error: err.message };
  if (err instanceof ApiError) return { outcome: err.code, error: err.message };
  return { outcome: 'internal_error', error: (err as Error).message };
}

const elapsed = (started: number): number => Math.round((performance.now() - started) * 100) / 100;
