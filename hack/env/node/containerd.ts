import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvError } from '../errors.js';
import { isAlive, run, startDaemon, waitFor } from '../proc.js';
import type { NodeBinaries } from './binaries.js';
import { inNode } from './namespaces.js';
import type { NodeNetwork } from './network.js';

/** The CRI image namespace: images the kubelet can run must be imported into it. */
export const criNamespace = 'k8s.io';

/** Debian's runc (package runc) and CNI reference plugins (package containernetworking-plugins). */
export const runcBinary = '/usr/sbin/runc';
export const cniBinDir = '/usr/lib/cni';

export interface ContainerdPaths {
  socket: string;
  root: string;
  state: string;
  config: string;
  cniConfDir: string;
}

export function containerdPaths(nodeDir: string): ContainerdPaths {
  return {
    socket: join(nodeDir, 'containerd.sock'),
    root: join(nodeDir, 'containerd', 'root'),
    state: join(nodeDir, 'containerd', 'state'),
    config: join(nodeDir, 'containerd', 'config.toml'),
    cniConfDir: join(nodeDir, 'cni', 'net.d'),
  };
}

const q = (s: string): string => `'${s}'`;

/**
 * containerd's configuration: every path under the node's directory, the cgroupfs driver (SystemdCgroup =
 * false, as the kubelet's cgroupDriver), the locally built pause image as sandbox, the bridge CNI network.
 */
function config(nodeDir: string, paths: ContainerdPaths, bins: NodeBinaries, sandboxImage: string): string {
  return `version = 3
root = ${q(paths.root)}
state = ${q(paths.state)}
temp = ${q(join(nodeDir, 'containerd', 'tmp'))}
imports = []
# opt installs plugins under /opt/containerd; nothing here needs it.
disabled_plugins = ['io.containerd.internal.v1.opt']

[grpc]
  address = ${q(paths.socket)}

[ttrpc]
  address = ${q(`${paths.socket}.ttrpc`)}

[plugins]
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = 'overlayfs'
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = ${q(sandboxImage)}
  [plugins.'io.containerd.cri.v1.runtime']
    # This machine's root lacks CAP_SYS_RESOURCE, so no process may lower an oom_score_adj; the kubelet asks
    # for -998 for pod sandboxes, and runc would fail to start them. Keep scores at or above containerd's.
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    tolerate_missing_hugetlb_controller = true
    disable_hugetlb_controller = true
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = 'runc'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = 'io.containerd.runc.v2'
        runtime_path = ${q(bins.shim)}
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = ${q(runcBinary)}
          Root = ${q(join(nodeDir, 'runc'))}
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = [${q(cniBinDir)}]
      conf_dir = ${q(paths.cniConfDir)}
      max_conf_num = 1
  [plugins.'io.containerd.grpc.v1.cri']
    disable_tcp_service = true
    stream_server_address = '127.0.0.1'
    stream_server_port = '0'
  [plugins.'io.containerd.nri.v1.nri']
    disable = true
  [plugins.'io.containerd.shim.v1.manager']
    socket_dir = ${q(join(nodeDir, 's'))}
`;
}

/** The pod network: one Linux bridge in the node's namespace, host-local addresses, masquerade off-node. */
function cniConfig(nodeDir: string, net: NodeNetwork): string {
  return `${JSON.stringify({
    cniVersion: '1.0.0',
    name: 'dbwarden',
    plugins: [
      {
        type: 'bridge',
        bridge: 'cni0',
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: net.podCidr }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: join(nodeDir, 'cni', 'ipam'),
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }, null, 2)}\n`;
}

export async function startContainerd(options: {
  nodeDir: string;
  net: NodeNetwork;
  bins: NodeBinaries;
  holderPid: number;
  cgroupRoot: string;
  sandboxImage: string;
  logFile: string;
}): Promise<number> {
  const { nodeDir, net, bins, holderPid, cgroupRoot, sandboxImage, logFile } = options;
  const paths = containerdPaths(nodeDir);
  for (const dir of [paths.root, paths.state, paths.cniConfDir, join(nodeDir, 'containerd', 'tmp')]) mkdirSync(dir, { recursive: true });
  if (!existsSync(runcBinary)) throw new EnvError(`${runcBinary} is missing`, 'apt-get install runc');
  writeFileSync(paths.config, config(nodeDir, paths, bins, sandboxImage));
  writeFileSync(join(paths.cniConfDir, '10-dbwarden.conflist'), cniConfig(nodeDir, net));
  const [cmd, args] = inNode(holderPid, cgroupRoot, bins.containerd, ['--config', paths.config, '--log-level', 'warn']);
  const pid = startDaemon(cmd, args, { logFile, env: { ...process.env, PATH: `${join(bins.shim, '..')}:/usr/sbin:/usr/bin:/sbin:/bin` } });
  await waitFor('containerd', async () => {
    if (!isAlive(pid)) throw new EnvError('containerd exited', `see ${logFile}`);
    if (!existsSync(paths.socket)) return false;
    await run(bins.ctr, ['--address', paths.socket, 'version']);
    return true;
  }, { timeoutMs: 60_000, logFile });
  return pid;
}
