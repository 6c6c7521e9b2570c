import { createHash } from 'node:crypto';
import { runDir } from '../paths.js';

/**
 * The node's addresses. The node lives in its own network namespace, joined to the host by one veth pair
 * on a /30 link; pods, the pod bridge and Services exist only inside that namespace, so two checkouts'
 * nodes never collide except on the link, whose third octet comes from the checkout's hash.
 */
export interface NodeNetwork {
  /** The host's end of the link: where pods reach the host (the API server and databases are forwarded here). */
  hostIp: string;
  /** The node's end of the link: the Node's InternalIP, where the kubelet serves. */
  nodeIp: string;
  /** Prefix length of the link. */
  linkPrefix: number;
  /** The host-side interface name (the node side is eth0 in its namespace). */
  hostInterface: string;
  podCidr: string;
  clusterCidr: string;
  serviceCidr: string;
  /** The `kubernetes` Service's ClusterIP: the first address of serviceCidr. */
  apiServiceIp: string;
  nodeName: string;
}

export function nodeNetwork(): NodeNetwork {
  const hash = createHash('sha256').update(runDir).digest('hex');
  const octet = 16 + (parseInt(hash.slice(0, 4), 16) % 224);
  return {
    hostIp: `10.251.${octet}.1`,
    nodeIp: `10.251.${octet}.2`,
    linkPrefix: 30,
    hostInterface: `dbw${hash.slice(0, 8)}`,
    podCidr: '10.244.0.0/24',
    clusterCidr: '10.244.0.0/16',
    serviceCidr: '10.0.0.0/24',
    apiServiceIp: '10.0.0.1',
    nodeName: 'dbwarden-node',
  };
}
