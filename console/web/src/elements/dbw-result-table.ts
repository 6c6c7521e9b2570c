import { css, html, LitElement, nothing } from 'lit';
import type { QueryResult, Value } from '../api/types.js';
import { alignRight, textOf } from '../lib/values.js';
import { shared } from '../styles/shared.js';

/** Longer text is cut in the cell, with a button to show all of it. */
export const longText = 160;
export const pageSizes = [50, 100, 250, 1000] as const;

/**
 * A result as a table, a page at a time (so thousands of rows stay fast): NULL shown as NULL, JSON as
 * compact JSON, long text cut with "more", numbers right-aligned, column types in the header.
 */
export class DbwResultTable extends LitElement {
  static override properties = {
    result: { attribute: false },
    pageSize: { type: Number, attribute: 'page-size' },
    page: { state: true },
    expanded: { state: true },
  };

  declare result: QueryResult | undefined;
  declare pageSize: number;
  declare page: number;
  declare expanded: ReadonlySet<string>;

  static override styles = [shared, css`
    :host { display: block; }
    .scroll { overflow: auto; max-height: 60vh; border: 1px solid var(--dbw-border); border-radius: 6px; background: var(--dbw-surface); }
    table { border-collapse: collapse; width: max-content; min-width: 100%; font-size: 13px; }
    caption { text-align: left; }
    th, td { padding: 0.3rem 0.6rem; border-bottom: 1px solid #edf0f5; text-align: left; vertical-align: top; max-width: 32rem; }
    thead th { position: sticky; top: 0; background: #eef2f9; z-index: 1; border-bottom: 1px solid var(--dbw-border); white-space: nowrap; }
    th .type { display: block; font-weight: normal; font-size: 0.8em; color: var(--dbw-muted); }
    th.rownum, td.rownum { color: var(--dbw-muted); text-align: right; font-variant-numeric: tabular-nums; user-select: none; }
    td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    td .text { white-space: pre-wrap; overflow-wrap: anywhere; }
    .null { color: #8a93a3; font-style: italic; font-size: 0.9em; }
    code.json { font-family: var(--dbw-mono); font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; color: #134f7a; }
    tbody tr:hover { background: #f6f8fc; }
    nav { display: flex; align-items: center; gap: 0.5rem; flex-wrap: wrap; margin-top: 0.5rem; }
    nav .range { font-variant-numeric: tabular-nums; }
    label { display: inline-flex; gap: 0.35rem; align-items: center; }
  `];

  constructor() {
    super();
    this.pageSize = 100;
    this.page = 0;
    this.expanded = new Set();
  }

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('result')) {
      this.page = 0;
      this.expanded = new Set();
    }
  }

  private get pages(): number {
    return Math.max(1, Math.ceil((this.result?.rows.length ?? 0) / this.pageSize));
  }

  private go(page: number): void {
    this.page = Math.min(Math.max(0, page), this.pages - 1);
    this.renderRoot.querySelector('.scroll')?.scrollTo({ top: 0 });
  }

  private toggle(key: string): void {
    const next = new Set(this.expanded);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    this.expanded = next;
  }

  private cell(value: Value, key: string) {
    if (value === null) return html`<span class="null">NULL</span>`;
    const text = textOf(value);
    const open = this.expanded.has(key);
    const cut = text.length > longText && !open;
    const shown = cut ? `${text.slice(0, longText)}…` : text;
    const more = text.length > longText
      ? html` <button type="button" class="link small" aria-expanded=${open} @click=${() => this.toggle(key)}>${open ? 'less' : `more (${text.length.toLocaleString('en')} characters)`}</button>`
      : nothing;
    return typeof value === 'object'
      ? html`<code class="json">${shown}</code>${more}`
      : html`<span class="text">${shown}</span>${more}`;
  }

  override render() {
    const r = this.result;
    if (!r) return nothing;
    if (r.columns.length === 0) return html`<p class="muted">The statement returned no columns.</p>`;
    if (r.rows.length === 0) return html`<p class="muted" role="status">No rows.</p>`;
    const start = this.page * this.pageSize;
    const rows = r.rows.slice(start, start + this.pageSize);
    const right = r.columns.map(alignRight);
    const total = r.rows.length;
    const pager = total > this.pageSize || this.pageSize !== 100;
    return html`
      <div class="scroll" tabindex="0" role="region" aria-label="Query result, rows ${start + 1} to ${start + rows.length} of ${total}">
        <table>
          <thead><tr>
            <th class="rownum" scope="col"><span class="visually-hidden">Row</span>#</th>
            ${r.columns.map((c) => html`<th scope="col">${c.name}<span class="type">${c.type}</span></th>`)}
          </tr></thead>
          <tbody>
            ${rows.map((row, i) => html`<tr>
              <td class="rownum">${start + i + 1}</td>
              ${r.columns.map((_, j) => html`<td class=${right[j] ? 'num' : ''}>${this.cell(row[j] ?? null, `${start + i}:${j}`)}</td>`)}
            </tr>`)}
          </tbody>
        </table>
      </div>
      ${pager ? html`
        <nav aria-label="Result pages">
          <button type="button" class="small" ?disabled=${this.page === 0} @click=${() => this.go(0)} aria-label="First page">«</button>
          <button type="button" class="small" ?disabled=${this.page === 0} @click=${() => this.go(this.page - 1)}>Previous</button>
          <span class="range" aria-live="polite">Rows ${(start + 1).toLocaleString('en')}–${(start + rows.length).toLocaleString('en')} of ${total.toLocaleString('en')} · page ${this.page + 1} of ${this.pages}</span>
          <button type="button" class="small" ?disabled=${this.page >= this.pages - 1} @click=${() => this.go(this.page + 1)}>Next</button>
          <button type="button" class="small" ?disabled=${this.page >= this.pages - 1} @click=${() => this.go(this.pages - 1)} aria-label="Last page">»</button>
          <label>Rows per page
            <select @change=${(e: Event) => { this.pageSize = Number((e.target as HTMLSelectElement).value); this.page = 0; }}>
              ${pageSizes.map((n) => html`<option value=${n} ?selected=${n === this.pageSize}>${n}</option>`)}
            </select>
          </label>
        </nav>` : nothing}
    `;
  }
}

customElements.define('dbw-result-table', DbwResultTable);

declare global {
  interface HTMLElementTagNameMap {
    'dbw-result-table': DbwResultTable;
  }
}
