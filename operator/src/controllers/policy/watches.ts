import type { V1NetworkPolicy, V1Secret } from '@kubernetes/client-node';
import type { AccessPolicy, DatabaseConnection } from '@dbwarden/api';
import type { OwnWrites } from '../../kube/own-writes.js';
import { keyOf } from '../../runtime/object-key.js';
import { findCondition } from '../conditions.js';
import { watchManagedNetworkPolicies } from '../network/watches.js';
import { specChanged, type Queue, type Watched } from '../watch.js';
import { policyLabel } from './credentials.js';

export interface PolicyWatchSources {
  connections: Watched<DatabaseConnection>;
  policies: Watched<AccessPolicy>;
  /** The credentials Secrets dbwarden manages. */
  secrets: Watched<V1Secret>;
  networkPolicies: Watched<V1NetworkPolicy>;
}

export interface PolicyWatchDeps {
  policiesOf(connection: DatabaseConnection): AccessPolicy[];
  ownSecretWrites: OwnWrites<V1Secret>;
  ownNetworkPolicyWrites: OwnWrites<V1NetworkPolicy>;
}

/** The AccessPolicy a credentials Secret belongs to (its label; ownership is the ownerReference). */
export function secretOwner(secret: V1Secret): string | undefined {
  const policy = secret.metadata?.labels?.[policyLabel];
  return policy ? keyOf(secret.metadata?.namespace, policy) : undefined;
}

/**
 * What starts an AccessPolicy's pass: a change to it, to its connection (spec, or Ready turning), to its
 * credentials Secret or its egress NetworkPolicy by anyone else.
 */
export function watchPolicies(queue: Queue, sources: PolicyWatchSources, deps: PolicyWatchDeps): void {
  const { connections, policies, secrets, networkPolicies } = sources;
  const policiesOf = (c: DatabaseConnection): void => {
    for (const p of deps.policiesOf(c)) queue.add(keyOf(p));
  };
  connections.onUpdate((old, c) => {
    const before = findCondition(old.status?.conditions, 'Ready');
    const after = findCondition(c.status?.conditions, 'Ready');
    if (specChanged(old, c) || before?.status !== after?.status) policiesOf(c);
  });
  connections.onDelete(policiesOf);

  policies.onAdd((p) => queue.add(keyOf(p)));
  policies.onUpdate((old, p) => specChanged(old, p) && queue.add(keyOf(p)));
  policies.onDelete((p) => queue.add(keyOf(p)));

  // The echo of the operator's own Secret write needs no pass; anyone else's change to a Secret is undone.
  secrets.onUpdate((_old, s) => {
    const owner = secretOwner(s);
    if (owner && !deps.ownSecretWrites.isOwn(s)) queue.add(owner);
  });
  secrets.onDelete((s) => {
    deps.ownSecretWrites.forget(s);
    const owner = secretOwner(s);
    if (owner) queue.add(owner);
  });

  watchManagedNetworkPolicies(networkPolicies, deps.ownNetworkPolicyWrites, 'policy', (key) => queue.add(key));
}
