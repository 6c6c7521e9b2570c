import type { DatabaseEngine } from '@dbwarden/api';
import { CredentialsRejected } from '../errors.js';
import { defaultMaxLength, guard, type Accepted, type Dialect, type GuardOptions, type GuardPolicy } from '../guard/index.js';
import type { GuardVerdicts } from '../guard/verdicts.js';
import { writeTarget, type WriteTarget } from '../guard/write-target.js';
import type { Column, QueryResult, QueryRunner, RunOptions, Target, Transaction, TransactionResult, Value } from '../runner/index.js';
import { tableFacts, type TableFacts } from '../runner/write-catalog.js';
import { NotAWrite, NotTransactional, PreviewStale, PreviewUnsupported } from './errors.js';
import { fingerprint } from './fingerprint.js';
import type { PreviewTokens } from './token.js';

/** Who writes, through which policy, as which database user, with which limits. */
export interface WriteContext {
  /** The AccessPolicy, namespace/name (ResolvedPolicy.key). */
  policy: string;
  /** The caller's Kubernetes username. */
  user: string;
  dialect: Dialect;
  /** What the policy lets through (ResolvedPolicy.guard); it must be read-write for any write to pass. */
  guard: GuardPolicy;
  /** The policy's database user (ResolvedPolicy.target()). */
  target: Target;
  /** The policy's limits (ResolvedPolicy.run): the statement timeout and row limit apply to previews too. */
  limits: RunOptions;
}

/** Some of the rows a write touches, as a query result carries rows. */
export interface PreviewSample {
  columns: Column[];
  rows: Value[][];
  /** More rows are touched than shown. */
  truncated: boolean;
}

export interface WritePreview {
  /** The preview's id, for the audit log: the proposal, the preview and the confirmed run carry it. */
  id: string;
  kind: 'insert' | 'update' | 'delete';
  /** The table written, schema.table. */
  table: string;
  /** Rows the statement changes (UPDATE: rows it matches). */
  rowCount: number;
  /** The rows before the write: for UPDATE and DELETE, the rows it changes (none for INSERT). */
  before: PreviewSample;
  /** The same rows after it (UPDATE), the new rows (INSERT), none (DELETE). */
  after: PreviewSample;
  /** Why `after` is empty although rows change, when it cannot be shown. */
  note?: string;
  /** Confirms exactly this statement, through this policy, by this user, once, until expiresAt. */
  token: string;
  expiresAt: string;
}

export interface ConfirmedWrite extends QueryResult {
  previewId: string;
}

export interface WritePreviewsDeps {
  runner: Pick<QueryRunner, 'transaction'>;
  tokens: PreviewTokens;
  /** The guard with remembered verdicts (the console's); without it the guard runs on each call. */
  verdicts?: Pick<GuardVerdicts, 'check'>;
  maxSqlLength?: number;
  /** Most rows in each of `before` and `after`; default 20. */
  sampleRows?: number;
}

/** What a transaction saw of a write: the rows it changes before it ran, and the write's own answer. */
interface Observed {
  facts: TableFacts;
  before: TransactionResult;
  write: TransactionResult;
  fingerprint: string;
}

/**
 * Writes through the console are proposals first. `propose` runs the statement in a transaction that is
 * always rolled back, as the policy's user with its limits, and answers how many rows it changes, a sample
 * of them before and after, and a token; `confirm` runs exactly that statement for real with the token, in
 * a transaction that reads the rows again (locked) and commits only if they are still those previewed.
 */
export class WritePreviews {
  private readonly sampleRows: number;

  constructor(private readonly deps: WritePreviewsDeps) {
    this.sampleRows = deps.sampleRows ?? 20;
  }

  async propose(ctx: WriteContext, sql: string): Promise<WritePreview> {
    const { accepted, plan } = this.check(ctx, sql);
    const seen = await this.deps.runner.transaction(ctx.target, writeLimits(ctx), async (tx) => {
      const observed = await this.observe(tx, ctx, plan, accepted, false);
      const after = await this.after(tx, ctx, plan, observed);
      return { commit: false, value: { ...observed, ...after } };
    });
    const issued = this.deps.tokens.issue(binding(ctx, accepted), seen.fingerprint);
    const shown = Math.min(this.sampleRows, seen.before.rows.length);
    return {
      id: issued.id,
      kind: plan.kind,
      table: `${plan.table.schema}.${plan.table.name}`,
      rowCount: seen.write.affectedRows,
      before: { columns: seen.before.columns, rows: seen.before.rows.slice(0, shown), truncated: plan.kind !== 'insert' && seen.write.affectedRows > shown },
      after: seen.after,
      ...(seen.note ? { note: seen.note } : {}),
      token: issued.token,
      expiresAt: issued.expiresAt.toISOString(),
    };
  }

