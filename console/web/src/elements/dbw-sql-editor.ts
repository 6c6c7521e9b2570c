import { css, html, LitElement } from 'lit';
import { tokenize } from '../lib/sql-highlight.js';
import { shared } from '../styles/shared.js';

/**
 * An editable, highlighted SQL box: a transparent text area over a highlighted copy of its text, so
 * editing, selection, undo and screen readers are the browser's own. Fires `dbw-change` with the text.
 */
export class DbwSqlEditor extends LitElement {
  static override properties = {
    value: {},
    label: {},
    readonly: { type: Boolean, reflect: true },
    placeholder: {},
  };

  declare value: string;
  declare label: string;
  declare readonly: boolean;
  declare placeholder: string;

  static override styles = [shared, css`
    :host { display: block; }
    label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
    .box {
      position: relative; border: 1px solid var(--dbw-border); border-radius: 6px; background: #fbfcfe;
      font: 13px/1.5 var(--dbw-mono);
    }
    .box:focus-within { border-color: var(--dbw-accent); box-shadow: 0 0 0 2px #c9d8fb; }
    pre, textarea {
      margin: 0; padding: 0.55rem 0.7rem; font: inherit; white-space: pre-wrap; overflow-wrap: anywhere;
      tab-size: 2; border: 0; width: 100%; min-height: 5.5em;
    }
    pre { position: absolute; inset: 0; overflow: hidden; pointer-events: none; color: #1d2330; }
    textarea {
      position: relative; display: block; resize: vertical; background: transparent; color: transparent;
      caret-color: #1d2330; outline: none; max-height: 24em; overflow: auto;
    }
    textarea::placeholder { color: #8a93a3; }
    textarea::selection { background: #b7cdfa; color: transparent; }
    .keyword { color: #7b2fb5; font-weight: 600; }
    .function { color: #0b6e8a; }
    .string { color: #a3420f; }
    .identifier { color: #1a5e20; }
    .number { color: #0b57a3; }
    .comment { color: #6b7380; font-style: italic; }
    .operator { color: #9c1e5e; }
  `];

  constructor() {
    super();
    this.value = '';
    this.label = 'SQL';
    this.readonly = false;
    this.placeholder = '';
  }

  /** The text area, for focus(). */
  get textarea(): HTMLTextAreaElement | null {
    return this.renderRoot.querySelector('textarea');
  }

  override focus(): void {
    this.textarea?.focus();
  }

  private onInput(e: Event): void {
    this.value = (e.target as HTMLTextAreaElement).value;
    this.dispatchEvent(new CustomEvent('dbw-change', { detail: this.value, bubbles: true, composed: true }));
  }

  private onScroll(e: Event): void {
    const pre = this.renderRoot.querySelector('pre');
    if (pre) pre.scrollTop = (e.target as HTMLTextAreaElement).scrollTop;
  }

  override render() {
    const tokens = tokenize(this.value);
    return html`
      <label for="sql">${this.label}</label>
      <div class="box">
        <pre aria-hidden="true">${tokens.map((t) => (t.kind === 'whitespace' || t.kind === 'word' || t.kind === 'punctuation' ? t.text : html`<span class=${t.kind}>${t.text}</span>`))}${'\n'}</pre>
        <textarea id="sql" spellcheck="false" autocapitalize="off" autocomplete="off"
          aria-describedby="keys" placeholder=${this.placeholder}
          rows=${Math.min(16, Math.max(4, this.value.split('\n').length + 1))}
          ?readonly=${this.readonly} .value=${this.value}
          @input=${this.onInput} @scroll=${this.onScroll}></textarea>
      </div>
      <span id="keys" class="visually-hidden">Ctrl+Enter runs the statement; Escape cancels a running query.</span>
    `;
  }
}

customElements.define('dbw-sql-editor', DbwSqlEditor);

declare global {
  interface HTMLElementTagNameMap {
    'dbw-sql-editor': DbwSqlEditor;
  }
}
