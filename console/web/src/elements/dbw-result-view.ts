import { css, html, LitElement, nothing } from 'lit';
import type { QueryResult } from '../api/types.js';
import { chartSpecFor } from '../lib/chart-spec.js';
import { formatDuration } from '../lib/format.js';
import { toCsv } from '../lib/values.js';
import { shared } from '../styles/shared.js';
import './dbw-result-chart.js';
import './dbw-result-table.js';

/**
 * A query's result: its size and time, the truncation notice, a table or (when the data allows) a bar or
 * line chart, and CSV export of exactly the rows shown, made in the browser (nothing is sent or stored).
 */
export class DbwResultView extends LitElement {
  static override properties = {
    result: { attribute: false },
    rowLimit: { type: Number, attribute: 'row-limit' },
    filename: {},
    view: { state: true },
    chartType: { state: true },
  };

  declare result: QueryResult | undefined;
  declare rowLimit: number | undefined;
  declare filename: string;
  declare view: 'table' | 'chart';
  declare chartType: 'bar' | 'line' | undefined;

  static override styles = [shared, css`
    :host { display: block; margin-top: 0.75rem; }
    .bar { display: flex; align-items: center; gap: 0.5rem; flex-wrap: wrap; margin-bottom: 0.5rem; }
    .summary { margin-right: auto; }
    [role='group'] { display: inline-flex; }
    [role='group'] button { border-radius: 0; }
    [role='group'] button:first-child { border-radius: 6px 0 0 6px; }
    [role='group'] button:last-child { border-radius: 0 6px 6px 0; }
    [aria-pressed='true'] { background: #e3ebfc; border-color: var(--dbw-accent); font-weight: 600; }
  `];

  constructor() {
    super();
    this.filename = 'result.csv';
    this.view = 'table';
  }

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('result')) {
      this.view = 'table';
      this.chartType = undefined;
    }
  }

  private exportCsv(): void {
    const r = this.result;
    if (!r) return;
    const url = URL.createObjectURL(new Blob([toCsv(r.columns, r.rows)], { type: 'text/csv;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = this.filename;
    a.rel = 'noopener';
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  override render() {
    const r = this.result;
    if (!r) return nothing;
    const spec = chartSpecFor(r, this.chartType);
    const hasRows = r.columns.length > 0;
    const noun = hasRows ? (r.rowCount === 1 ? 'row' : 'rows') : (r.rowCount === 1 ? 'row changed' : 'rows changed');
    return html`
      <div class="bar">
        <span class="summary" role="status"><strong>${r.rowCount.toLocaleString('en')}</strong> ${noun} · ${formatDuration(r.durationMs)}</span>
        ${spec ? html`
          <span role="group" aria-label="Show as">
            <button type="button" class="small" aria-pressed=${this.view === 'table'} @click=${() => (this.view = 'table')}>Table</button>
            <button type="button" class="small" aria-pressed=${this.view === 'chart' && spec.type === 'bar'} @click=${() => { this.view = 'chart'; this.chartType = 'bar'; }}>Bar chart</button>
            <button type="button" class="small" aria-pressed=${this.view === 'chart' && spec.type === 'line'} @click=${() => { this.view = 'chart'; this.chartType = 'line'; }}>Line chart</button>
          </span>` : nothing}
        ${hasRows ? html`<button type="button" class="small" @click=${this.exportCsv}>Export CSV</button>` : nothing}
      </div>
      ${r.truncated ? html`<div class="notice warn" role="note" data-truncated>
          Only the first ${r.rowCount.toLocaleString('en')} rows are shown: the result had more, and the policy's row limit${this.rowLimit ? ` (${this.rowLimit.toLocaleString('en')})` : ''} cut it.
          Narrow the query (WHERE, GROUP BY, LIMIT) to see the rest.</div>` : nothing}
      ${this.view === 'chart' && spec ? html`<dbw-result-chart .spec=${spec}></dbw-result-chart>` : html`<dbw-result-table .result=${r}></dbw-result-table>`}
    `;
  }
}

customElements.define('dbw-result-view', DbwResultView);

declare global {
  interface HTMLElementTagNameMap {
    'dbw-result-view': DbwResultView;
  }
}
