import type { KubernetesObject, V1NetworkPolicy } from '@kubernetes/client-node';
import type { AccessPolicy, DatabaseConnection } from '@dbwarden/api';
import type { OwnWrites } from '../../kube/own-writes.js';
import { keyOf } from '../../runtime/object-key.js';
import { watchManagedNetworkPolicies } from '../network/watches.js';
import { specChanged, type Queue, type Watched } from '../watch.js';
import { referencedSecrets } from './desired.js';

/** How long a connection's pass waits for more of its policies' changes to coalesce with. */
export const policyBurstMs = 1000;

export interface ConnectionWatchSources {
  connections: Watched<DatabaseConnection> & { list(): DatabaseConnection[] };
  policies: Watched<AccessPolicy>;
  /** Every Secret a connection may name: the ones dbwarden manages and (metadata only) all others. */
  secrets: Watched<KubernetesObject>[];
  networkPolicies: Watched<V1NetworkPolicy>;
}

/** The key of the connection a policy uses. */
export const connectionOf = (p: AccessPolicy): string => keyOf(p.metadata?.namespace, p.spec.connectionRef.name);

/** What of a policy the connection's posture reads: its spec, its conditions, its last rotation. */
export const postureInputs = (p: AccessPolicy): string =>
  JSON.stringify([p.metadata?.generation, p.status?.conditions?.map((c) => [c.type, c.status, c.message]), p.status?.lastRotationTime]);

/**
 * What starts a DatabaseConnection's pass: a change to it, to a Secret it names (admin, CA), to its ingress
 * NetworkPolicy by anyone else, and to what its posture reads of its policies.
 */
export function watchConnections(queue: Queue, sources: ConnectionWatchSources, own: { ownNetworkPolicyWrites: OwnWrites<V1NetworkPolicy> }): void {
  const { connections, policies, secrets, networkPolicies } = sources;
  connections.onAdd((c) => queue.add(keyOf(c)));
  connections.onUpdate((old, c) => specChanged(old, c) && queue.add(keyOf(c)));
  connections.onDelete((c) => queue.add(keyOf(c)));

  // A connection's pass (its ingress NetworkPolicy, its posture) follows its policies; while many of them
  // change at once (hundreds provisioned together), one pass a second covers them all.
  const follow = (p: AccessPolicy): void => queue.addAfter(connectionOf(p), policyBurstMs);
  policies.onAdd(follow);
  policies.onUpdate((old, p) => postureInputs(old) !== postureInputs(p) && follow(p));
  policies.onDelete(follow);

  watchManagedNetworkPolicies(networkPolicies, own.ownNetworkPolicyWrites, 'connection', (key) => queue.add(key));

  // A connection naming one of the operator's own Secrets is odd, but followed all the same.
  const secretChanged = (s: KubernetesObject): void => {
    for (const c of connections.list()) {
      if (c.metadata?.namespace === s.metadata?.namespace && referencedSecrets(c).includes(s.metadata?.name ?? '')) queue.add(keyOf(c));
    }
  };
  for (const cache of secrets) {
    cache.onAdd(secretChanged);
    cache.onUpdate((_old, s) => secretChanged(s));
    cache.onDelete(secretChanged);
  }
}
