/**
 * The local node (`npm run env:up -- --node`) is a real cluster: a pod from an image imported into its
 * containerd runs to completion, a Deployment rolls out, a Service answers another pod, a NetworkPolicy
 * stops one pod at the network while another gets through, pods reach the API server in-cluster and the
 * host's databases; stopping the node leaves nothing behind. It starts the node itself (the first time it
 * builds it: tens of minutes on 2 cores) and fails when the node cannot start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, DiscoveryV1Api, NetworkingV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downNode, health, up } from '../../hack/env/environment.js';
import { loadState } from '../../hack/env/state.js';
import { envVars } from '../../hack/env/envfile.js';
import { ensureNodeBinaries } from '../../hack/env/node/binaries.js';
import { writeImageArchive } from '../../hack/env/node/images.js';
import { importImage } from '../../hack/env/node/import.js';
import type { EnvState, NodeState } from '../../hack/env/state.js';
import { eventually, kubeConfig, uniqueName } from '../support/kube.js';

let state: EnvState;
let node: NodeState;
let core: CoreV1Api;
let apps: AppsV1Api;
let networking: NetworkingV1Api;
let discovery: DiscoveryV1Api;
let image: string;
const namespace = uniqueName('node-test');
const scratch = mkdtempSync(join(tmpdir(), 'dbwarden-node-test-'));

/** Whether a node ran before this suite: then it is someone else's to stop (the in-cluster suite's setup, a person). */
let nodeWasRunning = false;

beforeAll(async () => {
  nodeWasRunning = (await health(loadState())).node === true;
  state = await up({ node: true });
  if (!state.node) throw new Error('env:up --node returned no node');
  node = state.node;
  Object.assign(process.env, envVars(state));
  const kc = kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  networking = kc.makeApiClient(NetworkingV1Api);
  discovery = kc.makeApiClient(DiscoveryV1Api);

  // An image made here and loaded the way the image builds load theirs.
  const bins = await ensureNodeBinaries();
  image = `localhost/dbwarden/probe:${namespace}`;
  const archive = await writeImageArchive(bins.ociImage, { name: image, files: { [bins.probe]: '/probe' }, entrypoint: ['/probe'], user: '65532:65532' }, join(scratch, 'probe.tar'));
  await importImage(archive.archive);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await eventually('the default ServiceAccount', () => core.readNamespacedServiceAccount({ name: 'default', namespace }));
}, 60 * 60_000);

afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  if (!core) return;
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  if (process.env.DBWARDEN_KEEP_ENV === '1' || nodeWasRunning) return;
  const left = await downNode();
  expect(left, 'what the node left behind').toEqual([]);
}, 120_000);

function podSpec(name: string, args: string[], labels: Record<string, string> = {}): V1Pod {
  return {
    metadata: { name, namespace, labels },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: true,
      containers: [{ name: 'probe', image, imagePullPolicy: 'Never', args }],
    },
  };
}

/** Runs a pod to its end; returns its container's exit code and logs. */
async function runPod(name: string, args: string[], labels: Record<string, string> = {}): Promise<{ exitCode: number; logs: string }> {
  await core.createNamespacedPod({ namespace, body: podSpec(name, args, labels) });
  const pod: V1Pod = await eventually(`pod ${name} to finish`, async () => {
    const p = await core.readNamespacedPod({ name, namespace });
    return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : undefined;
  }, 90_000);
  const exitCode = pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode ?? -1;
  const logs = await core.readNamespacedPodLog({ name, namespace, container: 'probe' });
  return { exitCode, logs };
}

