import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeKubeconfig } from '../kubeconfig.js';
import { startDaemon } from '../proc.js';
import type { NodeBinaries } from './binaries.js';
import { inNode } from './namespaces.js';
import type { NodeNetwork } from './network.js';
import type { NodePki } from './pki.js';

/**
 * NetworkPolicy enforcement: kube-router's network policy controller alone (the firewall; no routing, no
 * service proxy), as k3s embeds it. It turns NetworkPolicies into iptables chains and ipsets in the node's
 * network namespace, filtering pod traffic on the bridge (bridge-nf-call-iptables is on there).
 *
 * Why kube-router: kube-network-policies (kindnet's enforcer) queues packets to user space with the
 * nftables `queue` statement, which this machine's kernel lacks (CONFIG_NFT_QUEUE is off: `nft add rule …
 * queue` fails), while iptables and ipset work. The module proxy serves kube-router v2 only at v2.1.0,
 * whose known advisory (GHSA-phqm-jgc3-qf8g) concerns the service proxy's external IPs, which is not run.
 */
export function startNetworkPolicyController(options: {
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
  const dir = join(nodeDir, 'kube-router');
  mkdirSync(dir, { recursive: true });
  const kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, apiServer, pki.ca.cert, pki.kubeRouter, 'dbwarden:kube-router', 'kubernetes');
  const [cmd, args] = inNode(holderPid, cgroupRoot, bins.kubeRouter, [
    `--kubeconfig=${kubeconfig}`,
    '--run-firewall=true',
    '--run-router=false',
    '--run-service-proxy=false',
    '--run-loadbalancer=false',
    '--enable-cni=false',
    '--enable-ipv4=true',
    '--enable-ipv6=false',
    `--hostname-override=${net.nodeName}`,
    `--service-cluster-ip-range=${net.serviceCidr}`,
    '--metrics-port=0',
    '--health-port=0',
    '--v=1',
  ]);
  return startDaemon(cmd, args, { logFile, env: { ...process.env, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
}
