import { Task, TaskStatus } from '@lit/task';
import { keyed } from 'lit/directives/keyed.js';
import { css, html, LitElement, nothing } from 'lit';
import { ApiError, ConsoleApi } from '../api/client.js';
import { policyKey, type PolicyRef } from '../api/types.js';
import { forgetToken, storedToken, storeToken } from '../auth/token-store.js';
import type { HistoryEntry, LoadRequest } from '../lib/history.js';
import { shared } from '../styles/shared.js';
import './dbw-policy-list.js';
import './dbw-problem.js';
import './dbw-schema-browser.js';
import type { SignInDetail } from './dbw-sign-in.js';
import './dbw-sign-in.js';
import './dbw-workspace.js';

/**
 * The console page: sign-in with a Kubernetes token, then the policies the person may query, the chosen
 * policy's schema, and its Ask / SQL / History workspace. The token lives in the API client only (memory,
 * or this tab's sessionStorage when asked); signing out forgets it, the history and every result.
 */
export class DbwApp extends LitElement {
  static override properties = {
    api: { state: true },
    selected: { state: true },
    history: { state: true },
    load: { state: true },
    signInError: { state: true },
  };

  declare api: ConsoleApi | undefined;
  declare selected: string | undefined;
  declare history: HistoryEntry[];
  declare load: LoadRequest | undefined;
  declare signInError: string;
  private loadSeq = 0;

  private readonly session = new Task(this, {
    args: () => [this.api] as const,
    task: async ([api], { signal }) => {
      if (!api) return undefined;
      const [me, info, policies, connections] = await Promise.all([api.me(signal), api.info(signal), api.policies(signal), api.connections(signal)]);
      return { me, info, policies, connections };
    },
    onError: (err) => {
      if (err instanceof ApiError && err.code === 'unauthenticated') this.signOut('The token was not accepted: it is invalid or has expired. Paste a valid one.');
    },
    onComplete: (s) => {
      if (!s) return;
      const keys = s.policies.map(policyKey);
      if (!this.selected || !keys.includes(this.selected)) this.selected = keys[0];
    },
  });

  static override styles = [shared, css`
    :host { display: flex; flex-direction: column; min-height: 100vh; }
    header.top { display: flex; align-items: center; gap: 0.75rem; padding: 0.55rem 1rem; background: #1d2b4f; color: #fff; flex-wrap: wrap; }
    header.top h1 { font-size: 1.05rem; margin: 0 auto 0 0; }
    header.top h1 span { color: #9fc0ff; }
    header.top .who { font-size: 0.88em; opacity: 0.9; overflow-wrap: anywhere; }
    header.top button { background: transparent; color: #fff; border-color: #ffffff66; }
    .layout { flex: 1; display: grid; grid-template-columns: minmax(17rem, 23rem) minmax(0, 1fr); gap: 1rem; padding: 1rem; align-items: start; }
    aside { display: grid; gap: 1rem; min-width: 0; }
    aside section, main { background: var(--dbw-surface); border: 1px solid var(--dbw-border); border-radius: 10px; padding: 0.8rem; min-width: 0; }
    aside h2 { font-size: 1rem; margin: 0 0 0.5rem; display: flex; justify-content: space-between; align-items: center; }
    main { padding: 1rem; }
    .loading { padding: 2rem; }
    @media (max-width: 820px) {
      .layout { grid-template-columns: minmax(0, 1fr); padding: 0.6rem; gap: 0.6rem; }
      /* One column: the policies, then the work area, then the schema. */
      aside { display: contents; }
      aside section.policies { order: 1; }
      main { order: 2; padding: 0.75rem; }
      aside section.schema { order: 3; }
      header.top .who { order: 3; width: 100%; }
    }
  `];

  constructor() {
    super();
    this.history = [];
    this.signInError = '';
    const token = storedToken();
    if (token) this.api = new ConsoleApi(token);
  }

  private signIn(e: CustomEvent<SignInDetail>): void {
    storeToken(e.detail.token, e.detail.remember);
    this.signInError = '';
    this.api = new ConsoleApi(e.detail.token);
  }

  /** Forgets the token, this tab's history and every result on the page. */
  signOut(message = ''): void {
    this.session.abort();
    forgetToken();
    this.api = undefined;
    this.selected = undefined;
    this.history = [];
    this.load = undefined;
    this.signInError = message;
  }

  private select(ref: PolicyRef): void {
    this.selected = policyKey(ref);
  }

  private addHistory(e: CustomEvent<HistoryEntry>): void {
    this.history = [...this.history, e.detail].slice(-200);
  }

  private openHistory(e: CustomEvent<HistoryEntry>): void {
    this.selected = policyKey(e.detail.policy);
    this.load = { kind: e.detail.kind, text: e.detail.text, seq: ++this.loadSeq };
  }

  private useSql(e: CustomEvent<string>): void {
    this.load = { kind: 'sql', text: e.detail, seq: ++this.loadSeq };
  }

  override render() {
    if (!this.api) return html`<dbw-sign-in .error=${this.signInError} @dbw-sign-in=${this.signIn}></dbw-sign-in>`;
    const s = this.session.value;
    if (this.session.status === TaskStatus.ERROR) {
      return html`<div class="loading"><dbw-problem .error=${this.session.error}>
        <button type="button" @click=${() => void this.session.run()}>Try again</button>
        <button type="button" @click=${() => this.signOut()}>Sign out</button>
      </dbw-problem></div>`;
    }
    if (!s) return html`<p class="loading muted" role="status">Signing in…</p>`;
    const policy = s.policies.find((p) => policyKey(p) === this.selected);
    const ref = policy ? { namespace: policy.namespace, name: policy.name } : undefined;
    return html`
      <header class="top">
        <h1><span>dbwarden</span> console</h1>
        <span class="who" data-user>Signed in as <strong>${s.me.username}</strong></span>
        <button type="button" @click=${() => this.signOut()}>Sign out</button>
      </header>
      <div class="layout" @dbw-history=${this.addHistory} @dbw-history-open=${this.openHistory} @dbw-use-sql=${this.useSql}>
        <aside>
          <section class="policies" aria-labelledby="policies-title">
            <h2 id="policies-title">Policies
              <button type="button" class="small" @click=${() => void this.session.run()} ?disabled=${this.session.status === TaskStatus.PENDING}
                aria-label="Refresh the policies">${this.session.status === TaskStatus.PENDING ? 'Refreshing…' : 'Refresh'}</button></h2>
            <dbw-policy-list .policies=${s.policies} .connections=${s.connections} .selected=${this.selected} @dbw-select=${(e: CustomEvent<PolicyRef>) => this.select(e.detail)}></dbw-policy-list>
          </section>
          ${ref ? html`<section class="schema"><dbw-schema-browser .api=${this.api} .policy=${ref}></dbw-schema-browser></section>` : nothing}
        </aside>
        <main>
          ${policy
            ? keyed(this.selected, html`<dbw-workspace .api=${this.api} .policy=${policy} .info=${s.info} .history=${this.history} .load=${this.load}></dbw-workspace>`)
            : html`<p class="muted">${s.policies.length ? 'Choose a policy.' : 'There is nothing you may query yet.'}</p>`}
        </main>
      </div>
    `;
  }
}

customElements.define('dbw-app', DbwApp);

declare global {
  interface HTMLElementTagNameMap {
    'dbw-app': DbwApp;
  }
}
