import { css, html, LitElement } from 'lit';
import { formatDuration } from '../lib/format.js';
import { shared } from '../styles/shared.js';

/**
 * A running request: what is happening, the time it has taken, a bar (measured against the longest it may
 * take when that is known, such as the policy's statement timeout) and a Cancel button (or Escape).
 */
export class DbwProgress extends LitElement {
  static override properties = {
    label: {},
    timeoutMs: { type: Number, attribute: 'timeout-ms' },
    elapsed: { state: true },
  };

  declare label: string;
  declare timeoutMs: number | undefined;
  declare elapsed: number;
  private started = 0;
  private timer: number | undefined;

  static override styles = [shared, css`
    :host { display: block; margin: 0.75rem 0; }
    .row { display: flex; align-items: center; gap: 0.75rem; flex-wrap: wrap; }
    progress { flex: 1 1 12rem; height: 0.6rem; accent-color: var(--dbw-accent); }
    .time { font-variant-numeric: tabular-nums; }
  `];

  constructor() {
    super();
    this.label = 'Working…';
    this.elapsed = 0;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.started = performance.now();
    this.timer = window.setInterval(() => {
      this.elapsed = performance.now() - this.started;
    }, 100);
  }

  override firstUpdated(): void {
    // Starting a run often disables the control that had focus; then focus goes to Cancel, where Escape
    // and Enter work, rather than being lost to the page.
    let active: Element | null = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    if (!active || active === document.body || (active as HTMLButtonElement).disabled) this.renderRoot.querySelector('button')?.focus();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.clearInterval(this.timer);
  }

  private cancel(): void {
    this.dispatchEvent(new CustomEvent('dbw-cancel', { bubbles: true, composed: true }));
  }

  override render() {
    const limit = this.timeoutMs;
    return html`
      <div class="row">
        <span role="status" aria-live="polite">${this.label}</span>
        <span class="time muted" aria-hidden="true">${formatDuration(this.elapsed)}${limit ? html` of at most ${formatDuration(limit)}` : ''}</span>
      </div>
      <div class="row">
        ${limit
          ? html`<progress aria-label="Time used of the statement timeout" max=${limit} .value=${Math.min(this.elapsed, limit)}></progress>`
          : html`<progress aria-label="Working"></progress>`}
        <button type="button" @click=${this.cancel} title="Cancel (Escape)">Cancel</button>
      </div>
    `;
  }
}

customElements.define('dbw-progress', DbwProgress);

declare global {
  interface HTMLElementTagNameMap {
    'dbw-progress': DbwProgress;
  }
}
