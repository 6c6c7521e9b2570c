import type { AccessPolicy } from '@dbwarden/api';
import type { Logger } from 'pino';
import type { KubeClient } from '../../kube/client.js';
import type { ReconcileResult } from '../result.js';
import { applyBinding, applyRole, type CachedAccess } from './apply.js';
import { desiredConsoleAccess, type CachedSecret, type ConsoleIdentity } from './desired.js';

export interface ConsoleAccessReconcilerDeps {
  /** The cached AccessPolicies of one namespace. */
  policiesIn(namespace: string): AccessPolicy[];
  /** The cached credentials Secrets the operator manages. */
  getSecret: CachedSecret;
  /** The cached Roles and RoleBindings this controller manages. */
  access: CachedAccess;
  identity: ConsoleIdentity;
  kube: KubeClient;
  log: Logger;
  resyncMs: number;
}

/**
 * Keeps, per namespace (the queue's key), what the console's ServiceAccount may read there: `get` on exactly
 * the credentials Secrets of the console-enabled policies, through one Role and RoleBinding, and nothing when
 * there is none. It reads only the operator's caches and writes only differences, so a pass that finds the
 * namespace as it should be makes no request.
 */
export class ConsoleAccessReconciler {
  constructor(private readonly deps: ConsoleAccessReconcilerDeps) {}

  async reconcile(namespace: string): Promise<ReconcileResult> {
    const { kube, access } = this.deps;
    const desired = desiredConsoleAccess(namespace, this.deps.policiesIn(namespace), this.deps.getSecret, this.deps.identity);
    let writes = 0;
    if (desired) {
      // The Role first, then its binding; on the way out the binding goes first.
      writes += await applyRole(kube, namespace, desired.role, access.roles(namespace));
      writes += await applyBinding(kube, namespace, desired.binding, access.bindings(namespace));
    } else {
      writes += await applyBinding(kube, namespace, undefined, access.bindings(namespace));
      writes += await applyRole(kube, namespace, undefined, access.roles(namespace));
    }
    if (writes) {
      const secrets = desired?.role.rules?.[0]?.resourceNames ?? [];
      this.deps.log.info({ namespace, secrets, writes }, secrets.length ? 'console may read these credentials Secrets' : 'console may read no Secret here');
    }
    return desired ? { requeueAfterMs: this.deps.resyncMs } : {};
  }
}
