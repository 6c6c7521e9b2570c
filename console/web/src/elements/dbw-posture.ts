import { css, html, LitElement, nothing } from 'lit';
import type { Posture } from '../api/types.js';
import { shared } from '../styles/shared.js';

/**
 * A connection's security posture: `passed/total` of the security guide's checks, with the failing ones
 * explained (and the passing ones listed) in a disclosure.
 */
export class DbwPosture extends LitElement {
  static override properties = { posture: { attribute: false } };

  declare posture: Posture | null | undefined;

  static override styles = [shared, css`
    :host { display: inline-block; max-width: 100%; }
    :host([expanded]) { display: block; width: 100%; }
    summary { cursor: pointer; list-style: none; }
    summary::-webkit-details-marker { display: none; }
    summary::after { content: ' ▸'; font-size: 0.8em; color: var(--dbw-muted); }
    details[open] summary::after { content: ' ▾'; }
    ul { margin: 0.35rem 0 0; padding-left: 1.1rem; max-width: 28rem; }
    li { margin: 0.15rem 0; }
    .name { font-weight: 600; }
  `];

  override render() {
    const p = this.posture;
    if (!p) return html`<span class="muted">posture unknown</span>`;
    const all = p.passed === p.total;
    const checks = p.checks ?? [];
    const failing = checks.filter((c) => !c.passed);
    const passing = checks.filter((c) => c.passed);
    const badge = html`Posture <span class="badge ${all ? 'ok' : 'warn'}" aria-label="${p.passed} of ${p.total} checks passed">${p.passed}/${p.total}</span>`;
    if (checks.length === 0) return badge;
    return html`
      <details @toggle=${(e: Event) => this.toggleAttribute('expanded', (e.target as HTMLDetailsElement).open)}>
        <summary title="Security posture: checks from the security guide">${badge}</summary>
        ${failing.length ? html`<ul aria-label="Failing checks">${failing.map((c) => html`<li class="bad"><span class="name">✗ ${c.name}</span>: ${c.message}</li>`)}</ul>` : nothing}
        <ul aria-label="Passing checks">${passing.map((c) => html`<li class="ok"><span class="name">✓ ${c.name}</span>: <span class="muted">${c.message}</span></li>`)}</ul>
      </details>
    `;
  }
}

customElements.define('dbw-posture', DbwPosture);

declare global {
  interface HTMLElementTagNameMap {
    'dbw-posture': DbwPosture;
  }
}
