import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { devDir, stateFile } from './paths.js';

export interface ControlPlaneState {
  version: string;
  etcdPort: number;
  etcdPeerPort: number;
  apiPort: number;
  /** Started for the local node (see NodeControlPlane in controlplane.ts). */
  forNode?: boolean;
  pids: { etcd?: number; apiserver?: number; controllerManager?: number; scheduler?: number };
}

/**
 * The local node (env:up --node). Other tools import images with
 * `ctr --address <containerdSocket> -n <criNamespace> images import <archive>` (or importImage in
 * hack/env/node/import.ts), and reach the host from pods at hostIp.
 */
export interface NodeState {
  name: string;
  kubernetesVersion: string;
  containerdVersion: string;
  /** containerd's CRI socket (a Unix socket on the host's filesystem; reachable from the host). */
  containerdSocket: string;
  /** A ctr built with that containerd. */
  ctr: string;
  /** containerd namespace of the images the kubelet runs. */
  criNamespace: string;
  /** Images imported at start: the pod sandbox, and a small busybox for tests. */
  images: { pause: string; busybox: string };
  /** The host's address on the node link: pods reach the host's forwarded servers here. */
  hostIp: string;
  /** The node's InternalIP. */
  nodeIp: string;
  /** Ports on hostIp forwarded to the host's loopback (API server and databases), keyed by what they are. */
  hostPorts: Record<string, number>;
  podCidr: string;
  serviceCidr: string;
  /** The `kubernetes` Service's ClusterIP (KUBERNETES_SERVICE_HOST in pods). */
  apiServiceIp: string;
  hostInterface: string;
  cgroupRoot: string;
  /** Cgroup directories env:up made above the root (removed again by env:down when empty). */
  createdCgroups: string[];
  /** Where the node keeps its data, sockets and mounts' backing files. */
  dir: string;
  pids: { holder?: number; forward?: number; containerd?: number; kubelet?: number; kubeProxy?: number; networkPolicy?: number };
}

export interface DatabaseState {
  version?: string;
  port: number;
  user: string;
  password: string;
  pid?: number;
}

/** What env:up started, so a second env:up reuses it and env:down stops it. Mode 0600: it holds passwords. */
export interface EnvState {
  controlPlane?: ControlPlaneState;
  postgres?: DatabaseState;
  mariadb?: DatabaseState;
  node?: NodeState;
  /** The kubectl built by hack/env/kubectl.ts, first on PATH in .dev/env and for the tests. */
  kubectl?: string;
}

export function loadState(): EnvState {
  if (!existsSync(stateFile)) return {};
  return JSON.parse(readFileSync(stateFile, 'utf8')) as EnvState;
}

export function saveState(state: EnvState): void {
  mkdirSync(devDir, { recursive: true, mode: 0o700 });
  writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}
