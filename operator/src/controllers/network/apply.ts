import type { V1NetworkPolicy, V1NetworkPolicyIngressRule } from '@kubernetes/client-node';
import { isAlreadyExists } from '../../kube/errors.js';
import type { KubeClient } from '../../kube/client.js';
import { sameJson } from '../../util/deep-equal.js';

/** Looks a NetworkPolicy up in the operator's cache: the API server's JSON as watched. */
export type CachedNetworkPolicy = (namespace: string, name: string) => V1NetworkPolicy | undefined;

/**
 * A watched NetworkPolicy in the shape client-node's typed objects have (and `desired` has): an ingress rule's
 * `from` is `_from` there, a reserved word in the generated model.
 */
export function typed(wire: V1NetworkPolicy | undefined): V1NetworkPolicy | undefined {
  const ingress = wire?.spec?.ingress;
  if (!wire || !ingress) return wire;
  const rules = ingress.map((rule) => {
    const { from, ...rest } = rule as V1NetworkPolicyIngressRule & { from?: V1NetworkPolicyIngressRule['_from'] };
    return from === undefined ? rule : { ...rest, _from: from };
  });
  return { ...wire, spec: { ...wire.spec, ingress: rules } };
}

/**
 * Makes the named NetworkPolicy what `desired` says: created, replaced when its spec, labels or owner
 * differ, deleted when undefined (only if dbwarden manages it). Returns whether it wrote anything.
 * With `cached` (the operator's cache of the NetworkPolicies it manages) it reads nothing from the API server
 * unless a create finds one the cache does not have (not yet, or not labelled as dbwarden's).
 */
export async function applyNetworkPolicy(kube: KubeClient, namespace: string, name: string, desired: V1NetworkPolicy | undefined,
  cached?: CachedNetworkPolicy): Promise<boolean> {
  let current = cached ? typed(cached(namespace, name)) : await kube.getNetworkPolicy(namespace, name);
  if (!desired) {
    if (!current || current.metadata?.labels?.['app.kubernetes.io/managed-by'] !== 'dbwarden') return false;
    await kube.deleteNetworkPolicy(namespace, name);
    return true;
  }
  if (!current) {
    try {
      await kube.createNetworkPolicy(namespace, desired);
      return true;
    } catch (err) {
      if (!cached || !isAlreadyExists(err)) throw err;
      current = await kube.getNetworkPolicy(namespace, name);
      if (!current) throw err;
    }
  }
  const same = sameJson(current.spec, desired.spec) && sameJson(current.metadata?.labels, desired.metadata?.labels) &&
    sameJson(current.metadata?.ownerReferences, desired.metadata?.ownerReferences);
  if (same) return false;
  await kube.replaceNetworkPolicy(namespace, { ...desired, metadata: { ...desired.metadata, resourceVersion: current.metadata?.resourceVersion } });
  return true;
}
