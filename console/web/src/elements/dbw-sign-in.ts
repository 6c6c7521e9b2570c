import { css, html, LitElement, nothing } from 'lit';
import { shared } from '../styles/shared.js';

export interface SignInDetail {
  token: string;
  remember: boolean;
}

/**
 * Sign-in with a Kubernetes bearer token, pasted like in the Kubernetes dashboard. The field is a password
 * field and is cleared once the token is handed over; the token never appears in the page.
 */
export class DbwSignIn extends LitElement {
  static override properties = {
    busy: { type: Boolean },
    error: {},
  };

  declare busy: boolean;
  declare error: string;

  static override styles = [shared, css`
    :host { display: grid; place-items: center; min-height: 100%; padding: 1.5rem 1rem; }
    form { width: min(34rem, 100%); background: var(--dbw-surface); border: 1px solid var(--dbw-border); border-radius: 10px; padding: 1.5rem; box-shadow: 0 4px 18px #1d233012; }
    h1 { margin: 0 0 0.25rem; font-size: 1.4rem; }
    h1 span { color: var(--dbw-accent); }
    label { display: block; font-weight: 600; margin: 1rem 0 0.3rem; }
    #token { width: 100%; font: 13px/1.4 var(--dbw-mono); padding: 0.55rem; border: 1px solid var(--dbw-border); border-radius: 6px; }
    #token-help { display: block; font-size: 0.9em; margin-top: 0.3rem; }
    .check { display: flex; gap: 0.4rem; align-items: flex-start; font-weight: normal; margin: 0.6rem 0 1rem; }
    .check input { margin-top: 0.2rem; }
    .actions { display: flex; justify-content: flex-end; gap: 0.5rem; }
    details { margin-top: 1rem; }
    code { font-family: var(--dbw-mono); font-size: 0.9em; background: #f1f3f7; padding: 0 0.25rem; border-radius: 3px; overflow-wrap: anywhere; }
    pre { background: #f1f3f7; padding: 0.5rem; border-radius: 6px; overflow: auto; font: 12px/1.4 var(--dbw-mono); }
  `];

  constructor() {
    super();
    this.busy = false;
    this.error = '';
  }

  private submit(e: SubmitEvent): void {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const field = form.elements.namedItem('token') as HTMLInputElement;
    const remember = (form.elements.namedItem('remember') as HTMLInputElement).checked;
    const token = field.value.trim().replace(/^Bearer\s+/i, '');
    field.value = '';
    if (!token) {
      this.error = 'Paste a token first.';
      return;
    }
    this.dispatchEvent(new CustomEvent<SignInDetail>('dbw-sign-in', { detail: { token, remember }, bubbles: true, composed: true }));
  }

  override render() {
    return html`
      <form @submit=${this.submit} aria-labelledby="title" autocomplete="off">
        <h1 id="title"><span>dbwarden</span> console</h1>
        <p class="muted">Ask your databases questions through the least-privilege users dbwarden manages. Kubernetes decides what you may query.</p>
        <label for="token">Kubernetes bearer token</label>
        <input id="token" name="token" type="password" required spellcheck="false" autocapitalize="off" autocomplete="off"
          placeholder="Paste a ServiceAccount or OIDC token" aria-describedby="token-help ${this.error ? 'error' : ''}" ?disabled=${this.busy} />
        <span id="token-help" class="muted">It is sent to this console only, in a request header, and checked by the Kubernetes API server.</span>
        <label class="check"><input type="checkbox" name="remember" ?disabled=${this.busy} />
          <span>Keep me signed in while this tab is open (sessionStorage; gone when the tab closes). Otherwise the token is kept in memory only.</span></label>
        ${this.error ? html`<div id="error" class="notice bad" role="alert">${this.error}</div>` : nothing}
        <div class="actions"><button class="primary" type="submit" ?disabled=${this.busy}>${this.busy ? 'Signing in…' : 'Sign in'}</button></div>
        <details>
          <summary>Where do I get a token?</summary>
          <p>Any token the cluster's API server accepts works, for a user or ServiceAccount that RBAC grants the verb
            <code>query</code> on <code>accesspolicies.dbwarden.io</code> (the ClusterRole <code>dbwarden-console-user</code>). For a ServiceAccount:</p>
          <pre>kubectl create token &lt;serviceaccount&gt; -n &lt;namespace&gt;</pre>
        </details>
      </form>
    `;
  }
}

customElements.define('dbw-sign-in', DbwSignIn);

declare global {
  interface HTMLElementTagNameMap {
    'dbw-sign-in': DbwSignIn;
  }
}
