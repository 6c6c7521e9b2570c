import { css, html, LitElement, nothing } from 'lit';
import { isAbort } from '../api/client.js';
import { problemOf } from '../lib/problems.js';
import { shared } from '../styles/shared.js';

/** An error as a person reads it: what happened in plain words, the server's message, what to do next. */
export class DbwProblem extends LitElement {
  static override properties = { error: { attribute: false } };

  declare error: unknown;

  static override styles = [shared, css`
    :host { display: block; }
    .title { font-weight: 600; margin: 0 0 0.25rem; }
    p { margin: 0.2rem 0; white-space: pre-wrap; overflow-wrap: anywhere; }
  `];

  override render() {
    if (this.error === undefined) return nothing;
    if (isAbort(this.error)) return html`<div class="notice" role="status">Cancelled. Nothing more will be shown for this request.</div>`;
    const p = problemOf(this.error);
    return html`
      <div class="notice bad" role="alert" data-code=${p.code}>
        <p class="title">${p.title}</p>
        <p class="message">${p.message}</p>
        ${p.hint ? html`<p class="muted">${p.hint}</p>` : nothing}
        <slot></slot>
      </div>
    `;
  }
}

customElements.define('dbw-problem', DbwProblem);

declare global {
  interface HTMLElementTagNameMap {
    'dbw-problem': DbwProblem;
  }
}
