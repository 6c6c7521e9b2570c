import type { AccessPolicy, DatabaseConnection } from '@dbwarden/api';
import type { AccessReviewer } from '../auth/access.js';
import type { Identity } from '../auth/identity.js';
import type { KubeCatalog } from '../kube/catalog.js';
import { connectionSummary, policySummary, type ConnectionSummary, type PolicySummary } from './summary.js';

const keyOf = (o: { metadata?: { namespace?: string; name?: string } }): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/**
 * The console-enabled policies the caller may query. One SubjectAccessReview for the whole cluster, then
 * one per namespace, then one per policy only where the broader ones said no.
 */
export async function queryablePolicies(catalog: KubeCatalog, reviewer: AccessReviewer, who: Identity): Promise<AccessPolicy[]> {
  const enabled = (await catalog.listPolicies()).filter((p) => p.spec.console?.enabled === true)
    .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  if (enabled.length === 0 || await reviewer.canQuery(who)) return enabled;
  const namespaces = [...new Set(enabled.map((p) => p.metadata?.namespace ?? ''))];
  const wholeNamespace = new Map(await Promise.all(namespaces.map(async (ns) => [ns, await reviewer.canQuery(who, ns)] as const)));
  const allowed = await Promise.all(enabled.map(async (p) => {
    const ns = p.metadata?.namespace ?? '';
    return wholeNamespace.get(ns) === true || await reviewer.canQuery(who, ns, p.metadata?.name);
  }));
  return enabled.filter((_, i) => allowed[i]);
}

export async function listPolicies(catalog: KubeCatalog, reviewer: AccessReviewer, who: Identity): Promise<PolicySummary[]> {
  const [policies, connections] = await Promise.all([queryablePolicies(catalog, reviewer, who), catalog.listConnections()]);
  const byKey = new Map(connections.map((c) => [keyOf(c), c]));
  return policies.map((p) => policySummary(p, byKey.get(`${p.metadata?.namespace ?? ''}/${p.spec.connectionRef.name}`)));
}

/** The connections behind the policies the caller may query. */
export async function listConnections(catalog: KubeCatalog, reviewer: AccessReviewer, who: Identity): Promise<ConnectionSummary[]> {
  const [policies, connections] = await Promise.all([queryablePolicies(catalog, reviewer, who), catalog.listConnections()]);
  const wanted = new Set(policies.map((p) => `${p.metadata?.namespace ?? ''}/${p.spec.connectionRef.name}`));
  return connections.filter((c: DatabaseConnection) => wanted.has(keyOf(c))).map(connectionSummary).sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}
