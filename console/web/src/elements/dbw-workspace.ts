import { css, html, LitElement, nothing } from 'lit';
import type { ConsoleApi } from '../api/client.js';
import type { Info, Policy } from '../api/types.js';
import type { HistoryEntry, LoadRequest } from '../lib/history.js';
import { shared } from '../styles/shared.js';
import './dbw-ask-panel.js';
import './dbw-history.js';
import './dbw-sql-panel.js';

type Tab = 'ask' | 'sql' | 'history';
const tabs: Array<[Tab, string]> = [['ask', 'Ask'], ['sql', 'SQL'], ['history', 'History']];

/** The chosen policy's work area: Ask, SQL and History tabs (arrow keys move between tabs). */
export class DbwWorkspace extends LitElement {
  static override properties = {
    api: { attribute: false },
    policy: { attribute: false },
    info: { attribute: false },
    history: { attribute: false },
    load: { attribute: false },
    tab: { state: true },
  };

  declare api: ConsoleApi | undefined;
  declare policy: Policy | undefined;
  declare info: Info | undefined;
  declare history: HistoryEntry[];
  declare load: LoadRequest | undefined;
  declare tab: Tab;

  static override styles = [shared, css`
    :host { display: block; }
    h2 { margin: 0; font-size: 1.15rem; overflow-wrap: anywhere; }
    header { display: flex; align-items: baseline; gap: 0.6rem; flex-wrap: wrap; margin-bottom: 0.6rem; overflow-wrap: anywhere; }
    header .muted { min-width: 0; }
    [role='tablist'] { display: flex; gap: 0.25rem; border-bottom: 1px solid var(--dbw-border); margin-bottom: 0.9rem; }
    [role='tab'] { border: 1px solid transparent; border-bottom: 0; border-radius: 6px 6px 0 0; background: none; padding: 0.45rem 1rem; margin-bottom: -1px; color: var(--dbw-muted); }
    [role='tab'][aria-selected='true'] { border-color: var(--dbw-border); background: var(--dbw-surface); color: inherit; font-weight: 600; }
    .count { font-size: 0.8em; color: var(--dbw-muted); }
  `];

  constructor() {
    super();
    this.history = [];
    this.tab = 'ask';
  }

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('load') && this.load) this.tab = this.load.kind;
  }

  private onTabKey(e: KeyboardEvent): void {
    const i = tabs.findIndex(([t]) => t === this.tab);
    const move = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!move && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    const next = e.key === 'Home' ? 0 : e.key === 'End' ? tabs.length - 1 : (i + move + tabs.length) % tabs.length;
    this.tab = tabs[next]?.[0] ?? 'ask';
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#tab-${this.tab}`)?.focus());
  }

  override render() {
    const p = this.policy;
    if (!p) return html`<p class="muted">Choose a policy to browse its schema and ask questions.</p>`;
    return html`
      <header>
        <h2>${p.name}</h2>
        <span class="muted">${p.namespace} · ${p.access} · connection ${p.connection}${p.username ? html` · database user <span class="mono">${p.username}</span>` : nothing}</span>
      </header>
      <div role="tablist" aria-label="Work with ${p.name}" @keydown=${this.onTabKey}>
        ${tabs.map(([t, label]) => html`<button type="button" role="tab" id="tab-${t}" aria-controls="panel-${t}" aria-selected=${this.tab === t}
          tabindex=${this.tab === t ? 0 : -1} @click=${() => (this.tab = t)}>${label}${t === 'history' && this.history.length ? html` <span class="count">(${this.history.length})</span>` : nothing}</button>`)}
      </div>
      <section role="tabpanel" id="panel-ask" aria-labelledby="tab-ask" ?hidden=${this.tab !== 'ask'}>
        <dbw-ask-panel .api=${this.api} .policy=${p} .info=${this.info} .load=${this.load}></dbw-ask-panel>
      </section>
      <section role="tabpanel" id="panel-sql" aria-labelledby="tab-sql" ?hidden=${this.tab !== 'sql'}>
        <dbw-sql-panel .api=${this.api} .policy=${p} .load=${this.load}></dbw-sql-panel>
      </section>
      <section role="tabpanel" id="panel-history" aria-labelledby="tab-history" ?hidden=${this.tab !== 'history'}>
        <dbw-history .entries=${this.history}></dbw-history>
      </section>
    `;
  }
}

customElements.define('dbw-workspace', DbwWorkspace);

declare global {
  interface HTMLElementTagNameMap {
    'dbw-workspace': DbwWorkspace;
  }
}
