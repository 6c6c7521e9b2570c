import type { V1OwnerReference, V1Role, V1RoleBinding, V1Secret } from '@kubernetes/client-node';
import { accessPolicies, apiVersion, managedByLabel, type AccessPolicy } from '@dbwarden/api';
import { ownedBy } from '../policy/credentials.js';
import { secretNameFor } from '../policy/desired.js';

/** The console's identity: the ServiceAccount its pods run as. */
export interface ConsoleIdentity {
  namespace: string;
  serviceAccount: string;
}

/** The Role and RoleBinding in each namespace (one name for both). */
export const consoleAccessName = 'dbwarden-console-credentials';
/** Labels of both: dbwarden manages them, and this controller among dbwarden's (its caches select on them). */
export const consoleAccessLabels = { ...managedByLabel, 'app.kubernetes.io/component': 'console-access' } as const;
export const consoleAccessSelector = Object.entries(consoleAccessLabels).map(([k, v]) => `${k}=${v}`).join(',');

/** Looks a Secret the operator manages up in its cache. */
export type CachedSecret = (namespace: string, name: string) => V1Secret | undefined;

/** Whether a policy lets the console query through it (and is not on its way out). */
export const consoleEnabled = (p: AccessPolicy): boolean => p.spec.console?.enabled === true && !p.metadata?.deletionTimestamp;

/**
 * The credentials Secrets the console may read in a namespace: of each console-enabled policy, the Secret it
 * names (spec.secretName or <policy>-credentials) and the one its status still names, each only once it
 * exists and that policy owns it. A policy naming someone else's Secret (an admin Secret, say) grants nothing,
 * and a name is never granted before the operator wrote that Secret.
 */
export function consoleSecrets(policies: AccessPolicy[], secret: CachedSecret): { names: string[]; owners: AccessPolicy[] } {
  const names = new Set<string>();
  const owners: AccessPolicy[] = [];
  for (const policy of policies.filter(consoleEnabled)) {
    const namespace = policy.metadata?.namespace ?? '';
    const candidates = new Set([secretNameFor(policy), ...(policy.status?.secretName ? [policy.status.secretName] : [])]);
    const owned = [...candidates].filter((name) => {
      const found = secret(namespace, name);
      return found !== undefined && ownedBy(found, policy);
    });
    for (const name of owned) names.add(name);
    if (owned.length) owners.push(policy);
  }
  return { names: [...names].sort(), owners: owners.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '')) };
}

/** Each granting policy owns the objects (not as controller): when the last is deleted, garbage collection removes them too. */
function ownerReferences(owners: AccessPolicy[]): V1OwnerReference[] {
  return owners.map((p) => ({ apiVersion, kind: accessPolicies.kind, name: p.metadata?.name ?? '', uid: p.metadata?.uid ?? '' }));
}

export interface ConsoleAccess {
  role: V1Role;
  binding: V1RoleBinding;
}

/**
 * What the console may read in one namespace: a Role with `get` on exactly those Secrets (by resourceNames)
 * and its binding to the console's ServiceAccount; undefined when there is nothing to grant. Never a Role
 * with an empty resourceNames list, which would grant every Secret of the namespace.
 */
export function desiredConsoleAccess(namespace: string, policies: AccessPolicy[], secret: CachedSecret, identity: ConsoleIdentity): ConsoleAccess | undefined {
  const { names, owners } = consoleSecrets(policies.filter((p) => p.metadata?.namespace === namespace), secret);
  if (names.length === 0) return undefined;
  const metadata = { name: consoleAccessName, namespace, labels: { ...consoleAccessLabels }, ownerReferences: ownerReferences(owners) };
  return {
    role: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata,
      rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: names, verbs: ['get'] }],
    },
    binding: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: consoleAccessName },
      subjects: [{ kind: 'ServiceAccount', name: identity.serviceAccount, namespace: identity.namespace }],
    },
  };
}

/** A Role that grants by name only: every rule names its resources. The last check before any Role is written. */
export function grantsByNameOnly(role: V1Role): boolean {
  return (role.rules ?? []).length > 0 && (role.rules ?? []).every((r) => (r.resourceNames ?? []).length > 0);
}
