import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { info } from '../env/log.js';
import { devDir, repoRoot } from '../env/paths.js';
import { run } from '../env/proc.js';
import { ensureHelm } from '../helm.js';
import { consoleNamespace } from './console.js';
import { demoNamespace } from './manifests.js';
import { applyObjects, type Kubectl } from './objects.js';

/** The release: its resources are dbwarden-operator and dbwarden-console, as with kustomize. */
export const release = 'dbwarden';
export const chartDir = join(repoRoot, 'charts', 'dbwarden');
export const operatorName = `${release}-operator`;
export const consoleName = `${release}-console`;
/** One console replica: a port-forward reaches one pod anyway, and the machine has little to spare. */
export const consoleReplicas = 1;
export const operatorReplicas = 2;

export interface LocalImage {
  /** A full reference, localhost/dbwarden-operator:dev. */
  ref: string;
  /** The image's ID: it changes when the image is rebuilt under the same tag. */
  id: string;
}

/** What the chart must know of the local node: where pods reach the API server and the databases. */
export interface NodeAddresses {
  hostIp: string;
  apiPort: number;
  databasePorts: number[];
}

/** The model, when OPENAI_API_KEY is set: its key goes into a Secret, never into the values or a log. */
export interface AiSettings {
  secretName: string;
  apiKey: string;
  baseURL: string;
  model: string;
  port: number;
  /** Why it may not answer from a pod, if there is a reason. */
  note?: string;
}

/**
 * The model settings for pods. Pods reach nothing beyond the node and this host (hack/node/README.md,
 * "Addresses"): a local server named by localhost is reached at hostIp instead, and must listen there.
 */
export function aiSettings(hostIp: string, env: NodeJS.ProcessEnv = process.env): AiSettings | undefined {
  const apiKey = env.OPENAI_API_KEY;
  if (!apiKey) return undefined;
  const url = new URL(env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1');
  let note: string | undefined;
  if (['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) {
    url.hostname = hostIp;
    note = `pods reach this host at ${hostIp}: the model server must listen there (or on all addresses), not on loopback only`;
  } else if (url.hostname !== hostIp) {
    note = `pods have no route beyond the node and this host (${hostIp}): ${url.host} is unreachable from them, so ask fails`;
  }
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { secretName: 'dbwarden-demo-ai', apiKey, baseURL: url.toString().replace(/\/$/, ''), model: env.OPENAI_MODEL ?? 'gpt-4o-mini', port, ...(note ? { note } : {}) };
}

const image = (img: LocalImage): object => {
  const colon = img.ref.lastIndexOf(':');
  return { repository: img.ref.slice(0, colon), tag: img.ref.slice(colon + 1), pullPolicy: 'Never' };
};

/**
 * The chart's values for the local node: the local images (never pulled: no registry is reachable), their IDs
 * as a pod annotation so a rebuilt image rolls the pods, the operator watching the demo namespace only, and
 * the console's NetworkPolicy opened to the API server's and the databases' real endpoints. kube-router
 * filters after kube-proxy's DNAT, so the console's packets to the `kubernetes` Service (10.0.0.1:443) are
 * judged by their endpoint, hostIp:apiPort.
 */
export function demoValues(node: NodeAddresses, images: { operator: LocalImage; console: LocalImage }, ai?: AiSettings): object {
  const hostCidr = [`${node.hostIp}/32`];
  return {
    watchNamespaces: [demoNamespace],
    operator: {
      replicas: operatorReplicas,
      image: image(images.operator),
      podAnnotations: { 'dbwarden.io/demo-image-id': images.operator.id },
    },
    console: {
      replicas: consoleReplicas,
      image: image(images.console),
      podAnnotations: { 'dbwarden.io/demo-image-id': images.console.id },
      ...(ai ? { ai: { existingSecret: ai.secretName, baseURL: ai.baseURL, model: ai.model } } : {}),
      networkPolicy: {
        enabled: true,
        apiServer: { ports: [node.apiPort], cidrs: hostCidr },
        databases: { ports: node.databasePorts, cidrs: hostCidr },
        ...(ai ? { ai: { ports: [ai.port], cidrs: [] } } : {}),
      },
    },
  };
}

/**
 * What the host-process demo applied from config/console into the same environment (same names, no Helm
 * ownership): Helm refuses to install over it, so it goes first. The demo user's RoleBinding stays.
 */
async function removeHostDemoConsoleRbac(kubectl: Kubectl): Promise<void> {
  const { stdout } = await kubectl(['get', 'clusterrole', 'dbwarden-console-user', '--ignore-not-found', '-o', 'json']);
  if (!stdout.trim()) return;
  const annotations = (JSON.parse(stdout) as { metadata: { annotations?: Record<string, string> } }).metadata.annotations ?? {};
  if (annotations['meta.helm.sh/release-name'] === release) return;
  info('  removing the console RBAC a host-process demo applied from config/console (the chart makes its own)');
  await kubectl(['delete', '--ignore-not-found', '-f', join(repoRoot, 'config', 'console', 'rbac.yaml'), '-f', join(repoRoot, 'config', 'console', 'user-clusterrole.yaml')]);
}

/**
 * The namespace (restricted Pod Security Standard enforced), the AI key's Secret when there is one, then
 * `helm upgrade --install` (idempotent: a second run changes only what changed). The CRDs are applied
 * before, as docs/upgrade.md says, so Helm skips its crds/.
 */
export async function installChart(kubectl: Kubectl, env: Record<string, string>, values: object, ai?: AiSettings): Promise<void> {
  await removeHostDemoConsoleRbac(kubectl);
  await applyObjects(kubectl, [{
    apiVersion: 'v1', kind: 'Namespace',
    metadata: { name: consoleNamespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } },
  }]);
  if (ai) {
    await applyObjects(kubectl, [{
      apiVersion: 'v1', kind: 'Secret', metadata: { name: ai.secretName, namespace: consoleNamespace }, stringData: { OPENAI_API_KEY: ai.apiKey },
    }]);
  }
  // The values hold no secret (the AI key is in its Secret), so they stay beside the rest for a look.
  const file = join(devDir, 'demo-values.yaml');
  writeFileSync(file, `# written by npm run demo -- --cluster\n${stringify(values)}`);
  const helm = await ensureHelm();
  await run(helm, ['upgrade', '--install', release, chartDir, '--namespace', consoleNamespace, '--values', file, '--skip-crds'], { env: { ...process.env, ...env } });
  info(`  helm release ${release} in ${consoleNamespace} (values: ${file})`);
}
