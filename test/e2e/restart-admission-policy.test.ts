/**
 * RBAC cannot narrow the operator's `patch` on Deployments and StatefulSets (rotation.restartTargets): it may
 * change any field of any of them it may patch. docs/rbac/restart-annotation-only.yaml is the example
 * ValidatingAdmissionPolicy that docs/rbac.md offers to close that gap. This suite applies it as shipped (for a
 * ServiceAccount of its own, bound to config/rbac's ClusterRole in one namespace, so no other suite's operator
 * is affected), runs the real operator as that ServiceAccount through a rotation that restarts a Deployment and
 * a StatefulSet, and shows that the same identity can change nothing else in them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions } from '@kubernetes/client-node';
import type { AccessPolicy } from '@dbwarden/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KubeClient } from '../../operator/src/kube/client.js';
import { applyCrds } from '../support/crds.js';
import { apply, kubectl, parseManifests, serviceAccountKubeconfig } from '../support/helm.js';
import { eventually, kubeConfig, uniqueName } from '../support/kube.js';
import { startOperator, type RunningOperator } from '../support/operator.js';
import { operatorKubeconfig } from '../support/operator-identity.js';
import { Resources } from '../support/resources.js';
import { createPostgresShop, type ShopDatabase } from '../support/shop-db.js';

const root = join(import.meta.dirname, '..', '..');
const ns = uniqueName('restart-vap');
const policyName = uniqueName('dbwarden-restart-only');
const shipped = 'system:serviceaccount:dbwarden-system:dbwarden-operator';
const identity = `system:serviceaccount:${ns}:operator`;
const annotation = 'dbwarden.io/credentials-rotated-at';

let kc: KubeConfig;
let r: Resources;
let db: ShopDatabase;
let operator: RunningOperator | undefined;
/** The operator's own identity here: this suite's ServiceAccount. */
let operatorKc: KubeConfig;
let asOperator: AppsV1Api;

/** The example as shipped, with this suite's ServiceAccount and names. */
function examplePolicy(): string {
  const text = readFileSync(join(root, 'docs', 'rbac', 'restart-annotation-only.yaml'), 'utf8');
  expect(text).toContain(`'${shipped}'`);
  const docs = parseManifests(text.replace(shipped, identity));
  for (const doc of docs) {
    doc.metadata.name = policyName;
    if (doc.kind === 'ValidatingAdmissionPolicyBinding') (doc as unknown as { spec: { policyName: string } }).spec.policyName = policyName;
  }
  return docs.map((d) => stringify(d)).join('---\n');
}

const workload = (name: string) => ({
  metadata: { name },
  spec: {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
  },
});

/** The status a request of the operator's identity gets: 200, or what it was refused with. */
async function attempt(request: Promise<unknown>): Promise<number> {
  try {
    await request;
    return 200;
  } catch (err) {
    return (err as { code?: number }).code ?? 0;
  }
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

beforeAll(async () => {
  kc = kubeConfig();
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  await applyCrds(kc);
  await operatorKubeconfig(); // applies config/rbac: its ClusterRole dbwarden-operator
  await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'operator' } } });
  await kc.makeApiClient(RbacAuthorizationV1Api).createNamespacedRoleBinding({
    namespace: ns,
    body: {
      metadata: { name: 'operator' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'dbwarden-operator' },
      subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace: ns }],
    },
  });
  const apps = kc.makeApiClient(AppsV1Api);
  await apps.createNamespacedDeployment({ namespace: ns, body: workload('web') });
  await apps.createNamespacedStatefulSet({ namespace: ns, body: { ...workload('store'), spec: { ...workload('store').spec, serviceName: 'store' } } });
  await apply(examplePolicy());

  const kubeconfig = await serviceAccountKubeconfig(ns, 'operator', `${ns}.kubeconfig`);
  operatorKc = new KubeConfig();
  operatorKc.loadFromFile(kubeconfig);
  asOperator = operatorKc.makeApiClient(AppsV1Api);
  // The policy is in force once a change it forbids is refused (it is compiled a moment after it is created).
  // (A new value each time: a patch that changes nothing is allowed.)
  await eventually('the admission policy to refuse a new label', async () => (await attempt(asOperator.patchNamespacedDeployment(
    { namespace: ns, name: 'web', body: { metadata: { labels: { probe: String(Date.now()) } } } }, merge))) === 422, 30_000);

  r = new Resources(kc, ns);
  db = await createPostgresShop();
  await r.secret('admin', { username: db.admin.username, password: db.admin.password });
  await r.secret('db-ca', { 'ca.crt': db.ca });
  operator = await startOperator([ns], [], { KUBECONFIG: kubeconfig });
}, 180_000);

