/**
 * The identity the operator (and the baseline) run as: a ServiceAccount of the run's own, bound to the
 * operator's ClusterRole from config/rbac (the suite's shared ServiceAccount would mix in the writes of
 * operators other test runs start on the same API server), and
 * two FlowSchemas on the API server's `exempt` priority level. One matches only its writes (create, update,
 * patch, delete), so `apiserver_flowcontrol_dispatched_requests_total{flow_schema=<writes>}` counts exactly the
 * writes this identity made, whatever else uses the shared API server; the other keeps its reads unthrottled,
 * like the admin's, so the operator and the baseline meet the same API server.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reuseConnections } from '@dbwarden/api/client';
import { CoreV1Api, FlowcontrolApiserverV1Api, KubeConfig, RbacAuthorizationV1Api, type V1FlowSchema } from '@kubernetes/client-node';
import { eventually } from '../test/support/kube.js';
import { operatorKubeconfig } from '../test/support/operator-identity.js';
import { benchLabel, benchMetadata, benchPrefix } from './support.js';

/** The operator's ClusterRole, from config/rbac. */
const operatorClusterRole = 'dbwarden-operator';

export interface OperatorIdentity {
  /** A kubeconfig file authenticating as the ServiceAccount. */
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  /** The FlowSchema whose dispatched-requests counter counts this identity's writes. */
  writesFlowSchema: string;
  /** The FlowSchema that counts its other requests (reads, watches). */
  readsFlowSchema: string;
  /** Namespace of the ServiceAccount. */
  namespace: string;
  /** Deletes the kubeconfig file (its token dies with the ServiceAccount anyway). */
  removeFiles(): void;
}

const writeVerbs = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/** Names of the cluster-scoped objects of one run. */
export const identityNames = (id: string) => ({
  namespace: `${benchPrefix}-${id}-system`,
  serviceAccount: 'dbwarden-operator',
  clusterRoleBinding: `${benchPrefix}-${id}-operator`,
  writes: `${benchPrefix}-${id}-operator-writes`,
  reads: `${benchPrefix}-${id}-operator-reads`,
});

function flowSchema(name: string, precedence: number, namespace: string, serviceAccount: string, verbs: string[], id: string): V1FlowSchema {
  return {
    metadata: { name, labels: { [benchLabel]: id } },
    spec: {
      priorityLevelConfiguration: { name: 'exempt' },
      matchingPrecedence: precedence,
      rules: [{
        subjects: [{ kind: 'ServiceAccount', serviceAccount: { namespace, name: serviceAccount } }],
        resourceRules: [{ verbs, apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }],
        ...(verbs.includes('*') ? { nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }] } : {}),
      }],
    },
  };
}

export async function createOperatorIdentity(admin: KubeConfig, id: string): Promise<OperatorIdentity> {
  const names = identityNames(id);
  // Applies config/rbac (the operator's ClusterRole), as every e2e test does before it runs the operator.
  await operatorKubeconfig();
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  const flow = admin.makeApiClient(FlowcontrolApiserverV1Api);
  const labels = { [benchLabel]: id };

  await core.createNamespace({ body: { metadata: { name: names.namespace, ...benchMetadata(id) } } });
  await core.createNamespacedServiceAccount({ namespace: names.namespace, body: { metadata: { name: names.serviceAccount, labels } } });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: names.clusterRoleBinding, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: operatorClusterRole },
      subjects: [{ kind: 'ServiceAccount', name: names.serviceAccount, namespace: names.namespace }],
    },
  });
  await flow.createFlowSchema({ body: flowSchema(names.writes, 50, names.namespace, names.serviceAccount, writeVerbs, id) });
  await flow.createFlowSchema({ body: flowSchema(names.reads, 51, names.namespace, names.serviceAccount, ['*'], id) });
  for (const name of [names.writes, names.reads]) {
    await eventually(`FlowSchema ${name} to be in effect`, async () => {
      const fs = await flow.readFlowSchema({ name });
      return fs.status?.conditions?.some((c) => c.type === 'Dangling' && c.status === 'False');
    }, 30_000);
  }

  const token = await core.createNamespacedServiceAccountToken({
    name: names.serviceAccount, namespace: names.namespace,
    body: { spec: { audiences: [], expirationSeconds: 6 * 3600 } },
  });
  const cluster = admin.getCurrentCluster();
  if (!cluster || !token.status?.token) throw new Error('could not get a ServiceAccount token for the operator');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: names.serviceAccount, token: token.status.token }],
    contexts: [{ name: 'bench', cluster: cluster.name, user: names.serviceAccount }],
    currentContext: 'bench',
  });
  const dir = mkdtempSync(join(tmpdir(), `${benchPrefix}-${id}-`));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kc.exportConfig(), { mode: 0o600 });
  chmodSync(dir, 0o700);
  return {
    // The baseline's writes go through this client, set up as the operator's main.ts sets up its own.
    kubeconfigPath, kubeConfig: reuseConnections(kc), writesFlowSchema: names.writes, readsFlowSchema: names.reads, namespace: names.namespace,
    removeFiles: () => rmSync(dir, { recursive: true, force: true }),
  };
}
