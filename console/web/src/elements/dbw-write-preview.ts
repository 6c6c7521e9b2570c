import { Task, TaskStatus } from '@lit/task';
import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { ApiError, isAbort, PreviewRequired, type ConsoleApi } from '../api/client.js';
import type { Policy, PolicyRef, PreviewSample, QueryResult, Value, WritePreview } from '../api/types.js';
import { tryParseDuration } from '@dbwarden/api/duration';
import { exactTime } from '../lib/format.js';
import { historyEntry, historyEvent, type HistoryEntry } from '../lib/history.js';
import { problemOf } from '../lib/problems.js';
import { tokenize } from '../lib/sql-highlight.js';
import { alignRight, textOf } from '../lib/values.js';
import { shared } from '../styles/shared.js';
import './dbw-problem.js';
import './dbw-progress.js';
import './dbw-result-view.js';

/** What the element shows: the preview to confirm, the confirmation's run, a new preview being made, or nothing (cancelled). */
type Stage = 'review' | 'confirm' | 'again' | 'discarded';

/** Cells longer than this are cut in the sample (the whole value is in the cell's title). */
const cellText = 80;

const plural = (n: number, one: string, many: string): string => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/**
 * A write previewed by the console (a typed statement answered 409 preview_required, or a model's proposal):
 * the SQL, how many rows it changes, a sample of them before and after, when the preview expires, and
 * Confirm (sends the same statement again with the preview's token) and Cancel (forgets the token). A refused
 * confirmation (rows changed, token expired or used) says why and offers a new preview. Nothing is offered
 * on a read-only policy.
 */
export class DbwWritePreview extends LitElement {
  static override properties = {
    api: { attribute: false },
    policy: { attribute: false },
    sql: {},
    preview: { attribute: false },
    stage: { state: true },
    now: { state: true },
  };

  declare api: ConsoleApi | undefined;
  declare policy: Policy | undefined;
  /** The statement exactly as previewed: the token confirms only this text. */
  declare sql: string;
  declare preview: WritePreview | undefined;
  declare stage: Stage;
  declare now: number;
  private timer: number | undefined;

  private readonly confirmTask = new Task(this, {
    autoRun: false,
    args: () => [this.preview?.token] as [string | undefined],
    task: async ([token], { signal }): Promise<QueryResult | undefined> => {
      const policy = this.ref;
      if (!token || !policy || !this.api) return undefined;
      return this.api.confirm(policy, this.sql, token, signal);
    },
  });

  /** A new preview of the same statement: the console answers 409 preview_required with it. */
  private readonly againTask = new Task(this, {
    autoRun: false,
    args: () => [this.sql] as [string],
    task: async ([sql], { signal }): Promise<WritePreview | undefined> => {
      const policy = this.ref;
      if (!policy || !this.api) return undefined;
      try {
        await this.api.query(policy, sql, signal);
      } catch (err) {
        if (err instanceof PreviewRequired) return err.preview;
        throw err;
      }
      throw new ApiError(0, 'invalid_response', 'The console ran the statement as a query instead of previewing it.');
    },
  });

  static override styles = [shared, css`
    :host { display: block; margin-top: 0.75rem; }
    section { border: 1px solid #e3c98a; border-left: 4px solid #d49b00; border-radius: 6px; background: #fffdf7; padding: 0.7rem 0.85rem; display: grid; grid-template-columns: minmax(0, 1fr); gap: 0.55rem; }
    h3 { margin: 0; font-size: 1rem; }
    p { margin: 0; overflow-wrap: anywhere; }
    pre.sql { margin: 0; padding: 0.45rem 0.6rem; background: #f3f4f7; border-radius: 4px; font: 13px/1.45 var(--dbw-mono); white-space: pre-wrap; overflow-wrap: anywhere; max-height: 12em; overflow: auto; }
    .keyword { color: #7b2fb5; font-weight: 600; }
    .string { color: #a3420f; }
    .function { color: #0b6e8a; }
    .number { color: #0b57a3; }
    .count { font-size: 1.05rem; }
    /* relative: the visually hidden labels (absolutely positioned) stay inside the scrolling box. */
    .scroll { position: relative; overflow: auto; max-height: 22rem; border: 1px solid var(--dbw-border); border-radius: 6px; background: var(--dbw-surface); }
    table { border-collapse: collapse; width: max-content; min-width: 100%; font-size: 13px; }
    caption { text-align: left; font-weight: 600; padding: 0.35rem 0.6rem; }
    th, td { padding: 0.25rem 0.55rem; border-bottom: 1px solid #edf0f5; text-align: left; vertical-align: top; max-width: 24rem; overflow-wrap: anywhere; }
    .legend { font-size: 0.85em; margin-top: -0.3rem; }
    thead th { background: #eef2f9; border-bottom: 1px solid var(--dbw-border); white-space: nowrap; }
    th.changed { background: #fcefd2; }
    th .type { display: block; font-weight: normal; font-size: 0.8em; color: var(--dbw-muted); }
    td.num { text-align: right; font-variant-numeric: tabular-nums; }
    td.changed { background: #fff7e3; }
    del { color: var(--dbw-bad); text-decoration: line-through; }
    ins { color: var(--dbw-ok); text-decoration: none; font-weight: 600; }
    .null { color: #8a93a3; font-style: italic; font-size: 0.9em; }
    .actions { display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; }
    .expiry { font-size: 0.9em; font-variant-numeric: tabular-nums; }
    .done { border-left-color: var(--dbw-ok); background: #f3fbf5; }
  `];

