import { Task, TaskStatus } from '@lit/task';
import { css, html, LitElement, nothing } from 'lit';
import { isAbort, PreviewRequired, type ConsoleApi } from '../api/client.js';
import type { Answer, Info, Policy, PolicyRef } from '../api/types.js';
import { QueryController } from '../controllers/query-controller.js';
import { ShortcutController } from '../controllers/shortcut-controller.js';
import { tryParseDuration } from '@dbwarden/api/duration';
import { historyEntry, historyEvent, previewDetail, type LoadRequest } from '../lib/history.js';
import { problemOf } from '../lib/problems.js';
import { shared } from '../styles/shared.js';
import './dbw-problem.js';
import './dbw-progress.js';
import './dbw-result-view.js';
import './dbw-sql-editor.js';
import './dbw-verdict.js';
import './dbw-write-preview.js';

interface AskRun {
  policy: PolicyRef;
  question: string;
  conversationId: string | undefined;
}

/**
 * A question in plain language: the model writes SQL from the policy's schema, the console's guard and the
 * database decide, and the page shows the SQL (highlighted, editable, runnable again), the model's
 * explanation, the guard's verdict and the rows. Follow-up questions continue the conversation.
 */
export class DbwAskPanel extends LitElement {
  static override properties = {
    api: { attribute: false },
    policy: { attribute: false },
    info: { attribute: false },
    load: { attribute: false },
    question: { state: true },
    editedSql: { state: true },
    conversationId: { state: true },
    showEdited: { state: true },
  };

  declare api: ConsoleApi | undefined;
  declare policy: Policy | undefined;
  declare info: Info | undefined;
  declare load: LoadRequest | undefined;
  declare question: string;
  declare editedSql: string;
  declare conversationId: string | undefined;
  /** True once the edited SQL was run: its result replaces the answer's. */
  declare showEdited: boolean;
  private pending: AskRun | undefined;

  private readonly ask = new Task(this, {
    autoRun: false,
    args: () => [this.pending] as [AskRun | undefined],
    task: async ([run], { signal }): Promise<Answer | undefined> => {
      if (!run || !this.api) return undefined;
      return this.api.ask(run.policy, run.question, run.conversationId, signal);
    },
  });

  private readonly rerun = new QueryController(this, () => ({ api: this.api, policy: this.policy }));

  static override styles = [shared, css`
    :host { display: block; }
    label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
    textarea { width: 100%; padding: 0.55rem 0.7rem; border: 1px solid var(--dbw-border); border-radius: 6px; resize: vertical; min-height: 3.2em; }
    textarea:focus { border-color: var(--dbw-accent); outline: none; box-shadow: 0 0 0 2px #c9d8fb; }
    .actions { display: flex; gap: 0.5rem; align-items: center; margin: 0.5rem 0; flex-wrap: wrap; }
    .hint { font-size: 0.85em; }
    .answer { margin-top: 0.75rem; display: grid; gap: 0.5rem; }
    .explanation { margin: 0; padding: 0.5rem 0.7rem; background: #f3f6fb; border-radius: 6px; }
    .explanation strong { margin-right: 0.3rem; }
    .conv { font-size: 0.85em; }
  `];

