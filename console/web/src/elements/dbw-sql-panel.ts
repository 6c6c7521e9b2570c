import { css, html, LitElement, nothing } from 'lit';
import { ApiError, isAbort, PreviewRequired, type ConsoleApi } from '../api/client.js';
import type { Policy } from '../api/types.js';
import { QueryController } from '../controllers/query-controller.js';
import { ShortcutController } from '../controllers/shortcut-controller.js';
import { tryParseDuration } from '@dbwarden/api/duration';
import { engineViews } from '../lib/engines.js';
import { historyEntry, historyEvent, previewDetail, type LoadRequest } from '../lib/history.js';
import { problemOf } from '../lib/problems.js';
import { shared } from '../styles/shared.js';
import './dbw-problem.js';
import './dbw-progress.js';
import './dbw-result-view.js';
import './dbw-sql-editor.js';
import './dbw-write-preview.js';

/** SQL typed by a person, run through the policy: the same guard, grants and limits as the model's SQL. */
export class DbwSqlPanel extends LitElement {
  static override properties = {
    api: { attribute: false },
    policy: { attribute: false },
    load: { attribute: false },
    sql: { state: true },
  };

  declare api: ConsoleApi | undefined;
  declare policy: Policy | undefined;
  declare load: LoadRequest | undefined;
  declare sql: string;

  private readonly query = new QueryController(this, () => ({ api: this.api, policy: this.policy }));

  static override styles = [shared, css`
    :host { display: block; }
    .actions { display: flex; gap: 0.5rem; align-items: center; margin-top: 0.5rem; flex-wrap: wrap; }
    .hint { font-size: 0.85em; }
  `];

  constructor() {
    super();
    this.sql = '';
    new ShortcutController(this, { run: () => void this.run(), cancel: () => this.query.cancel() });
  }

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('load') && this.load?.kind === 'sql') this.sql = this.load.text;
  }

  private async run(): Promise<void> {
    const sql = this.sql.trim();
    if (!sql || this.query.running || !this.policy) return;
    const policy = { namespace: this.policy.namespace, name: this.policy.name };
    await this.query.run(sql);
    const t = this.query.task;
    const err = t.error;
    const entry = t.value && !err
      ? { outcome: 'ok' as const, detail: `${t.value.rowCount} rows` }
      : err instanceof PreviewRequired ? { outcome: 'ok' as const, detail: previewDetail(err.preview) }
      : isAbort(err) ? { outcome: 'cancelled' as const, detail: 'cancelled' }
        : { outcome: err instanceof ApiError && err.code === 'guard_rejected' ? 'refused' as const : 'error' as const, detail: problemOf(err).title };
    this.dispatchEvent(historyEvent(historyEntry({ kind: 'sql', policy, text: sql, sql, ...entry })));
  }

  override render() {
    const p = this.policy;
    if (!p) return nothing;
    const timeout = tryParseDuration(p.console.statementTimeout);
    return html`
      <dbw-sql-editor label="SQL for ${p.name}" .value=${this.sql} placeholder=${p.engine ? engineViews[p.engine].placeholder : 'SELECT * FROM products LIMIT 10'}
        @dbw-change=${(e: CustomEvent<string>) => (this.sql = e.detail)}></dbw-sql-editor>
      <div class="actions">
        <button type="button" class="primary" ?disabled=${!this.sql.trim() || this.query.running} @click=${() => void this.run()}>Run</button>
        <span class="muted hint">Ctrl+Enter · one statement · ${p.access === 'read-only' ? 'read-only' : 'read-write'} · at most ${p.console.rowLimit.toLocaleString('en')} rows · ${p.console.statementTimeout} timeout</span>
      </div>
      ${this.query.task.render({
        pending: () => html`<dbw-progress label="Running on the database as the policy's user…" timeout-ms=${timeout ?? 0} @dbw-cancel=${() => this.query.cancel()}></dbw-progress>`,
        error: (e) => (e instanceof PreviewRequired && p.access === 'read-write' && this.query.lastRun
          ? html`<dbw-write-preview .api=${this.api} .policy=${p} .sql=${this.query.lastRun.sql} .preview=${e.preview}></dbw-write-preview>`
          : html`<dbw-problem .error=${e}></dbw-problem>`),
        complete: (r) => (r ? html`<dbw-result-view .result=${r} row-limit=${p.console.rowLimit} filename="${p.namespace}-${p.name}.csv"></dbw-result-view>` : nothing),
      })}
    `;
  }
}

customElements.define('dbw-sql-panel', DbwSqlPanel);

declare global {
  interface HTMLElementTagNameMap {
    'dbw-sql-panel': DbwSqlPanel;
  }
}
