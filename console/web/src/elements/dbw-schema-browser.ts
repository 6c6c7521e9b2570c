import { Task } from '@lit/task';
import { css, html, LitElement, nothing } from 'lit';
import type { ConsoleApi } from '../api/client.js';
import type { DatabaseEngine } from '@dbwarden/api/engine';
import type { PolicyRef, SchemaTable } from '../api/types.js';
import { engineViews } from '../lib/engines.js';
import { shared } from '../styles/shared.js';
import './dbw-problem.js';

/**
 * The tables and columns the chosen policy's database user can see, as the console reports them (nothing
 * outside the policy). "Preview" puts a SELECT of the table into the SQL editor (`dbw-use-sql`).
 */
export class DbwSchemaBrowser extends LitElement {
  static override properties = {
    api: { attribute: false },
    policy: { attribute: false },
    filter: { state: true },
  };

  declare api: ConsoleApi | undefined;
  declare policy: PolicyRef | undefined;
  declare filter: string;

  private readonly schema = new Task(this, {
    args: () => [this.api, this.policy] as const,
    task: async ([api, policy], { signal }) => (api && policy ? api.schema(policy, signal) : undefined),
  });

  static override styles = [shared, css`
    :host { display: block; }
    h2 { font-size: 1rem; margin: 0 0 0.4rem; }
    input { width: 100%; padding: 0.3rem 0.5rem; border: 1px solid var(--dbw-border); border-radius: 6px; margin-bottom: 0.4rem; }
    ul.tables { list-style: none; margin: 0; padding: 0; }
    details { border-bottom: 1px solid #edf0f5; padding: 0.2rem 0; }
    summary { cursor: pointer; display: flex; gap: 0.4rem; align-items: baseline; list-style: none; }
    summary::-webkit-details-marker { display: none; }
    summary::before { content: '▸'; color: var(--dbw-muted); font-size: 0.8em; width: 0.7em; }
    details[open] > summary::before { content: '▾'; }
    summary .t { font-family: var(--dbw-mono); font-weight: 600; overflow-wrap: anywhere; }
    summary .n { color: var(--dbw-muted); font-size: 0.85em; margin-right: auto; }
    ul.cols { list-style: none; margin: 0.2rem 0 0.4rem; padding: 0 0 0 1.1rem; font-size: 0.88em; }
    ul.cols li { display: flex; gap: 0.5rem; justify-content: space-between; }
    .c { font-family: var(--dbw-mono); overflow-wrap: anywhere; }
    .type { color: var(--dbw-muted); white-space: nowrap; }
  `];

  constructor() {
    super();
    this.filter = '';
  }

  private preview(t: SchemaTable, engine: DatabaseEngine): void {
    this.dispatchEvent(new CustomEvent('dbw-use-sql', { detail: `SELECT * FROM ${engineViews[engine].sqlName(t)} LIMIT 100`, bubbles: true, composed: true }));
  }

  override render() {
    if (!this.policy) return nothing;
    return html`
      <h2 id="schema-title">Schema</h2>
      ${this.schema.render({
        pending: () => html`<p class="muted" role="status">Loading the tables this policy can read…</p>`,
        error: (e) => html`<dbw-problem .error=${e}></dbw-problem>`,
        complete: (s) => {
          if (!s) return nothing;
          if (s.tables.length === 0) return html`<p class="muted">This policy's user can see no tables.</p>`;
          const f = this.filter.trim().toLowerCase();
          const tables = f ? s.tables.filter((t) => t.name.toLowerCase().includes(f) || t.columns.some((c) => c.name.toLowerCase().includes(f))) : s.tables;
          return html`
            <p class="muted">${s.tables.length} ${s.tables.length === 1 ? 'table' : 'tables'} in ${s.database}, as the policy's database user sees them.</p>
            ${s.tables.length > 8 ? html`<input type="search" aria-label="Filter tables and columns" placeholder="Filter tables and columns" .value=${this.filter} @input=${(e: Event) => (this.filter = (e.target as HTMLInputElement).value)} />` : nothing}
            <ul class="tables" aria-labelledby="schema-title">
              ${tables.map((t) => html`<li data-table=${t.name}><details>
                <summary><span class="t">${engineViews[s.engine].listedName(t)}</span>
                  <span class="n">${t.columns.length} columns</span>
                  <button type="button" class="link small" @click=${(e: Event) => { e.preventDefault(); this.preview(t, s.engine); }} aria-label="Preview ${t.name} in the SQL editor">Preview</button>
                </summary>
                <ul class="cols" aria-label="Columns of ${t.name}">
                  ${t.columns.map((c) => html`<li><span class="c">${c.name}</span><span class="type">${c.type}${c.nullable ? '' : ' not null'}</span></li>`)}
                </ul>
              </details></li>`)}
            </ul>`;
        },
      })}
    `;
  }
}

customElements.define('dbw-schema-browser', DbwSchemaBrowser);

declare global {
  interface HTMLElementTagNameMap {
    'dbw-schema-browser': DbwSchemaBrowser;
  }
}
