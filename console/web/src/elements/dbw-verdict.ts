import { css, html, LitElement, nothing } from 'lit';
import type { Answer } from '../api/types.js';
import { refusalTitle } from '../lib/problems.js';
import { tokenize } from '../lib/sql-highlight.js';
import { shared } from '../styles/shared.js';

/**
 * What the guard and the database said about the model's SQL, in plain words: why nothing ran when every
 * attempt was refused, and which earlier attempts were refused before one passed.
 */
export class DbwVerdict extends LitElement {
  static override properties = { answer: { attribute: false } };

  declare answer: Answer | undefined;

  static override styles = [shared, css`
    :host { display: block; }
    .title { font-weight: 600; margin: 0 0 0.25rem; }
    p { margin: 0.25rem 0; overflow-wrap: anywhere; }
    ol { margin: 0.35rem 0 0; padding-left: 1.3rem; }
    li { margin: 0.4rem 0; }
    pre { margin: 0.2rem 0; padding: 0.35rem 0.5rem; background: #f3f4f7; border-radius: 4px; font: 12px/1.45 var(--dbw-mono); white-space: pre-wrap; overflow-wrap: anywhere; }
    .keyword { color: #7b2fb5; font-weight: 600; }
    .string { color: #a3420f; }
    .function { color: #0b6e8a; }
  `];

  private attempts() {
    const a = this.answer?.attempts ?? [];
    return html`<ol>${a.map((t, i) => html`<li>
      <span class="bad">Attempt ${i + 1}: ${refusalTitle(t.error.code)}.</span> ${t.error.message}
      ${t.sql ? html`<pre aria-label="Refused SQL">${tokenize(t.sql).map((k) => (['keyword', 'string', 'function'].includes(k.kind) ? html`<span class=${k.kind}>${k.text}</span>` : k.text))}</pre>` : nothing}
    </li>`)}</ol>`;
  }

  override render() {
    const a = this.answer;
    if (!a) return nothing;
    if (a.error) {
      const guard = a.error.code === 'guard_rejected' || a.error.code === 'preview_unsupported';
      return html`
        <div class="notice bad" role="alert" data-code=${a.error.code}>
          <p class="title">${guard ? 'Refused: the SQL guard did not let this run' : `Not answered: ${refusalTitle(a.error.code).toLowerCase()}`}</p>
          <p>${guard
            ? 'The model\'s SQL was checked before it could reach the database, and refused; nothing was run. The model was told why and tried again, without success.'
            : 'The model\'s SQL could not be run, and its further attempts failed too.'}</p>
          <p class="muted">${a.error.message}</p>
          ${a.attempts.length ? html`<details ?open=${a.attempts.length <= 3}><summary>What was refused, attempt by attempt</summary>${this.attempts()}</details>` : nothing}
        </div>`;
    }
    if (a.attempts.length) {
      return html`
        <details class="notice warn" data-code="retried">
          <summary>The guard or the database refused ${a.attempts.length} earlier ${a.attempts.length === 1 ? 'attempt' : 'attempts'}; the SQL shown passed.</summary>
          ${this.attempts()}
        </details>`;
    }
    return nothing;
  }
}

customElements.define('dbw-verdict', DbwVerdict);

declare global {
  interface HTMLElementTagNameMap {
    'dbw-verdict': DbwVerdict;
  }
}
