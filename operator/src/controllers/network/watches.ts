import type { V1NetworkPolicy } from '@kubernetes/client-node';
import type { OwnWrites } from '../../kube/own-writes.js';
import { keyOf } from '../../runtime/object-key.js';
import type { Watched } from '../watch.js';
import { typed } from './apply.js';
import { ownerLabels } from './desired.js';

/** The key of the owner a managed NetworkPolicy names with `label` (an AccessPolicy or a DatabaseConnection). */
export function networkPolicyOwner(np: V1NetworkPolicy, owner: keyof typeof ownerLabels): string | undefined {
  const name = np.metadata?.labels?.[ownerLabels[owner]];
  return name ? keyOf(np.metadata?.namespace, name) : undefined;
}

/**
 * A managed NetworkPolicy someone else changed or deleted is put back by its owner's pass at once, not at the
 * next resync; the echo of the operator's own write starts nothing.
 */
export function watchManagedNetworkPolicies(networkPolicies: Watched<V1NetworkPolicy>, own: OwnWrites<V1NetworkPolicy>,
  owner: keyof typeof ownerLabels, add: (key: string) => void): void {
  const changed = (np: V1NetworkPolicy): void => {
    const key = networkPolicyOwner(np, owner);
    if (key) add(key);
  };
  networkPolicies.onUpdate((_old, np) => !own.isOwn(typed(np) ?? np) && changed(np));
  networkPolicies.onDelete((np) => {
    own.forget(np);
    changed(np);
  });
}