  constructor() {
    super();
    this.question = '';
    this.editedSql = '';
    this.showEdited = false;
    new ShortcutController(this, {
      run: () => {
        const inEditor = this.renderRoot.querySelector('dbw-sql-editor')?.matches(':focus-within');
        if (inEditor) void this.runEdited();
        else void this.submit();
      },
      cancel: () => {
        if (this.ask.status === TaskStatus.PENDING) this.ask.abort(new DOMException('Cancelled', 'AbortError'));
        this.rerun.cancel();
      },
    });
  }

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('load') && this.load?.kind === 'ask') this.question = this.load.text;
  }

  private get enabled(): boolean {
    return this.info?.ai.enabled === true;
  }

  private async submit(): Promise<void> {
    const question = this.question.trim();
    if (!question || !this.policy || !this.enabled || this.ask.status === TaskStatus.PENDING) return;
    const policy = { namespace: this.policy.namespace, name: this.policy.name };
    this.rerun.cancel();
    this.showEdited = false;
    this.pending = { policy, question, conversationId: this.conversationId };
    await this.ask.run([this.pending]);
    const answer = this.ask.value;
    const err = this.ask.error;
    if (answer && this.ask.status === TaskStatus.COMPLETE) {
      this.conversationId = answer.conversationId;
      this.editedSql = answer.sql ?? '';
      const detail = answer.error ? 'refused' : answer.result ? `${answer.result.rowCount} rows` : answer.proposal ? previewDetail(answer.proposal.preview) : 'no SQL';
      this.dispatchEvent(historyEvent(historyEntry({ kind: 'ask', policy, text: question, sql: answer.sql, outcome: answer.error ? 'refused' : 'ok', detail })));
    } else if (err !== undefined) {
      this.dispatchEvent(historyEvent(historyEntry({ kind: 'ask', policy, text: question, sql: null,
        outcome: isAbort(err) ? 'cancelled' : 'error', detail: isAbort(err) ? 'cancelled' : problemOf(err).title })));
    }
  }

  private async runEdited(): Promise<void> {
    const sql = this.editedSql.trim();
    if (!sql || !this.policy || this.rerun.running) return;
    this.showEdited = true;
    await this.rerun.run(sql);
    const t = this.rerun.task;
    this.dispatchEvent(historyEvent(historyEntry({
      kind: 'sql', policy: { namespace: this.policy.namespace, name: this.policy.name }, text: sql, sql,
      ...(t.value && !t.error ? { outcome: 'ok' as const, detail: `${t.value.rowCount} rows` }
        : t.error instanceof PreviewRequired ? { outcome: 'ok' as const, detail: previewDetail(t.error.preview) }
          : { outcome: 'error' as const, detail: problemOf(t.error).title }),
    })));
  }

  private newConversation(): void {
    this.conversationId = undefined;
    this.question = '';
    this.renderRoot.querySelector('textarea')?.focus();
  }

  private renderAnswer(a: Answer | undefined) {
    const p = this.policy;
    if (!a || !p) return nothing;
    const edited = this.editedSql.trim() !== (a.sql ?? '').trim();
    return html`<div class="answer" aria-label="Answer">
      <p class="explanation"><strong>${a.model}:</strong>${a.explanation || html`<span class="muted">(no explanation)</span>`}</p>
      ${a.sql === null && !a.error ? html`<div class="notice" role="status">The model wrote no SQL for this question, so nothing ran.</div>` : nothing}
      ${a.proposal ? html`<div class="notice warn" role="status" data-proposal>The model proposes a ${a.proposal.preview.kind.toUpperCase()}. It does not run by
        itself: check the preview below, then confirm or cancel.</div>` : nothing}
      ${a.sql !== null ? html`
        <dbw-sql-editor label=${a.error ? 'The model\'s last SQL (refused, not run)' : 'The model\'s SQL (you can edit it and run it again)'} .value=${this.editedSql}
          @dbw-change=${(e: CustomEvent<string>) => (this.editedSql = e.detail)}></dbw-sql-editor>
        <div class="actions">
          <button type="button" ?disabled=${!this.editedSql.trim() || this.rerun.running} @click=${() => void this.runEdited()}>${edited ? 'Run edited SQL' : 'Run again'}</button>
          <span class="muted hint">Your edits go through the same guard. Ctrl+Enter in the editor runs them.</span>
        </div>` : nothing}
      <dbw-verdict .answer=${a}></dbw-verdict>
      ${this.showEdited
        ? this.rerun.task.render({
          pending: () => html`<dbw-progress label="Running your SQL…" timeout-ms=${tryParseDuration(p.console.statementTimeout) ?? 0} @dbw-cancel=${() => this.rerun.cancel()}></dbw-progress>`,
          error: (e) => (e instanceof PreviewRequired && p.access === 'read-write' && this.rerun.lastRun
            ? html`<dbw-write-preview .api=${this.api} .policy=${p} .sql=${this.rerun.lastRun.sql} .preview=${e.preview}></dbw-write-preview>`
            : html`<dbw-problem .error=${e}></dbw-problem>`),
          complete: (r) => (r ? html`<dbw-result-view .result=${r} row-limit=${p.console.rowLimit} filename="${p.namespace}-${p.name}.csv"></dbw-result-view>` : nothing),
        })
        : a.result ? html`<dbw-result-view .result=${a.result} row-limit=${p.console.rowLimit} filename="${p.namespace}-${p.name}.csv"></dbw-result-view>`
          : a.proposal && p.access === 'read-write'
            ? html`<dbw-write-preview .api=${this.api} .policy=${p} .sql=${a.proposal.sql} .preview=${a.proposal.preview}></dbw-write-preview>` : nothing}
    </div>`;
  }

  override render() {
    const p = this.policy;
    if (!p) return nothing;
    if (!this.enabled) {
      return html`<div class="notice warn" role="note" data-ai-disabled>
        <strong>Asking in plain language needs an AI model, and none is configured on this console.</strong>
        <p>${this.info?.ai.hint ?? 'Set OPENAI_API_KEY (and OPENAI_BASE_URL, OPENAI_MODEL for other OpenAI-compatible servers) and restart the console.'}</p>
        <p>Everything else works: browse the schema, and run SQL yourself in the <strong>SQL</strong> tab.</p>
      </div>`;
    }
    const busy = this.ask.status === TaskStatus.PENDING;
    return html`
      <form @submit=${(e: Event) => { e.preventDefault(); void this.submit(); }}>
        <label for="question">Ask a question about ${p.name}</label>
        <textarea id="question" rows="2" .value=${this.question} ?disabled=${busy}
          placeholder=${p.tables?.some((t) => t.name === 'orders') ? 'For example: What are the 5 biggest orders this year?' : 'For example: How many rows does each table have?'}
          @input=${(e: Event) => (this.question = (e.target as HTMLTextAreaElement).value)}></textarea>
        <div class="actions">
          <button type="submit" class="primary" ?disabled=${busy || !this.question.trim()}>Ask</button>
          ${this.conversationId ? html`<span class="conv muted">Follow-up questions continue this conversation.</span>
            <button type="button" class="small" @click=${this.newConversation}>New conversation</button>` : nothing}
          <span class="muted hint">Ctrl+Enter · model ${this.info?.ai.model ?? ''} · it sees the schema only, never the rows</span>
        </div>
      </form>
      ${this.ask.render({
        pending: () => html`<dbw-progress label="The model is writing SQL; the guard checks it and the database runs it…" @dbw-cancel=${() => this.ask.abort(new DOMException('Cancelled', 'AbortError'))}></dbw-progress>`,
        error: (e) => html`<dbw-problem .error=${e}></dbw-problem>`,
        complete: (a) => this.renderAnswer(a),
      })}
    `;
  }
}

customElements.define('dbw-ask-panel', DbwAskPanel);

declare global {
  interface HTMLElementTagNameMap {
    'dbw-ask-panel': DbwAskPanel;
  }
}
