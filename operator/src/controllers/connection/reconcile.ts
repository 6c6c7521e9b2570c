import { databaseConnections, apiVersion, type AccessPolicy, type DatabaseConnection } from '@dbwarden/api';
import { applyNetworkPolicy, type CachedNetworkPolicy } from '../network/apply.js';
import { ingressPolicy, ingressPolicyName, type ComponentNamespaces } from '../network/desired.js';
import type { Logger } from 'pino';
import type { KubeClient } from '../../kube/client.js';
import type { EventRecorder } from '../../kube/events.js';
import { sameJson } from '../../util/deep-equal.js';
import { failureOf } from '../failure.js';
import type { ReconcileResult } from '../result.js';
import type { ConnectionRegistry } from './registry.js';
import { connectedStatus, failedStatus } from './status.js';
import { systemDatabaseRefusal } from '../policy/refusals.js';

export interface ConnectionReconcilerDeps {
  get(namespace: string, name: string): DatabaseConnection | undefined;
  /** The AccessPolicies that use a connection (for the ingress NetworkPolicy and the posture). */
  policiesOf(connection: DatabaseConnection): AccessPolicy[];
  namespaces: ComponentNamespaces;
  /** Reads a NetworkPolicy dbwarden manages from a cache; without it the reconciler reads from the API. */
  getNetworkPolicy?: CachedNetworkPolicy;
  kube: KubeClient;
  registry: ConnectionRegistry;
  events: EventRecorder;
  log: Logger;
  resyncMs: number;
}

/**
 * Checks that the operator can use a DatabaseConnection (admin Secret, TLS, server) and reports what it
 * found: version, TLS facts, posture. Writes status only when it changed.
 */
export class ConnectionReconciler {
  constructor(private readonly deps: ConnectionReconcilerDeps) {}

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split('/') as [string, string];
    const connection = this.deps.get(namespace, name);
    if (!connection) {
      await this.deps.registry.remove(key);
      return {};
    }
    const target = { apiVersion, kind: databaseConnections.kind, metadata: connection.metadata };
    const policies = this.deps.policiesOf(connection);
    await applyNetworkPolicy(this.deps.kube, namespace, ingressPolicyName(connection), ingressPolicy(connection, policies, this.deps.namespaces),
      this.deps.getNetworkPolicy);
    try {
      const handle = await this.deps.registry.refresh(connection);
      // Still connected (its policies use the handle to revoke what was granted there), but never Ready.
      const refusal = systemDatabaseRefusal(connection);
      if (refusal) throw refusal;
      const status = connectedStatus(connection, handle, policies);
      await this.writeStatus(connection, status);
      if (handle.facts.admin.superuser) {
        this.deps.events.warning(target, 'AdminIsSuperuser',
          `${handle.facts.admin.message}. A superuser can grant whatever a policy names, so only dbwarden's own checks keep system catalogs out of reach; provision with a least-privilege account (docs/operator.md, "The provisioning account")`);
      }
      if (status.posture?.checks?.some((c) => !c.passed)) {
        const failing = status.posture.checks.filter((c) => !c.passed);
        this.deps.events.warning(target, 'PostureWarning', failing.map((c) => `${c.name}: ${c.message}`).join('; '));
      }
      return { requeueAfterMs: this.deps.resyncMs };
    } catch (err) {
      const failure = failureOf(err);
      this.deps.log.warn({ key, reason: failure.reason, detail: failure.message }, 'connection not ready');
      await this.writeStatus(connection, failedStatus(connection, failure));
      this.deps.events.warning(target, failure.reason, failure.message);
      if (!failure.retryable) return {};
      throw err;
    }
  }

  private async writeStatus(connection: DatabaseConnection, status: DatabaseConnection['status']): Promise<void> {
    if (sameJson(status, connection.status)) return;
    await this.deps.kube.patchStatus(databaseConnections.plural, connection.metadata!.namespace!, connection.metadata!.name!, status!);
  }
}
