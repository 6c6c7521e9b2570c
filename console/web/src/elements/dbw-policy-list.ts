import { css, html, LitElement, nothing } from 'lit';
import { policyKey, type Connection, type Policy, type PolicyRef } from '../api/types.js';
import { engineViews } from '../lib/engines.js';
import { exactTime, relativeTime } from '../lib/format.js';
import { shared } from '../styles/shared.js';
import './dbw-posture.js';

/**
 * The policies the signed-in person may query, each with its connection's engine, host, readiness and
 * security posture, the access level and the next password rotation. Choosing one fires `dbw-select`.
 */
export class DbwPolicyList extends LitElement {
  static override properties = {
    policies: { attribute: false },
    connections: { attribute: false },
    selected: {},
  };

  declare policies: Policy[];
  declare connections: Connection[];
  declare selected: string | undefined;

  static override styles = [shared, css`
    :host { display: block; }
    ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.5rem; }
    li { border: 1px solid var(--dbw-border); border-radius: 8px; background: var(--dbw-surface); }
    li[data-selected] { border-color: var(--dbw-accent); box-shadow: 0 0 0 1px var(--dbw-accent); }
    button.pick { display: block; width: 100%; text-align: left; border: 0; border-radius: 8px 8px 0 0; padding: 0.55rem 0.7rem 0.2rem; background: none; }
    .name { font-weight: 600; overflow-wrap: anywhere; }
    .ns { color: var(--dbw-muted); font-weight: normal; }
    .facts { display: flex; flex-wrap: wrap; gap: 0.25rem 0.6rem; align-items: center; padding: 0 0.7rem 0.55rem; font-size: 0.88em; }
    .host { font-family: var(--dbw-mono); font-size: 0.95em; overflow-wrap: anywhere; }
    .ro { color: #2358c9; }
    .rw { color: #a3420f; }
    .reason { color: var(--dbw-bad); }
    .empty { padding: 1rem; border: 1px dashed var(--dbw-border); border-radius: 8px; background: var(--dbw-surface); }
  `];

  constructor() {
    super();
    this.policies = [];
    this.connections = [];
  }

  private select(p: PolicyRef): void {
    this.dispatchEvent(new CustomEvent<PolicyRef>('dbw-select', { detail: { namespace: p.namespace, name: p.name }, bubbles: true, composed: true }));
  }

  override render() {
    if (this.policies.length === 0) {
      return html`<div class="empty" role="status" data-empty>
        <strong>No policies to query.</strong>
        <p class="muted">Kubernetes RBAC does not let you query any console-enabled AccessPolicy. Ask an administrator to bind the ClusterRole
          <code>dbwarden-console-user</code> to you in the namespace of the data you need.</p>
      </div>`;
    }
    const byKey = new Map(this.connections.map((c) => [`${c.namespace}/${c.name}`, c]));
    return html`<ul aria-label="Policies you may query">
      ${this.policies.map((p) => {
        const key = policyKey(p);
        const c = byKey.get(`${p.namespace}/${p.connection}`);
        const selected = key === this.selected;
        return html`<li ?data-selected=${selected} data-policy=${key}>
          <button type="button" class="pick" aria-current=${selected ? 'true' : 'false'} @click=${() => this.select(p)}
            aria-label="${p.name} in ${p.namespace}, ${p.access}, ${p.ready ? 'ready' : 'not ready'}">
            <span class="name">${p.name}</span> <span class="ns">· ${p.namespace}</span>
          </button>
          <div class="facts">
            <span class="badge">${p.engine ? engineViews[p.engine].label : 'engine unknown'}</span>
            <span class="badge ${p.access === 'read-only' ? 'ro' : 'rw'}">${p.access}</span>
            ${p.ready ? html`<span class="ok" title="The operator reports the policy Ready">● Ready</span>`
              : html`<span class="bad" title=${p.message ?? ''}>● Not ready${p.reason ? html`: <span class="reason">${p.reason}</span>` : nothing}</span>`}
            ${c ? html`<span class="host" title="Database host (connection ${c.name})">${c.host}:${c.port}${p.readReplica && c.readReplica ? html` <span class="muted">(replica ${c.readReplica.host})</span>` : nothing}</span>` : html`<span class="muted">connection ${p.connection}</span>`}
            <dbw-posture .posture=${c?.posture ?? p.posture}></dbw-posture>
            ${p.nextRotationTime ? html`<span title="Next password rotation: ${exactTime(p.nextRotationTime)}">Rotates ${relativeTime(p.nextRotationTime)}</span>` : nothing}
          </div>
        </li>`;
      })}
    </ul>`;
  }
}

customElements.define('dbw-policy-list', DbwPolicyList);

declare global {
  interface HTMLElementTagNameMap {
    'dbw-policy-list': DbwPolicyList;
  }
}
