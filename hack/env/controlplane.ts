import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { EnvError } from './errors.js';
import { writeKubeconfig } from './kubeconfig.js';
import { info, step } from './log.js';
import { ensureLocalkube, kubernetesVersion } from './localkube.js';
import { devDir, kubeconfigFile } from './paths.js';
import { ensureCa, ensureLeaf, ensureRsaKey, type KeyPair } from './pki.js';
import { freePort, portInUse } from './ports.js';
import { isAlive, sleep, startDaemon, stopProcess, waitFor } from './proc.js';
import type { NodeNetwork } from './node/network.js';
import type { NodePki } from './node/pki.js';
import type { ControlPlaneState } from './state.js';

const kubeDir = join(devDir, 'kube');
const pkiDir = join(kubeDir, 'pki');
const logDir = join(devDir, 'logs');

interface Pki {
  ca: KeyPair;
  serving: KeyPair;
  admin: KeyPair;
  controllerManager: KeyPair;
  serviceAccountKey: string;
}

async function ensurePki(): Promise<Pki> {
  const ca = await ensureCa(pkiDir, 'ca', 'dbwarden-local-kubernetes-ca');
  return {
    ca,
    serving: await ensureLeaf(ca, pkiDir, 'apiserver', {
      commonName: 'kube-apiserver',
      usage: 'server',
      altNames: ['IP:127.0.0.1', 'IP:10.0.0.1', 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default',
        'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local'],
    }),
    admin: await ensureLeaf(ca, pkiDir, 'admin', { commonName: 'dbwarden-admin', organization: 'system:masters', usage: 'client' }),
    controllerManager: await ensureLeaf(ca, pkiDir, 'controller-manager', {
      commonName: 'system:kube-controller-manager',
      organization: 'system:masters',
      usage: 'client',
    }),
    serviceAccountKey: await ensureRsaKey(join(pkiDir, 'service-account.key')),
  };
}

/** GET path on the API server with the admin certificate; resolves with the status and body. */
export function apiGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        ca: readFileSync(join(pkiDir, 'ca.crt')),
        cert: readFileSync(join(pkiDir, 'admin.crt')),
        key: readFileSync(join(pkiDir, 'admin.key')),
        timeout: 5000,
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function ready(port: number): Promise<boolean> {
  return (await apiGet(port, '/readyz')).status === 200;
}

export async function controlPlaneHealthy(state: ControlPlaneState | undefined): Promise<boolean> {
  if (!state) return false;
  const { etcd, apiserver, controllerManager, scheduler } = state.pids;
  if (!isAlive(etcd) || !isAlive(apiserver) || !isAlive(controllerManager)) return false;
  if (state.forNode && !isAlive(scheduler)) return false;
  return ready(state.apiPort).catch(() => false);
}

/**
 * What a control plane for the local node adds: the API server advertises the host's address on the node
 * link (the `kubernetes` Service's endpoint, which pods reach), authorizes kubelets with the Node authorizer
 * and NodeRestriction, and talks to the kubelet with a client certificate; the controller manager runs its
 * full controller set and allocates the node's pod CIDR; kube-scheduler runs.
 */
export interface NodeControlPlane {
  net: NodeNetwork;
  pki: NodePki;
}

async function pickPort(previous: number | undefined): Promise<number> {
  return previous && !(await portInUse(previous)) ? previous : freePort();
}

/**
 * Starts etcd, kube-apiserver and kube-controller-manager (reusing data and ports from before when possible);
 * with `node`, configured for the local node, plus kube-scheduler. A running control plane is reused unless
 * a node needs it and it was started without one.
 */
