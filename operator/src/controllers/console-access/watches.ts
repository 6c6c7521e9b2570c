import type { KubernetesObject, V1Role, V1RoleBinding, V1Secret } from '@kubernetes/client-node';
import type { AccessPolicy } from '@dbwarden/api';
import { policyLabel } from '../policy/credentials.js';
import { secretNameFor } from '../policy/desired.js';
import type { Queue, Watched } from '../watch.js';
import { consoleEnabled } from './desired.js';

export interface ConsoleAccessWatchSources {
  policies: Watched<AccessPolicy>;
  /** The credentials Secrets dbwarden manages. */
  secrets: Watched<V1Secret>;
  roles: Watched<V1Role>;
  bindings: Watched<V1RoleBinding>;
}

/** What of a policy the console's access reads: console enabled, the Secret it names and has, its identity. */
export const consoleInputs = (p: AccessPolicy): string => JSON.stringify([consoleEnabled(p), secretNameFor(p), p.status?.secretName, p.metadata?.uid]);

/** What of a Secret the console's access reads: whose it is. */
export const secretOwnership = (s: V1Secret): string => JSON.stringify([s.metadata?.ownerReferences, s.metadata?.labels?.[policyLabel]]);

/**
 * The console's access in a namespace (the key is the namespace) follows its policies (console toggled, Secret
 * named), the Secrets the operator writes for them, and its own Roles and RoleBindings: a change by anyone
 * else is put back at once.
 */
export function watchConsoleAccess(queue: Queue, sources: ConsoleAccessWatchSources): void {
  const namespaceOf = (o: KubernetesObject): void => queue.add(o.metadata?.namespace ?? '');
  const { policies, secrets, roles, bindings } = sources;
  policies.onAdd(namespaceOf);
  policies.onUpdate((old, p) => consoleInputs(old) !== consoleInputs(p) && namespaceOf(p));
  policies.onDelete(namespaceOf);
  secrets.onAdd(namespaceOf);
  secrets.onUpdate((old, s) => secretOwnership(old) !== secretOwnership(s) && namespaceOf(s));
  secrets.onDelete(namespaceOf);
  const follow = <T extends KubernetesObject>(cache: Watched<T>): void => {
    cache.onAdd(namespaceOf);
    cache.onUpdate((_old, o) => namespaceOf(o));
    cache.onDelete(namespaceOf);
  };
  follow(roles);
  follow(bindings);
}
