import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { apiGet, controlPlaneHealthy, startControlPlane } from '../controlplane.js';
import { EnvError } from '../errors.js';
import { info, step } from '../log.js';
import { kubernetesVersion } from '../localkube.js';
import { ensurePackages } from '../packages.js';
import { devDir, runDir } from '../paths.js';
import { isAlive, sleep, startDaemon, waitFor } from '../proc.js';
import type { EnvState, NodeState } from '../state.js';
import { containerdVersion, ensureNodeBinaries } from './binaries.js';
import { createNodeCgroups, nodeCgroupRoot } from './cgroups.js';
import { containerdPaths, criNamespace, startContainerd } from './containerd.js';
import { ensureNodeImages, importArchive } from './images.js';
import { startKubelet } from './kubelet.js';
import { startKubeProxy } from './kubeproxy.js';
import { inNodeCgroup, linkNodeNetwork, prepareNodeNamespaces, startHolder } from './namespaces.js';
import { startNetworkPolicyController } from './netpol.js';
import { nodeNetwork } from './network.js';
import { ensureNodePki } from './pki.js';
import { teardownNode } from './teardown.js';

/** Where the node keeps its data: short (Unix socket paths), beside the databases' data. */
export const nodeDir = join(runDir, 'node');
const logDir = join(devDir, 'logs');

/** Debian packages the node runs: runc, the CNI plugins, and the tools kube-proxy and kube-router drive. */
const nodePackages = [
  { pkg: 'runc', provides: '/usr/sbin/runc' },
  { pkg: 'containernetworking-plugins', provides: '/usr/lib/cni/bridge' },
  { pkg: 'iptables', provides: '/usr/sbin/iptables' },
  { pkg: 'ipset', provides: '/usr/sbin/ipset' },
  { pkg: 'nftables', provides: '/usr/sbin/nft' },
  { pkg: 'iproute2', provides: '/usr/bin/ip' },
  { pkg: 'util-linux', provides: '/usr/bin/nsenter' },
];

interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function nodeReady(apiPort: number, name: string): Promise<NodeCondition | undefined> {
  const res = await apiGet(apiPort, `/api/v1/nodes/${name}`);
  if (res.status !== 200) return undefined;
  const node = JSON.parse(res.body) as { status?: { conditions?: NodeCondition[] } };
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

export async function nodeHealthy(state: EnvState): Promise<boolean> {
  const node = state.node;
  if (!node || !state.controlPlane?.forNode) return false;
  if (!Object.values(node.pids).every((pid) => isAlive(pid))) return false;
  const ready = await nodeReady(state.controlPlane.apiPort, node.name).catch(() => undefined);
  return ready?.status === 'True';
}

/**
 * Starts the control plane for a node and the node itself: namespaces and veth, containerd with the local
 * pause image, kubelet, kube-proxy, the NetworkPolicy controller; waits until the Node is Ready. Each piece
 * is saved to the state as soon as it runs, so env:down can stop a half-started node.
 */
export async function startNodeEnvironment(state: EnvState, save: () => void): Promise<void> {
  if (state.node && (await nodeHealthy(state)) && (await controlPlaneHealthy(state.controlPlane))) {
    info(`node ${state.node.name} already Ready: reusing it`);
    return;
  }
  const t0 = Date.now();
  if (state.node) {
    await step('Stopping the previous node', () => teardownNode(state.node!));
    delete state.node;
    save();
  }
  await ensurePackages(nodePackages);
  const bins = await ensureNodeBinaries();
  const images = await step('Writing the pause and busybox image archives', () => ensureNodeImages(bins));
  const net = nodeNetwork();
  const pki = await step('Creating the node certificates', () => ensureNodePki(net));
  const startedAt = Date.now();

  rmSync(nodeDir, { recursive: true, force: true });
  mkdirSync(nodeDir, { recursive: true, mode: 0o700 });
  mkdirSync(logDir, { recursive: true });
  const cgroupRoot = nodeCgroupRoot(createHash('sha256').update(runDir).digest('hex').slice(0, 10));
  const paths = containerdPaths(nodeDir);
  const node: NodeState = {
    name: net.nodeName,
    kubernetesVersion,
    containerdVersion,
    containerdSocket: paths.socket,
    ctr: bins.ctr,
    criNamespace,
    images: { pause: images.pause.name, busybox: images.busybox.name },
    hostIp: net.hostIp,
    nodeIp: net.nodeIp,
    hostPorts: {},
    podCidr: net.podCidr,
    serviceCidr: net.serviceCidr,
    apiServiceIp: net.apiServiceIp,
    hostInterface: net.hostInterface,
    cgroupRoot,
    createdCgroups: [],
    dir: nodeDir,
    pids: {},
  };
  state.node = node;
  node.createdCgroups = createNodeCgroups(cgroupRoot);
  save();

  await step(`Creating the node's namespaces and its link ${net.hostIp} (host) – ${net.nodeIp} (node)`, async () => {
    node.pids.holder = await startHolder(cgroupRoot, join(logDir, 'node-holder.log'));
    save();
    await prepareNodeNamespaces(node.pids.holder, nodeDir);
    await linkNodeNetwork(node.pids.holder, net);
  });
  const holder = node.pids.holder!;

  state.controlPlane = await startControlPlane(state.controlPlane, { net, pki });
  save();
  const apiPort = state.controlPlane.apiPort;

  await step(`Forwarding ${net.hostIp} to the host's API server and databases`, async () => {
    node.hostPorts = { apiserver: apiPort };
    if (state.postgres) node.hostPorts.postgres = state.postgres.port;
    if (state.mariadb) node.hostPorts.mariadb = state.mariadb.port;
    const pairs = Object.values(node.hostPorts).map((port) => `${net.hostIp}:${port}=127.0.0.1:${port}`);
    const [cmd, args] = inNodeCgroup(cgroupRoot, bins.forward, pairs);
    const logFile = join(logDir, 'node-forward.log');
    node.pids.forward = startDaemon(cmd, args, { logFile });
    save();
    await waitFor('the forwarder', async () => {
      if (!isAlive(node.pids.forward)) throw new EnvError('the forwarder exited', `see ${logFile}`);
      return accepts(net.hostIp, apiPort);
    }, { timeoutMs: 10_000, logFile });
  });

  const apiServer = `https://${net.hostIp}:${apiPort}`;
  const common = { nodeDir, net, bins, pki, holderPid: holder, cgroupRoot, apiServer };
  await step(`Starting containerd ${containerdVersion}`, async () => {
    node.pids.containerd = await startContainerd({ ...common, sandboxImage: images.pause.name, logFile: join(logDir, 'containerd.log') });
    save();
    await importArchive(bins.ctr, paths.socket, images.pause.archive);
    await importArchive(bins.ctr, paths.socket, images.busybox.archive);
  });
  info(`▶ Starting kubelet ${kubernetesVersion} and kube-proxy`);
  // A Node left from an earlier kubelet can still say Ready: only a heartbeat from this one counts.
  const kubeletStart = Math.floor(Date.now() / 1000) * 1000;
  node.pids.kubelet = startKubelet({ ...common, containerdSocket: paths.socket, logFile: join(logDir, 'kubelet.log') });
  save();
  node.pids.kubeProxy = startKubeProxy({ ...common, logFile: join(logDir, 'kube-proxy.log') });
  save();
  await step(`Waiting for node ${net.nodeName} to be Ready`, async () => {
    const deadline = Date.now() + 180_000;
    let last: NodeCondition | undefined;
    for (;;) {
      for (const [name, pid] of Object.entries(node.pids)) {
        if (!isAlive(pid)) throw new EnvError(`the node's ${name} exited`, `see the logs in ${logDir}`);
      }
      last = await nodeReady(apiPort, net.nodeName).catch(() => undefined);
      if (last?.status === 'True' && Date.parse(last.lastHeartbeatTime ?? '') >= kubeletStart) break;
      if (Date.now() > deadline) {
        throw new EnvError(`node ${net.nodeName} was not Ready after 180s: ${last ? `${last.reason}: ${last.message}` : 'not registered'}`,
          `see ${join(logDir, 'kubelet.log')}`);
      }
      await sleep(500);
    }
  });
  // kube-router reads the Node (its InternalIP) at start, so it starts once the kubelet registered it.
  await step('Starting the NetworkPolicy controller (kube-router, firewall only)', async () => {
    const logFile = join(logDir, 'kube-router.log');
    const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
    node.pids.networkPolicy = startNetworkPolicyController({ ...common, logFile });
    save();
    // Its first full sync has written the filter chains: from then on NetworkPolicies are enforced.
    await waitFor('kube-router\'s first sync', () => {
      if (!isAlive(node.pids.networkPolicy)) throw new EnvError('kube-router exited', `see ${logFile}`);
      return Promise.resolve(readFileSync(logFile).subarray(logStart).toString('utf8').includes('sync iptables took'));
    }, { timeoutMs: 60_000, logFile });
  });
  info(`node ${net.nodeName} Ready ${((Date.now() - startedAt) / 1000).toFixed(1)}s after its start (${((Date.now() - t0) / 1000).toFixed(1)}s with builds and control plane)`);
}

/** Stops the node (all of it; see teardown.ts), then its control plane's node-only parts stop with the rest. */
export async function stopNode(state: EnvState): Promise<void> {
  if (!state.node) return;
  await teardownNode(state.node);
}