  constructor() {
    super();
    this.sql = '';
    this.stage = 'review';
    this.now = Date.now();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.timer = window.setInterval(() => {
      if (this.stage === 'review') this.now = Date.now();
    }, 1000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.clearInterval(this.timer);
  }

  override willUpdate(changed: PropertyValues<this>): void {
    // A new preview (another statement, or the model's next proposal) starts over.
    if (changed.has('preview') && changed.get('preview') !== undefined) {
      this.stage = 'review';
      this.now = Date.now();
    }
  }

  private get ref(): PolicyRef | undefined {
    return this.policy ? { namespace: this.policy.namespace, name: this.policy.name } : undefined;
  }

  private get expired(): boolean {
    const t = Date.parse(this.preview?.expiresAt ?? '');
    return !Number.isNaN(t) && t <= this.now;
  }

  private record(outcome: HistoryEntry['outcome'], detail: string): void {
    const policy = this.ref;
    if (policy) this.dispatchEvent(historyEvent(historyEntry({ kind: 'sql', policy, text: this.sql, sql: this.sql, outcome, detail })));
  }

  private async focusLater(selector: string): Promise<void> {
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(selector)?.focus();
  }

  private async confirm(): Promise<void> {
    const p = this.preview;
    if (!p || this.stage !== 'review' || this.expired) return;
    this.stage = 'confirm';
    await this.confirmTask.run([p.token]);
    const kind = p.kind.toUpperCase();
    if (this.confirmTask.status === TaskStatus.COMPLETE && this.confirmTask.value) {
      this.record('ok', `${kind} confirmed: ${plural(this.confirmTask.value.rowCount, 'row', 'rows')} changed`);
      await this.focusLater('[data-done]');
    } else {
      const err = this.confirmTask.error;
      this.record(isAbort(err) ? 'cancelled' : 'refused', isAbort(err) ? `${kind} cancelled` : `${kind} not run: ${problemOf(err).title}`);
      await this.focusLater('[data-again]');
    }
  }

  private async again(): Promise<void> {
    this.stage = 'again';
    await this.againTask.run([this.sql]);
    const fresh = this.againTask.value;
    if (this.againTask.status === TaskStatus.COMPLETE && fresh) {
      this.preview = fresh;
      this.stage = 'review';
      this.now = Date.now();
      await this.focusLater('[data-confirm]');
    }
  }

  private cancel(): void {
    if (this.stage === 'discarded' || (this.stage === 'confirm' && this.confirmTask.status !== TaskStatus.ERROR)) return;
    this.stage = 'discarded';
    this.record('cancelled', `${this.preview?.kind.toUpperCase() ?? 'Write'} discarded: nothing changed`);
    this.dispatchEvent(new CustomEvent('dbw-preview-cancel', { detail: this.sql, bubbles: true, composed: true }));
    void this.focusLater('[data-discarded]');
  }

  private value(v: Value) {
    if (v === null) return html`<span class="null">NULL</span>`;
    const text = textOf(v);
    return text.length > cellText ? html`<span title=${text}>${text.slice(0, cellText)}…</span>` : text;
  }

  /** One table: rows with their values, or for an UPDATE each changed cell as its old value struck out, then the new. */
  private table(caption: string, sample: PreviewSample, after?: PreviewSample) {
    const diff = after && after.rows.length === sample.rows.length && after.columns.length === sample.columns.length &&
      after.columns.every((c, i) => c.name === sample.columns[i]?.name);
    const changedColumns = sample.columns.map((_, j) => Boolean(diff && sample.rows.some((row, i) => textOf(row[j] ?? null) !== textOf(after.rows[i]?.[j] ?? null) || (row[j] === null) !== (after.rows[i]?.[j] === null))));
    const right = sample.columns.map(alignRight);
    return html`<div class="scroll" tabindex="0" role="region" aria-label=${caption}>
      <table>
        <caption>${caption}</caption>
        <thead><tr>${sample.columns.map((c, j) => html`<th scope="col" data-column=${c.name} class=${changedColumns[j] ? 'changed' : ''}>${c.name}${changedColumns[j] ? html` <span class="visually-hidden">(changes)</span>` : nothing}<span class="type">${c.type}${changedColumns[j] ? ' · changes' : ''}</span></th>`)}</tr></thead>
        <tbody>${sample.rows.map((row, i) => html`<tr>${sample.columns.map((_, j) => {
          const before = row[j] ?? null;
          const next = diff ? after.rows[i]?.[j] ?? null : before;
          const changed = diff && (textOf(before) !== textOf(next) || (before === null) !== (next === null));
          return changed
            ? html`<td class="changed ${right[j] ? 'num' : ''}"><del><span class="visually-hidden">was </span>${this.value(before)}</del> → <ins><span class="visually-hidden">becomes </span>${this.value(next)}</ins></td>`
            : html`<td class=${right[j] ? 'num' : ''}>${this.value(before)}</td>`;
        })}</tr>`)}</tbody>
      </table>
    </div>`;
  }

  private sample(p: WritePreview) {
    if (p.rowCount === 0) return html`<p class="muted">No row matches: confirming changes nothing.</p>`;
    const shown = p.kind === 'insert' ? p.after : p.before;
    const cut = shown.truncated || shown.rows.length < p.rowCount
      ? html`<p class="muted" data-sample-cut>Showing ${plural(shown.rows.length, 'row', 'rows')} of ${p.rowCount.toLocaleString('en')}.</p>` : nothing;
    const note = p.note ? html`<p class="muted" data-note>${p.note}</p>` : nothing;
    if (shown.rows.length === 0) return p.note ? note : html`<p class="muted" data-note>The rows are not shown.</p>`;
    switch (p.kind) {
      case 'update':
        return html`${p.after.rows.length > 0
          ? html`${this.table('Before → after', p.before, p.after)}<p class="muted legend">Changed cells show the old value struck out, then the new one.</p>`
          : this.table('The rows it changes, before', p.before)}${cut}${note}`;
      case 'delete':
        return html`${this.table('The rows it deletes', p.before)}${cut}${note}`;
      case 'insert':
        return html`${this.table('The new rows', p.after)}${cut}${note}`;
    }
  }

  private expiry(p: WritePreview) {
    if (this.expired) {
      return html`<p class="expiry warn" role="status" data-expired>This preview expired at <time datetime=${p.expiresAt}>${exactTime(p.expiresAt)}</time>: preview it again to confirm.</p>`;
    }
    const left = Math.max(0, Math.round((Date.parse(p.expiresAt) - this.now) / 1000));
    return html`<p class="expiry muted" data-expiry>Confirm before <time datetime=${p.expiresAt}>${exactTime(p.expiresAt)}</time>
      <span aria-hidden="true">(${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')} left)</span>; after that, preview it again.</p>`;
  }

  private renderReview(p: WritePreview, policy: Policy) {
    const kind = p.kind.toUpperCase();
    return html`
      ${this.sample(p)}
      ${this.expiry(p)}
      <div class="actions">
        ${this.expired
          ? html`<button type="button" class="primary" data-again @click=${() => void this.again()}>Preview again</button>`
          : html`<button type="button" class="primary" data-confirm @click=${() => void this.confirm()}>Confirm ${kind} of ${plural(p.rowCount, 'row', 'rows')}</button>`}
        <button type="button" data-cancel @click=${this.cancel}>Cancel</button>
        <span class="muted">Runs as ${policy.username ? html`<span class="mono">${policy.username}</span>` : 'the policy\'s user'}, once; refused if the rows change first.</span>
      </div>`;
  }

  private renderConfirm(p: WritePreview, policy: Policy) {
    const kind = p.kind.toUpperCase();
    return this.confirmTask.render({
      pending: () => html`<dbw-progress label="Running the ${kind} as the policy's user…" timeout-ms=${tryParseDuration(policy.console.statementTimeout) ?? 0}
        @dbw-cancel=${() => this.confirmTask.abort(new DOMException('Cancelled', 'AbortError'))}></dbw-progress>`,
      complete: (r) => (r ? html`
        <div class="notice done" role="status" tabindex="-1" data-done>Done: the ${kind} ran and changed <strong>${plural(r.rowCount, 'row', 'rows')}</strong> of ${p.table}.</div>
        ${r.columns.length > 0 ? html`<dbw-result-view .result=${r} row-limit=${policy.console.rowLimit} filename="${policy.namespace}-${policy.name}.csv"></dbw-result-view>` : nothing}` : nothing),
      error: (e) => html`
        ${isAbort(e)
          ? html`<div class="notice warn" role="status">Cancelled while it ran. The database stops the statement; if it had already finished, the change was made. Run a SELECT to check.</div>`
          : html`<dbw-problem .error=${e}></dbw-problem>`}
        <div class="actions">
          <button type="button" class="primary" data-again @click=${() => void this.again()}>Preview again</button>
          <button type="button" data-cancel @click=${this.cancel}>Cancel</button>
        </div>`,
    });
  }

  private renderAgain() {
    return this.againTask.render({
      pending: () => html`<dbw-progress label="Previewing the statement again (in a transaction rolled back)…"
        @dbw-cancel=${() => this.againTask.abort(new DOMException('Cancelled', 'AbortError'))}></dbw-progress>`,
      complete: () => nothing,
      error: (e) => html`<dbw-problem .error=${e}></dbw-problem>
        <div class="actions">
          <button type="button" class="primary" data-again @click=${() => void this.again()}>Preview again</button>
          <button type="button" data-cancel @click=${this.cancel}>Cancel</button>
        </div>`,
    });
  }

  override render() {
    const p = this.preview;
    const policy = this.policy;
    if (!p || !policy) return nothing;
    if (policy.access !== 'read-write') {
      return html`<div class="notice" role="note" data-read-only>This policy is read-only: it runs no writes, so there is nothing to confirm.</div>`;
    }
    if (this.stage === 'discarded') {
      return html`<div class="notice" role="status" tabindex="-1" data-discarded>Cancelled: the preview was discarded and nothing was changed.</div>`;
    }
    const kind = p.kind.toUpperCase();
    const ran = this.stage === 'confirm' && this.confirmTask.status === TaskStatus.COMPLETE;
    return html`<section aria-labelledby="title" data-kind=${p.kind} data-row-count=${p.rowCount}>
      <h3 id="title">${ran ? `Confirmed: the ${kind} of ${p.table}` : `Preview: this ${kind} would change ${plural(p.rowCount, 'row', 'rows')} of ${p.table}`}</h3>
      ${ran ? nothing : html`<p>It ran in a transaction that was rolled back: <strong>nothing has changed yet</strong>.</p>`}
      <pre class="sql" aria-label="The statement to run">${tokenize(this.sql).map((t) => (['keyword', 'string', 'function', 'number'].includes(t.kind) ? html`<span class=${t.kind}>${t.text}</span>` : t.text))}</pre>
      <p class="count" data-count>${p.rowCount.toLocaleString('en')} ${p.rowCount === 1 ? 'row' : 'rows'} would be ${p.kind === 'insert' ? 'added' : p.kind === 'delete' ? 'deleted' : 'changed'}.</p>
      ${this.stage === 'review' ? this.renderReview(p, policy) : this.stage === 'confirm' ? html`${this.sample(p)}${this.renderConfirm(p, policy)}` : html`${this.sample(p)}${this.renderAgain()}`}
    </section>`;
  }
}

customElements.define('dbw-write-preview', DbwWritePreview);

declare global {
  interface HTMLElementTagNameMap {
    'dbw-write-preview': DbwWritePreview;
  }
}