  async confirm(ctx: WriteContext, sql: string, token: string): Promise<ConfirmedWrite> {
    const { accepted, plan } = this.check(ctx, sql);
    const claim = this.deps.tokens.redeem(token, binding(ctx, accepted));
    let written: TransactionResult | undefined;
    try {
      written = await this.deps.runner.transaction(ctx.target, writeLimits(ctx), async (tx) => {
        const observed = await this.observe(tx, ctx, plan, accepted, true);
        return observed.fingerprint === claim.fingerprint ? { commit: true, value: observed.write } : { commit: false, value: undefined };
      });
    } catch (err) {
      // Refused while connecting, nothing ran: the token stays usable for a retry with fresh credentials.
      if (err instanceof CredentialsRejected) this.deps.tokens.release(claim.id);
      throw err;
    }
    if (!written) throw new PreviewStale(claim.id);
    return { columns: written.columns, rows: written.rows, rowCount: written.affectedRows, truncated: written.truncated, previewId: claim.id };
  }

  /** The guard (the same one every query passes), and the write's target; a SELECT is not a write. */
  private check(ctx: WriteContext, sql: string): { accepted: Accepted; plan: WriteTarget } {
    const options: GuardOptions = { dialect: ctx.dialect, policy: ctx.guard, maxLength: this.deps.maxSqlLength ?? defaultMaxLength };
    const accepted = this.deps.verdicts ? this.deps.verdicts.check(sql, options) : guard(sql, options);
    if (accepted.kind === 'select') throw new NotAWrite();
    return { accepted, plan: writeTarget(accepted, options) };
  }

  /**
   * In the write's transaction: the table's facts (MySQL: refused unless transactional), the rows it will
   * change (locked when confirming), then the accepted statement itself.
   */
  private async observe(tx: Transaction, ctx: WriteContext, plan: WriteTarget, accepted: Accepted, lock: boolean): Promise<Observed> {
    const name = `${plan.table.schema}.${plan.table.name}`;
    const facts = await tableFacts(tx, ctx.target.engine, plan.table.schema, plan.table.name);
    if (!facts.found) throw new PreviewUnsupported(`The table ${name} is not a table the policy's database user can see; only tables can be written.`);
    if (facts.storage && !facts.storage.transactional) throw new NotTransactional(name, facts.storage.engine);
    if (facts.columns.length === 0) throw new PreviewUnsupported(`The policy's database user may not read any column of ${name}, so a write to it cannot be previewed.`);
    const { rowLimit } = ctx.limits;
    const select = plan.targetRows(facts.columns, facts.key, rowLimit + 1, lock);
    const before = select !== undefined
      ? await tx.query(select, [], rowLimit)
      : { columns: facts.columns.map((c) => ({ name: c, type: '' })), rows: [], truncated: false, affectedRows: 0 };
    const write = await tx.query(accepted.sql, [], rowLimit);
    return { facts, before, write, fingerprint: fingerprint(write.affectedRows, before.rows, before.truncated) };
  }

  /** The rows after the write, in the same (rolled-back) transaction, when they can be found again. */
  private async after(tx: Transaction, ctx: WriteContext, plan: WriteTarget, seen: Observed): Promise<{ after: PreviewSample; note?: string }> {
    const { facts, before, write } = seen;
    const none = (note?: string): { after: PreviewSample; note?: string } => ({
      after: { columns: before.columns, rows: [], truncated: plan.kind !== 'delete' && write.affectedRows > 0 }, ...(note ? { note } : {}),
    });
    if (plan.kind === 'delete' || write.affectedRows === 0) return { after: { columns: before.columns, rows: [], truncated: false } };
    let rows: TransactionResult;
    if (afterRows[ctx.target.engine].bySystemColumn && facts.tableSelect) {
      // Reading xmin (a system column) needs SELECT on the whole table.
      rows = await tx.query(plan.writtenRows(facts.columns, facts.key, this.sampleRows + 1), [], this.sampleRows);
    } else {
      if (plan.kind === 'insert') {
        return none(afterRows[ctx.target.engine].insertNote);
      }
      if (facts.key.length === 0) return none('The rows after the write are not shown: the table has no primary key the policy may read.');
      const keyAt = facts.key.map((k) => facts.columns.indexOf(k));
      const sampled = before.rows.slice(0, this.sampleRows);
      if (sampled.length === 0) return none();
      rows = await tx.query(plan.rowsByKey(facts.columns, facts.key, sampled.length), sampled.flatMap((row) => keyAt.map((i) => row[i] ?? null)));
    }
    return { after: { columns: rows.columns, rows: rows.rows, truncated: write.affectedRows > rows.rows.length } };
  }
}

/**
 * How each engine finds the rows after a write. PostgreSQL: by a system column (xmin, the writing transaction),
 * which needs SELECT on the whole table; otherwise by primary key, which cannot find new rows of an INSERT.
 */
const afterRows = {
  postgres: { bySystemColumn: true, insertNote: 'The new rows are not shown: the policy may read only some columns of this table; the count is exact.' },
  mysql: { bySystemColumn: false, insertNote: 'On MySQL/MariaDB the new rows are not shown; the count is exact.' },
} satisfies Record<DatabaseEngine, { bySystemColumn: boolean; insertNote: string }>;

/** A preview is a write, whatever the policy's console default: rolled back, or committed after the check. */
function writeLimits(ctx: WriteContext): RunOptions {
  return { ...ctx.limits, readOnly: false };
}

function binding(ctx: WriteContext, accepted: Accepted): { statement: string; policy: string; user: string } {
  return { statement: accepted.sql, policy: ctx.policy, user: ctx.user };
}
