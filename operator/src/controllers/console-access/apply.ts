import type { V1Role, V1RoleBinding } from '@kubernetes/client-node';
import type { KubeClient } from '../../kube/client.js';
import { isAlreadyExists, statusOf } from '../../kube/errors.js';
import { sameJson } from '../../util/deep-equal.js';
import { grantsByNameOnly } from './desired.js';

/** What this controller reads of its own objects: the operator's cache of them (selected by their labels). */
export interface CachedAccess {
  roles(namespace: string): V1Role[];
  bindings(namespace: string): V1RoleBinding[];
}

const sameMetadata = (a: V1Role | V1RoleBinding, b: V1Role | V1RoleBinding): boolean =>
  sameJson(a.metadata?.labels, b.metadata?.labels) && sameJson(a.metadata?.ownerReferences ?? [], b.metadata?.ownerReferences ?? []);

export const sameRole = (current: V1Role, desired: V1Role): boolean =>
  sameMetadata(current, desired) && sameJson(current.rules ?? [], desired.rules ?? []);

export const sameBinding = (current: V1RoleBinding, desired: V1RoleBinding): boolean =>
  sameMetadata(current, desired) && sameJson(current.roleRef, desired.roleRef) && sameJson(current.subjects ?? [], desired.subjects ?? []);

/**
 * Makes the namespace's Role what `desired` says (undefined: none of this controller's Roles), writing only the
 * difference: a create, a replace, or deletes of the ones it manages that are not wanted. Returns the writes made.
 */
export async function applyRole(kube: KubeClient, namespace: string, desired: V1Role | undefined, cached: V1Role[]): Promise<number> {
  if (desired && !grantsByNameOnly(desired)) throw new Error(`refusing to write Role ${namespace}/${desired.metadata?.name}: a rule without resourceNames grants every object`);
  let writes = 0;
  for (const stale of cached.filter((r) => r.metadata?.name !== desired?.metadata?.name)) {
    await kube.deleteRole(namespace, stale.metadata!.name!);
    writes++;
  }
  if (!desired) return writes;
  const current = cached.find((r) => r.metadata?.name === desired.metadata?.name);
  if (current && sameRole(current, desired)) return writes;
  if (current) {
    await kube.replaceRole(namespace, { ...desired, metadata: { ...desired.metadata, resourceVersion: current.metadata?.resourceVersion } });
    return writes + 1;
  }
  try {
    await kube.createRole(namespace, desired);
  } catch (err) {
    // One of this name the cache does not hold (not labelled as dbwarden's): taken over, whatever it held.
    if (!isAlreadyExists(err)) throw err;
    await kube.replaceRole(namespace, desired);
  }
  return writes + 1;
}

/** The same for the RoleBinding; one whose roleRef differs (immutable) is deleted and made again. */
export async function applyBinding(kube: KubeClient, namespace: string, desired: V1RoleBinding | undefined, cached: V1RoleBinding[]): Promise<number> {
  let writes = 0;
  for (const stale of cached.filter((b) => b.metadata?.name !== desired?.metadata?.name)) {
    await kube.deleteRoleBinding(namespace, stale.metadata!.name!);
    writes++;
  }
  if (!desired) return writes;
  const name = desired.metadata!.name!;
  const current = cached.find((b) => b.metadata?.name === name);
  if (current && sameBinding(current, desired)) return writes;
  if (current && !sameJson(current.roleRef, desired.roleRef)) {
    await kube.deleteRoleBinding(namespace, name);
    await kube.createRoleBinding(namespace, desired);
    return writes + 2;
  }
  if (current) {
    await kube.replaceRoleBinding(namespace, { ...desired, metadata: { ...desired.metadata, resourceVersion: current.metadata?.resourceVersion } });
    return writes + 1;
  }
  try {
    await kube.createRoleBinding(namespace, desired);
    return writes + 1;
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  try {
    await kube.replaceRoleBinding(namespace, desired);
    return writes + 1;
  } catch (err) {
    // 422: the one found binds another Role (roleRef cannot change).
    if (statusOf(err) !== 422) throw err;
    await kube.deleteRoleBinding(namespace, name);
    await kube.createRoleBinding(namespace, desired);
    return writes + 2;
  }
}
