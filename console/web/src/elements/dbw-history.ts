import { css, html, LitElement, nothing } from 'lit';
import type { HistoryEntry } from '../lib/history.js';
import { shared } from '../styles/shared.js';

/** This tab's questions and statements, newest first; opening one puts it back in its panel (`dbw-history-open`). */
export class DbwHistory extends LitElement {
  static override properties = { entries: { attribute: false } };

  declare entries: HistoryEntry[];

  static override styles = [shared, css`
    :host { display: block; }
    ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.4rem; }
    li { border: 1px solid var(--dbw-border); border-radius: 6px; background: var(--dbw-surface); padding: 0.45rem 0.6rem; display: grid; gap: 0.15rem; }
    .head { display: flex; gap: 0.5rem; flex-wrap: wrap; align-items: baseline; font-size: 0.85em; }
    .text { overflow-wrap: anywhere; white-space: pre-wrap; }
    .sql { font-family: var(--dbw-mono); font-size: 0.85em; color: var(--dbw-muted); overflow-wrap: anywhere; white-space: pre-wrap; max-height: 4.5em; overflow: hidden; }
    .actions { justify-self: start; }
  `];

  constructor() {
    super();
    this.entries = [];
  }

  private open(entry: HistoryEntry): void {
    this.dispatchEvent(new CustomEvent('dbw-history-open', { detail: entry, bubbles: true, composed: true }));
  }

  override render() {
    if (this.entries.length === 0) {
      return html`<p class="muted">Nothing yet. Your questions and statements in this browser tab appear here; they are kept in memory only and gone when you reload or sign out.</p>`;
    }
    const outcome = { ok: 'ok', refused: 'bad', error: 'bad', cancelled: 'muted' } as const;
    return html`
      <p class="muted">Kept in this tab's memory only; never stored on the server.</p>
      <ol aria-label="History, newest first">
        ${[...this.entries].reverse().map((e) => html`<li>
          <div class="head">
            <span class="badge">${e.kind === 'ask' ? 'Question' : 'SQL'}</span>
            <span class="muted">${e.policy.namespace}/${e.policy.name}</span>
            <time class="muted" datetime=${e.at.toISOString()}>${e.at.toLocaleTimeString('en')}</time>
            <span class=${outcome[e.outcome]}>${e.detail}</span>
          </div>
          <div class="text">${e.text}</div>
          ${e.kind === 'ask' && e.sql ? html`<div class="sql">${e.sql}</div>` : nothing}
          <button type="button" class="small actions" @click=${() => this.open(e)}>${e.kind === 'ask' ? 'Ask again' : 'Open in editor'}</button>
        </li>`)}
      </ol>
    `;
  }
}

customElements.define('dbw-history', DbwHistory);

declare global {
  interface HTMLElementTagNameMap {
    'dbw-history': DbwHistory;
  }
}
