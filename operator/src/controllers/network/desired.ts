import type { V1NetworkPolicy, V1NetworkPolicyPeer, V1NetworkPolicyPort, V1OwnerReference } from '@kubernetes/client-node';
import { apiVersion, defaultPorts, managedByLabel, type AccessPolicy, type DatabaseConnection, type LabelSelector } from '@dbwarden/api';

/** Where the operator's and the console's own pods run; both must reach the databases. */
export interface ComponentNamespaces {
  operator: string;
  console: string;
}

/** The label naming the owner of a NetworkPolicy dbwarden writes: an AccessPolicy's egress, a DatabaseConnection's ingress. */
export const ownerLabels = { policy: 'dbwarden.io/policy', connection: 'dbwarden.io/connection' } as const;
export const operatorPodLabels = { 'app.kubernetes.io/name': 'dbwarden-operator' };
export const consolePodLabels = { 'app.kubernetes.io/name': 'dbwarden-console' };

const namespaceSelector = (name: string): LabelSelector => ({ matchLabels: { 'kubernetes.io/metadata.name': name } });

function owner(kind: string, obj: { metadata?: { name?: string; uid?: string } }): V1OwnerReference {
  return { apiVersion, kind, name: obj.metadata?.name ?? '', uid: obj.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** The database's TCP ports: the primary's, and the replica's when it differs. */
function databasePorts(connection: DatabaseConnection): V1NetworkPolicyPort[] {
  const primary = connection.spec.port ?? defaultPorts[connection.spec.engine];
  const ports = new Set([primary, connection.spec.readReplica?.port ?? primary]);
  return [...ports].map((port) => ({ protocol: 'TCP', port }));
}

/** The database as a NetworkPolicy peer: its CIDRs, or its pods in the connection's namespace. */
function databasePeers(connection: DatabaseConnection): V1NetworkPolicyPeer[] {
  const { network } = connection.spec;
  return [
    ...(network?.cidrs ?? []).map((cidr) => ({ ipBlock: { cidr } })),
    ...(network?.podSelector ? [{ podSelector: network.podSelector }] : []),
  ];
}

/** DNS over UDP and TCP. */
export const dnsPorts: V1NetworkPolicyPort[] = [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }];

export const egressPolicyName = (policy: AccessPolicy): string => `dbwarden-${policy.metadata?.name}`.slice(0, 253);
export const ingressPolicyName = (connection: DatabaseConnection): string => `dbwarden-${connection.metadata?.name}-ingress`.slice(0, 253);

/**
 * The pods a policy lists as clients may reach the database (its port, and DNS on port 53 anywhere). Like every
 * egress NetworkPolicy it also shuts those pods' other egress unless another NetworkPolicy allows it.
 * Undefined when the policy has no clients or the connection does not say where the database is.
 */
export function egressPolicy(policy: AccessPolicy, connection: DatabaseConnection): V1NetworkPolicy | undefined {
  const clients = policy.spec.clients;
  const peers = databasePeers(connection);
  if (!clients || peers.length === 0) return undefined;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: egressPolicyName(policy),
      namespace: policy.metadata?.namespace,
      labels: { ...managedByLabel, [ownerLabels.policy]: policy.metadata?.name ?? '' },
      ownerReferences: [owner('AccessPolicy', policy)],
    },
    spec: {
      podSelector: clients.podSelector,
      policyTypes: ['Egress'],
      egress: [
        { to: peers, ports: databasePorts(connection) },
        // DNS to wherever the resolver is: CoreDNS pods (labels vary by distribution), NodeLocal DNSCache on
        // the node's link-local address, or a resolver outside the cluster. Port 53 only, to any destination.
        { ports: dnsPorts },
      ],
    },
  };
}

/**
 * For a database running in the cluster (network.podSelector): its pods admit only the clients of the
 * connection's policies, the operator, and the console when some policy lets it query.
 */
export function ingressPolicy(connection: DatabaseConnection, policies: AccessPolicy[], namespaces: ComponentNamespaces): V1NetworkPolicy | undefined {
  const dbPods = connection.spec.network?.podSelector;
  if (!dbPods) return undefined;
  const from: V1NetworkPolicyPeer[] = [{ namespaceSelector: namespaceSelector(namespaces.operator), podSelector: { matchLabels: operatorPodLabels } }];
  if (policies.some((p) => p.spec.console?.enabled)) {
    from.push({ namespaceSelector: namespaceSelector(namespaces.console), podSelector: { matchLabels: consolePodLabels } });
  }
  const sorted = [...policies].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const p of sorted) {
    const c = p.spec.clients;
    if (c) from.push({ podSelector: c.podSelector, ...(c.namespaceSelector ? { namespaceSelector: c.namespaceSelector } : {}) });
  }
  const unique = [...new Map(from.map((peer) => [JSON.stringify(peer), peer])).values()];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: ingressPolicyName(connection),
      namespace: connection.metadata?.namespace,
      labels: { ...managedByLabel, [ownerLabels.connection]: connection.metadata?.name ?? '' },
      ownerReferences: [owner('DatabaseConnection', connection)],
    },
    // client-node's model names the `from` field `_from`.
    spec: { podSelector: dbPods, policyTypes: ['Ingress'], ingress: [{ _from: unique, ports: databasePorts(connection) }] },
  };
}
