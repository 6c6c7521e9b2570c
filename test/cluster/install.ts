/**
 * Installing dbwarden as docs/install.md says, with the images the suite runs: the Helm chart (CRDs first,
 * into a namespace that enforces the `restricted` Pod Security Standard) or `kubectl apply -k` of
 * config/default through an overlay that only names the images.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { ensureHelm } from '../../hack/helm.js';
import { repoRoot } from '../../hack/env/paths.js';
import { run } from '../../hack/env/proc.js';
import { waitEstablished } from '../support/crds.js';
import { required } from '../support/env.js';
import { kubectl } from './kubectl.js';

export const systemNamespace = 'dbwarden-system';
export const release = 'dbwarden';
export const operatorDeployment = 'dbwarden-operator';
export const consoleDeployment = 'dbwarden-console';

/** The images under test: built and loaded by the suite's setup, or by hack/kind-e2e.sh. */
export const appImages = {
  operator: process.env.DBWARDEN_IMAGE_OPERATOR ?? 'localhost/dbwarden-operator:dev',
  console: process.env.DBWARDEN_IMAGE_CONSOLE ?? 'localhost/dbwarden-console:dev',
};

const split = (ref: string): { repository: string; tag: string } => {
  const at = ref.lastIndexOf(':');
  return { repository: ref.slice(0, at), tag: ref.slice(at + 1) };
};

/**
 * Extra TCP ports the API server answers on, as pods see it after kube-proxy (the local node's API server
 * listens on a free port, not 443 or 6443), for the console's egress NetworkPolicy.
 */
const apiServerPorts = (): number[] => {
  const local = Number(process.env.DBWARDEN_CLUSTER_API_PORT ?? '');
  return [443, 6443, ...(local > 0 ? [local] : [])];
};

async function helm(args: string[]): Promise<string> {
  const binary = await ensureHelm();
  const { stdout } = await run(binary, args, { env: { ...process.env, KUBECONFIG: required('KUBECONFIG') } });
  return stdout;
}

export async function applyCrdsFromChart(): Promise<void> {
  await kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'charts', 'dbwarden', 'crds')]);
  await waitEstablished(['databaseconnections.dbwarden.io', 'accesspolicies.dbwarden.io']);
}

async function restrictedNamespace(): Promise<void> {
  await kubectl(['apply', '-f', '-'], stringify({
    apiVersion: 'v1', kind: 'Namespace',
    metadata: { name: systemNamespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } },
  }));
}

/** `helm upgrade --install` of charts/dbwarden as docs/install.md does it, with the suite's images. */
export async function helmInstall(values: Record<string, unknown> = {}): Promise<void> {
  await applyCrdsFromChart();
  await restrictedNamespace();
  const operator = split(appImages.operator);
  const consoleImage = split(appImages.console);
  const valuesFile = join(repoRoot, '.dev', 'cluster-tests', 'values.yaml');
  mkdirSync(join(valuesFile, '..'), { recursive: true });
  writeFileSync(valuesFile, stringify({
    operator: { image: { ...operator, pullPolicy: 'IfNotPresent' }, replicas: 2 },
    console: {
      image: { ...consoleImage, pullPolicy: 'IfNotPresent' },
      replicas: 1,
      networkPolicy: { apiServer: { ports: apiServerPorts() } },
    },
    ...values,
  }));
  await helm(['upgrade', '--install', release, join(repoRoot, 'charts', 'dbwarden'), '--namespace', systemNamespace,
    '--values', valuesFile, '--wait', '--timeout', '10m']);
}

export async function helmUninstall(): Promise<void> {
  await helm(['uninstall', release, '--namespace', systemNamespace, '--wait', '--ignore-not-found']);
}

/** An overlay on config/default that names the suite's images (and, on the local node, the API server's port). */
function writeKustomizeOverlay(): string {
  const dir = join(repoRoot, '.dev', 'cluster-tests', 'kustomize');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const operator = split(appImages.operator);
  const consoleImage = split(appImages.console);
  const extraPorts = apiServerPorts().filter((port) => port !== 443 && port !== 6443);
  writeFileSync(join(dir, 'kustomization.yaml'), stringify({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [relative(dir, join(repoRoot, 'config', 'default'))],
    images: [
      { name: 'ghcr.io/dbwarden/dbwarden-operator', newName: operator.repository, newTag: operator.tag },
      { name: 'ghcr.io/dbwarden/dbwarden-console', newName: consoleImage.repository, newTag: consoleImage.tag },
    ],
    ...(extraPorts.length ? {
      patches: [{
        target: { kind: 'NetworkPolicy', name: 'dbwarden-console' },
        patch: stringify([{ op: 'add', path: '/spec/egress/-', value: { ports: extraPorts.map((port) => ({ port, protocol: 'TCP' })) } }]),
      }],
    } : {}),
  }));
  return dir;
}

export async function kustomizeInstall(): Promise<string> {
  const overlay = writeKustomizeOverlay();
  await kubectl(['apply', '--server-side', '--force-conflicts', '-k', overlay]);
  return overlay;
}
