import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeKubeconfig } from '../kubeconfig.js';
import { startDaemon } from '../proc.js';
import type { NodeBinaries } from './binaries.js';
import { inNode } from './namespaces.js';
import type { NodeNetwork } from './network.js';
import type { NodePki } from './pki.js';

/**
 * The kubelet's configuration, and why:
 * - failCgroupV1: false: this machine has cgroup v1 (hybrid), which kubelet ≥ 1.35 refuses by default;
 * - cgroupDriver cgroupfs: there is no systemd; containerd's runc runs with SystemdCgroup = false to match
 *   (the kubelet also asks containerd through the CRI RuntimeConfig call, and would take its answer);
 * - cgroupRoot: the node's cgroup (see cgroups.ts), so pods' cgroups are removable in one tree;
 * - eviction thresholds and image GC set low: a shared development disk must not evict the node's pods or
 *   delete imported images, which cannot be pulled again;
 * - resolvConf "": pods get no DNS from the host (the node has no cluster DNS); in-cluster clients use
 *   KUBERNETES_SERVICE_HOST/PORT;
 * - localhost-only health endpoints; the API server talks to the kubelet over the node's address, with
 *   certificates both ways, and the kubelet authorizes it by webhook.
 */
function kubeletConfig(nodeDir: string, net: NodeNetwork, pki: NodePki, socket: string, cgroupRoot: string): object {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    cgroupRoot,
    cgroupsPerQOS: true,
    enforceNodeAllocatable: ['pods'],
    containerRuntimeEndpoint: `unix://${socket}`,
    address: net.nodeIp,
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    tlsCertFile: pki.kubeletServing.cert,
    tlsPrivateKeyFile: pki.kubeletServing.key,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: pki.ca.cert },
    },
    authorization: { mode: 'Webhook' },
    clusterDomain: 'cluster.local',
    resolvConf: '',
    podLogsDir: join(nodeDir, 'pod-logs'),
    failSwapOn: false,
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    serializeImagePulls: false,
    maxPods: 110,
    rotateCertificates: false,
    serverTLSBootstrap: false,
    protectKernelDefaults: false,
    registerNode: true,
  };
}

export function startKubelet(options: {
  nodeDir: string;
  net: NodeNetwork;
  bins: NodeBinaries;
  pki: NodePki;
  holderPid: number;
  cgroupRoot: string;
  containerdSocket: string;
  apiServer: string;
  logFile: string;
}): number {
  const { nodeDir, net, bins, pki, holderPid, cgroupRoot, containerdSocket, apiServer, logFile } = options;
  const dir = join(nodeDir, 'kubelet');
  mkdirSync(join(nodeDir, 'pod-logs'), { recursive: true });
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, stringify(kubeletConfig(nodeDir, net, pki, containerdSocket, cgroupRoot)));
  const kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, apiServer, pki.ca.cert, pki.kubelet, `system:node:${net.nodeName}`, 'kubernetes');
  const [cmd, args] = inNode(holderPid, cgroupRoot, bins.localkube, [
    'kubelet',
    `--config=${configFile}`,
    `--kubeconfig=${kubeconfig}`,
    `--root-dir=${join(dir, 'root')}`,
    `--hostname-override=${net.nodeName}`,
    `--node-ip=${net.nodeIp}`,
    '--v=1',
  ]);
  // Its readiness shows in the Node's Ready condition, which startNode waits for.
  return startDaemon(cmd, args, { logFile });
}