afterAll(async () => {
  await operator?.stop();
  await db?.close();
  await kubectl(['delete', 'validatingadmissionpolicybinding,validatingadmissionpolicy', policyName, '--ignore-not-found']).catch(() => undefined);
  await kc?.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
});

describe('the example admission policy for restartTargets', () => {
  it('lets the operator restart its targets after a rotation, as it does with RBAC alone', async () => {
    await r.connection('shop', {
      engine: 'postgres', host: db.host, port: db.port, database: db.database,
      adminSecretRef: { name: 'admin' }, tls: { mode: 'verify-full', caSecretRef: { name: 'db-ca' } },
    });
    await r.policy('app', {
      connectionRef: { name: 'shop' }, tables: [{ name: 'products' }],
      rotation: { gracePeriod: '3s', restartTargets: [{ kind: 'Deployment', name: 'web' }, { kind: 'StatefulSet', name: 'store' }] },
    });
    await r.waitReady<AccessPolicy>('accesspolicies', 'app', 'True', undefined, 60_000);
    const first = (await r.readSecret('app-credentials'))!;
    await r.patch('accesspolicies', 'app', { metadata: { annotations: { 'dbwarden.io/rotate': 'now' } } });
    // The rotation is seen in the Secret: the other login of the pair is active (lastRotationTime has second
    // precision, so a rotation within the second of the first one would leave it as it was).
    const rotatedAt = await eventually('the rotation', async () => {
      const p = await r.get<AccessPolicy>('accesspolicies', 'app');
      const s = await r.readSecret('app-credentials');
      return s && s.username !== first.username && p?.status?.activeUsername === s.username && p?.status?.lastRotationTime;
    });
    const apps = kc.makeApiClient(AppsV1Api);
    await eventually('both targets restarted', async () =>
      (await apps.readNamespacedDeployment({ namespace: ns, name: 'web' })).spec?.template.metadata?.annotations?.[annotation] === rotatedAt &&
      (await apps.readNamespacedStatefulSet({ namespace: ns, name: 'store' })).spec?.template.metadata?.annotations?.[annotation] === rotatedAt);
    expect(await operator!.stop()).toBe(0);
    operator = undefined;
  });

  it('refuses the same identity any other change to a Deployment or StatefulSet', async () => {
    const kube = {
      deployment: (body: object) => asOperator.patchNamespacedDeployment({ namespace: ns, name: 'web', body }, merge),
      statefulSet: (body: object) => asOperator.patchNamespacedStatefulSet({ namespace: ns, name: 'store', body }, merge),
    };
    const template = (t: object) => ({ spec: { template: t } });
    for (const [what, body] of Object.entries({
      image: template({ spec: { containers: [{ name: 'c', image: 'evil' }] } }),
      serviceAccount: template({ spec: { serviceAccountName: 'default' } }),
      'another annotation': template({ metadata: { annotations: { other: 'x' } } }),
      'a template label': template({ metadata: { labels: { extra: 'x' } } }),
      replicas: { spec: { replicas: 3 } },
      'a label': { metadata: { labels: { extra: 'x' } } },
    })) {
      expect(await attempt(kube.deployment(body)), `Deployment: ${what}`).toBe(422);
      expect(await attempt(kube.statefulSet(body)), `StatefulSet: ${what}`).toBe(422);
    }
    expect(await attempt(kube.deployment({ spec: { paused: true } })), 'Deployment: paused').toBe(422);
    // What the operator itself sends (KubeClient.annotatePodTemplate) still passes.
    const client = new KubeClient(operatorKc);
    await client.annotatePodTemplate('Deployment', ns, 'web', annotation, 'again');
    await client.annotatePodTemplate('StatefulSet', ns, 'store', annotation, 'again');
    // Anyone else is not concerned by it.
    expect(await attempt(kc.makeApiClient(AppsV1Api).patchNamespacedDeployment({ namespace: ns, name: 'web', body: { spec: { replicas: 2 } } }, merge))).toBe(200);
  });
});