describe('the local node', () => {
  it('is Ready and runs containerd, with the locally built pause image as sandbox', async () => {
    const n = await core.readNode({ name: node.name });
    expect(n.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(n.status?.nodeInfo?.containerRuntimeVersion).toBe(`containerd://${node.containerdVersion.replace(/^v/, '')}`);
    expect(n.status?.nodeInfo?.kubeletVersion).toBe(node.kubernetesVersion);
    expect(n.spec?.podCIDR).toBe(node.podCidr);
  });

  it('runs a pod from a locally imported image to completion', async () => {
    const { exitCode, logs } = await runPod('hello', ['echo', 'hello from the node']);
    expect(exitCode).toBe(0);
    expect(logs).toContain('hello from the node');
  });

  it('rolls out a Deployment, and rolls it again on a change, and a Service answers another pod', async () => {
    const deployment = (text: string): object => ({
      metadata: { name: 'web', namespace },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [{
              name: 'web', image, imagePullPolicy: 'Never', args: ['serve', ':8080', text],
              ports: [{ containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
            }],
          },
        },
      },
    });
    const rolledOut = (generation: number) => async (): Promise<boolean> => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace });
      const s = d.status;
      return (s?.observedGeneration ?? 0) >= generation && s?.updatedReplicas === 2 && s.availableReplicas === 2 && s.replicas === 2;
    };
    await apps.createNamespacedDeployment({ namespace, body: deployment('hello-web-v1') });
    await eventually('the Deployment to roll out', rolledOut(1), 120_000);
    await core.createNamespacedService({ namespace, body: { metadata: { name: 'web', namespace }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } } });
    const ip = (await core.readNamespacedService({ name: 'web', namespace })).spec?.clusterIP;
    expect(ip).toMatch(/^10\.0\.0\./);

    await apps.replaceNamespacedDeployment({ name: 'web', namespace, body: deployment('hello-web-v2') });
    await eventually('the changed Deployment to roll out', rolledOut(2), 120_000);
    const sets = await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=web' });
    expect(sets.items.map((rs) => rs.status?.replicas ?? 0).sort()).toEqual([0, 2]);

    // A rollout is complete before the old pods have stopped: each stops serving at its SIGTERM, and kube-proxy
    // drops it from the Service a moment after the EndpointSlice does. Wait for both, then ask the Service.
    const newHash = sets.items.find((rs) => (rs.status?.replicas ?? 0) === 2)?.metadata?.labels?.['pod-template-hash'];
    await eventually('the old pods to be gone and the Service to list only the new ones', async () => {
      const pods = (await core.listNamespacedPod({ namespace, labelSelector: 'app=web' })).items;
      if (pods.length !== 2 || pods.some((p) => p.metadata?.labels?.['pod-template-hash'] !== newHash || p.metadata?.deletionTimestamp)) return false;
      const slices = await discovery.listNamespacedEndpointSlice({ namespace, labelSelector: 'kubernetes.io/service-name=web' });
      const ready = slices.items.flatMap((sl) => (sl.endpoints ?? []).filter((e) => e.conditions?.ready).flatMap((e) => e.addresses));
      const all = slices.items.flatMap((sl) => (sl.endpoints ?? []).flatMap((e) => e.addresses));
      return ready.length === 2 && all.length === 2 && pods.every((p) => ready.includes(p.status?.podIP ?? ''));
    }, 120_000);
    // kube-proxy applies the EndpointSlice within its minimum sync period (1 s); a client pod starts later than that,
    // and asks again (a new pod) only if it still met a stopped one.
    let answer = { exitCode: -1, logs: '' };
    for (let attempt = 1; attempt <= 3; attempt++) {
      answer = await runPod(`client-${attempt}`, ['get', `http://${ip}/`]);
      if (answer.logs.includes('hello-web-v2')) break;
    }
    expect(answer.logs).toContain('hello-web-v2');
    expect(answer.exitCode).toBe(0);
  });

  it('enforces a NetworkPolicy: the pod it allows connects, the other is stopped at the network', async () => {
    const ip = (await core.readNamespacedService({ name: 'web', namespace })).spec?.clusterIP;
    const url = `http://${ip}/`;
    // Before the policy, a pod of either kind gets through.
    expect((await runPod('before', ['get', url], { role: 'denied' })).exitCode).toBe(0);

    await networking.createNamespacedNetworkPolicy({
      namespace,
      body: {
        metadata: { name: 'web-from-allowed', namespace },
        spec: {
          podSelector: { matchLabels: { app: 'web' } },
          policyTypes: ['Ingress'],
          // client-node's model names `from` _from (and writes it as `from`).
          ingress: [{ _from: [{ podSelector: { matchLabels: { role: 'allowed' } } }], ports: [{ port: 8080 }] }],
        },
      },
    });
    // The denied pod tries once, 5 s after its start, when kube-router has long seen it and the policy.
    const denied = await runPod('denied', ['get', '-timeout', '3s', '-delay', '5s', url], { role: 'denied' });
    // 3: timeout, 4: refused or reset. Never 6 (an HTTP error): the application never saw the request.
    expect([3, 4], denied.logs).toContain(denied.exitCode);
    expect(denied.logs).not.toContain('hello-web');

    // A new pod's address joins the policy's allowed set when kube-router sees the pod running, a moment
    // after it starts (kubernetes/kubernetes#85966), so the allowed pod tries until it gets through.
    const allowed = await runPod('allowed', ['get', '-timeout', '3s', '-retry-for', '60s', url], { role: 'allowed' });
    expect(allowed.logs).toContain('hello-web-v2');
    expect(allowed.exitCode).toBe(0);
  });

  it('lets pods reach the API server in-cluster and the host\'s databases', async () => {
    const api = await runPod('in-cluster', ['kube', '/api']);
    expect(api.logs).toContain('200 OK');
    expect(api.exitCode).toBe(0);
    const pg = await runPod('host-postgres', ['tcp', `${node.hostIp}:${node.hostPorts.postgres}`, '5s']);
    expect(pg.exitCode, pg.logs).toBe(0);
    const mariadb = await runPod('host-mariadb', ['tcp', `${node.hostIp}:${node.hostPorts.mariadb}`, '5s']);
    expect(mariadb.exitCode, mariadb.logs).toBe(0);
  });
});