export async function startControlPlane(previous: ControlPlaneState | undefined, node?: NodeControlPlane): Promise<ControlPlaneState> {
  if ((await controlPlaneHealthy(previous)) && (!node || previous!.forNode)) {
    info(`control plane already running on https://127.0.0.1:${previous!.apiPort}: reusing it`);
    return previous!;
  }
  if (node && previous && !previous.forNode) info('restarting the control plane for the node (its data stays)');
  await stopControlPlane(previous);
  const binary = await ensureLocalkube();
  mkdirSync(logDir, { recursive: true });
  const pki = await step('Creating control-plane certificates and keys', ensurePki);

  const state: ControlPlaneState = {
    version: kubernetesVersion,
    etcdPort: await pickPort(previous?.etcdPort),
    etcdPeerPort: await pickPort(previous?.etcdPeerPort),
    apiPort: await pickPort(previous?.apiPort),
    ...(node ? { forNode: true } : {}),
    pids: {},
  };

  await step(`Starting etcd on 127.0.0.1:${state.etcdPort}`, async () => {
    const logFile = join(logDir, 'etcd.log');
    state.pids.etcd = startDaemon(binary, [
      'etcd',
      `--data-dir=${join(kubeDir, 'etcd')}`,
      `--client-url=http://127.0.0.1:${state.etcdPort}`,
      `--peer-url=http://127.0.0.1:${state.etcdPeerPort}`,
      '--unsafe-no-fsync',
    ], { logFile });
    await waitFor('etcd', async () => {
      if (!isAlive(state.pids.etcd)) throw new EnvError('etcd exited', `see ${logFile}`);
      const res = await fetch(`http://127.0.0.1:${state.etcdPort}/health`);
      return res.ok;
    }, { timeoutMs: 60_000, logFile });
  });

  await step(`Starting kube-apiserver ${kubernetesVersion} on https://127.0.0.1:${state.apiPort}`, async () => {
    const logFile = join(logDir, 'kube-apiserver.log');
    state.pids.apiserver = startDaemon(binary, [
      'kube-apiserver',
      `--etcd-servers=http://127.0.0.1:${state.etcdPort}`,
      '--bind-address=127.0.0.1',
      `--advertise-address=${node ? node.net.hostIp : '127.0.0.1'}`,
      `--secure-port=${state.apiPort}`,
      `--cert-dir=${pkiDir}`,
      `--tls-cert-file=${pki.serving.cert}`,
      `--tls-private-key-file=${pki.serving.key}`,
      `--client-ca-file=${pki.ca.cert}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.serviceAccountKey}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      '--profiling=false',
      ...(node
        ? [
          '--authorization-mode=Node,RBAC',
          '--enable-admission-plugins=NodeRestriction',
          `--kubelet-client-certificate=${node.pki.apiserverKubeletClient.cert}`,
          `--kubelet-client-key=${node.pki.apiserverKubeletClient.key}`,
          `--kubelet-certificate-authority=${pki.ca.cert}`,
          '--kubelet-preferred-address-types=InternalIP',
        ]
        : ['--authorization-mode=RBAC']),
    ], { logFile });
    await waitFor('kube-apiserver /readyz', async () => {
      if (!isAlive(state.pids.apiserver)) throw new EnvError('kube-apiserver exited', `see ${logFile}`);
      return ready(state.apiPort);
    }, { timeoutMs: 120_000, logFile });
  });

  writeKubeconfig(kubeconfigFile, `https://127.0.0.1:${state.apiPort}`, pki.ca.cert, pki.admin, 'dbwarden-admin');
  const cmKubeconfig = join(kubeDir, 'controller-manager.kubeconfig');
  writeKubeconfig(cmKubeconfig, `https://127.0.0.1:${state.apiPort}`, pki.ca.cert, pki.controllerManager, 'kube-controller-manager');

  const controllers = node
    ? [
      '--controllers=*',
      '--allocate-node-cidrs=true',
      `--cluster-cidr=${node.net.clusterCidr}`,
      '--node-cidr-mask-size=24',
      `--service-cluster-ip-range=${node.net.serviceCidr}`,
      `--cluster-signing-cert-file=${pki.ca.cert}`,
      `--cluster-signing-key-file=${pki.ca.key}`,
    ]
    : ['--controllers=garbage-collector-controller,namespace-controller,serviceaccount-controller,serviceaccount-token-controller'];
  const which = node ? 'all controllers' : 'garbage collector, namespaces, service accounts';
  await step(`Starting kube-controller-manager (${which})`, async () => {
    const logFile = join(logDir, 'kube-controller-manager.log');
    state.pids.controllerManager = startDaemon(binary, [
      'kube-controller-manager',
      `--kubeconfig=${cmKubeconfig}`,
      `--authentication-kubeconfig=${cmKubeconfig}`,
      `--authorization-kubeconfig=${cmKubeconfig}`,
      ...controllers,
      '--leader-elect=false',
      '--secure-port=0',
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.ca.cert}`,
    ], { logFile });
    // The controller-manager has no port to poll; it is ready once the default ServiceAccount exists.
    await waitFor('kube-controller-manager', async () => {
      if (!isAlive(state.pids.controllerManager)) throw new EnvError('kube-controller-manager exited', `see ${logFile}`);
      return (await apiGet(state.apiPort, '/api/v1/namespaces/default/serviceaccounts/default')).status === 200;
    }, { timeoutMs: 90_000, logFile });
  });

  if (node) {
    await step('Starting kube-scheduler', async () => {
      const logFile = join(logDir, 'kube-scheduler.log');
      const kubeconfig = join(kubeDir, 'scheduler.kubeconfig');
      writeKubeconfig(kubeconfig, `https://127.0.0.1:${state.apiPort}`, pki.ca.cert, node.pki.scheduler, 'system:kube-scheduler');
      state.pids.scheduler = startDaemon(binary, [
        'kube-scheduler',
        `--kubeconfig=${kubeconfig}`,
        '--leader-elect=false',
        '--secure-port=0',
      ], { logFile });
      // It serves nothing (--secure-port=0); it shows it works by scheduling the node's first pods.
      await sleep(1000);
      if (!isAlive(state.pids.scheduler)) throw new EnvError('kube-scheduler exited', `see ${logFile}`);
    });
  }
  return state;
}

export async function stopControlPlane(state: ControlPlaneState | undefined): Promise<void> {
  if (!state) return;
  await stopProcess(state.pids.scheduler);
  await stopProcess(state.pids.controllerManager);
  await stopProcess(state.pids.apiserver);
  await stopProcess(state.pids.etcd);
}

export const controlPlaneFiles = { kubeDir, pkiDir, exists: (): boolean => existsSync(kubeDir) };
