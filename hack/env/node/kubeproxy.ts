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
 * kube-proxy in iptables mode (iptables-nft), inside the node's network namespace, where its rules die
 * with the namespace. conntrack settings 0 leave the host's global nf_conntrack_max alone.
 */
export function startKubeProxy(options: {
  nodeDir: string;
  net: NodeNetwork;
  bins: NodeBinaries;
  pki: NodePki;
  holderPid: number;
  cgroupRoot: string;
  apiServer: string;
  logFile: string;
}): number {
  const { nodeDir, net, bins, pki, holderPid, cgroupRoot, apiServer, logFile } = options;
  const dir = join(nodeDir, 'kube-proxy');
  mkdirSync(dir, { recursive: true });
  const kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, apiServer, pki.ca.cert, pki.kubeProxy, 'system:kube-proxy', 'kubernetes');
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'iptables',
    clientConnection: { kubeconfig },
    hostnameOverride: net.nodeName,
    clusterCIDR: net.clusterCidr,
    healthzBindAddress: '127.0.0.1:10256',
    metricsBindAddress: '127.0.0.1:10249',
    // NodePorts on the node's address only (the host reaches them at nodeIp:<nodePort>).
    nodePortAddresses: ['primary'],
    iptables: { localhostNodePorts: false },
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  }));
  const [cmd, args] = inNode(holderPid, cgroupRoot, bins.localkube, ['kube-proxy', `--config=${configFile}`, '--v=1']);
  return startDaemon(cmd, args, { logFile, env: { ...process.env, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
}
