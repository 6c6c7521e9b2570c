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
import { isAlive, startDaemon, stopProcess, waitFor } from './proc.js';
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
  const { etcd, apiserver, controllerManager } = state.pids;
  if (!isAlive(etcd) || !isAlive(apiserver) || !isAlive(controllerManager)) return false;
  return ready(state.apiPort).catch(() => false);
}

async function pickPort(previous: number | undefined): Promise<number> {
  return previous && !(await portInUse(previous)) ? previous : freePort();
}

/** Starts etcd, kube-apiserver and kube-controller-manager (reusing data and ports from before when possible). */
export async function startControlPlane(previous: ControlPlaneState | undefined): Promise<ControlPlaneState> {
  if (await controlPlaneHealthy(previous)) {
    info(`control plane already running on https://127.0.0.1:${previous!.apiPort}: reusing it`);
    return previous!;
  }
  await stopControlPlane(previous);
  const binary = await ensureLocalkube();
  mkdirSync(logDir, { recursive: true });
  const pki = await step('Creating control-plane certificates and keys', ensurePki);

  const state: ControlPlaneState = {
    version: kubernetesVersion,
    etcdPort: await pickPort(previous?.etcdPort),
    etcdPeerPort: await pickPort(previous?.etcdPeerPort),
    apiPort: await pickPort(previous?.apiPort),
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
      '--advertise-address=127.0.0.1',
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
      '--authorization-mode=RBAC',
      '--profiling=false',
    ], { logFile });
    await waitFor('kube-apiserver /readyz', async () => {
      if (!isAlive(state.pids.apiserver)) throw new EnvError('kube-apiserver exited', `see ${logFile}`);
      return ready(state.apiPort);
    }, { timeoutMs: 120_000, logFile });
  });

  writeKubeconfig(kubeconfigFile, `https://127.0.0.1:${state.apiPort}`, pki.ca.cert, pki.admin, 'dbwarden-admin');
  const cmKubeconfig = join(kubeDir, 'controller-manager.kubeconfig');
  writeKubeconfig(cmKubeconfig, `https://127.0.0.1:${state.apiPort}`, pki.ca.cert, pki.controllerManager, 'kube-controller-manager');

  await step('Starting kube-controller-manager (garbage collector, namespaces, service accounts)', async () => {
    const logFile = join(logDir, 'kube-controller-manager.log');
    state.pids.controllerManager = startDaemon(binary, [
      'kube-controller-manager',
      `--kubeconfig=${cmKubeconfig}`,
      `--authentication-kubeconfig=${cmKubeconfig}`,
      `--authorization-kubeconfig=${cmKubeconfig}`,
      '--controllers=garbage-collector-controller,namespace-controller,serviceaccount-controller,serviceaccount-token-controller',
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
  return state;
}

export async function stopControlPlane(state: ControlPlaneState | undefined): Promise<void> {
  if (!state) return;
  await stopProcess(state.pids.controllerManager);
  await stopProcess(state.pids.apiserver);
  await stopProcess(state.pids.etcd);
}

export const controlPlaneFiles = { kubeDir, pkiDir, exists: (): boolean => existsSync(kubeDir) };
