import type { V1NetworkPolicy } from '@kubernetes/client-node';
import type { KubeClient } from '../../kube/client.js';
import { sameJson } from '../../util/deep-equal.js';

/**
 * Makes the named NetworkPolicy what `desired` says: created, replaced when its spec, labels or owner
 * differ, deleted when undefined (only if dbwarden manages it). Returns whether it wrote anything.
 */
export async function applyNetworkPolicy(kube: KubeClient, namespace: string, name: string, desired: V1NetworkPolicy | undefined): Promise<boolean> {
  const current = await kube.getNetworkPolicy(namespace, name);
  if (!desired) {
    if (!current || current.metadata?.labels?.['app.kubernetes.io/managed-by'] !== 'dbwarden') return false;
    await kube.deleteNetworkPolicy(namespace, name);
    return true;
  }
  if (!current) {
    await kube.createNetworkPolicy(namespace, desired);
    return true;
  }
  const same = sameJson(current.spec, desired.spec) && sameJson(current.metadata?.labels, desired.metadata?.labels) &&
    sameJson(current.metadata?.ownerReferences, desired.metadata?.ownerReferences);
  if (same) return false;
  await kube.replaceNetworkPolicy(namespace, { ...desired, metadata: { ...desired.metadata, resourceVersion: current.metadata?.resourceVersion } });
  return true;
}
