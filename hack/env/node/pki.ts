import { join } from 'node:path';
import { controlPlaneFiles } from '../controlplane.js';
import { ensureCa, ensureLeaf, type KeyPair } from '../pki.js';
import type { NodeNetwork } from './network.js';

/** Certificates of the node's components, signed by the control plane's CA (as kubeadm issues them). */
export interface NodePki {
  ca: KeyPair;
  /** The kubelet's client identity: system:node:<name> in system:nodes (Node authorizer, NodeRestriction). */
  kubelet: KeyPair;
  /** The kubelet's serving certificate, for its InternalIP; the API server verifies it. */
  kubeletServing: KeyPair;
  /** The API server's identity towards kubelets (logs, exec, port-forward). */
  apiserverKubeletClient: KeyPair;
  scheduler: KeyPair;
  /** system:kube-proxy, bound to system:node-proxier by the default RBAC. */
  kubeProxy: KeyPair;
  /** kube-router reads pods, namespaces, nodes and NetworkPolicies; a local admin identity keeps it simple. */
  kubeRouter: KeyPair;
}

export async function ensureNodePki(net: NodeNetwork): Promise<NodePki> {
  const dir = controlPlaneFiles.pkiDir;
  const ca = await ensureCa(dir, 'ca', 'dbwarden-local-kubernetes-ca');
  const client = (name: string, commonName: string, organization?: string): Promise<KeyPair> =>
    ensureLeaf(ca, dir, name, { commonName, organization, usage: 'client' });
  return {
    ca,
    kubelet: await client('kubelet', `system:node:${net.nodeName}`, 'system:nodes'),
    kubeletServing: await ensureLeaf(ca, dir, `kubelet-serving-${net.nodeIp}`, {
      commonName: net.nodeName,
      usage: 'server',
      altNames: [`IP:${net.nodeIp}`, `DNS:${net.nodeName}`],
    }),
    apiserverKubeletClient: await client('apiserver-kubelet-client', 'kube-apiserver-kubelet-client', 'system:masters'),
    scheduler: await client('scheduler', 'system:kube-scheduler'),
    kubeProxy: await client('kube-proxy', 'system:kube-proxy'),
    kubeRouter: await client('kube-router', 'dbwarden:kube-router', 'system:masters'),
  };
}

export const nodePkiFile = (name: string): string => join(controlPlaneFiles.pkiDir, name);
