import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EnvError } from '../errors.js';
import { isAlive, run, startDaemon, waitFor } from '../proc.js';
import { nodeDaemonProcsFiles } from './cgroups.js';
import type { NodeNetwork } from './network.js';

/**
 * The node's namespaces. One holder process (`sleep infinity` under `unshare --mount --net`) owns a private
 * mount namespace and a network namespace; every node daemon is started inside both with nsenter. So:
 * - every mount the node makes (overlay root filesystems, the kubelet's volume tmpfs, pod netns bind
 *   mounts) exists only in that mount namespace and vanishes with its last process;
 * - every iptables/nftables rule, the pod bridge, the pods' veths, routes and conntrack entries exist only
 *   in that network namespace and vanish with it (no `ip netns` name is ever created on the host);
 * - host paths the daemons write to without a setting (/run/containerd, /run/xtables.lock,
 *   /var/log/containers, /var/lib/cni) are overlays on tmpfs inside the namespace, so nothing reaches the
 *   host's disk;
 * - the kubelet's kernel checks read fixed values (see kernelTunables) instead of changing the host's.
 */

/** /proc/sys values the kubelet insists on (it rewrites the host's kernel settings otherwise). */
const kernelTunables: Record<string, string> = {
  'vm/overcommit_memory': '1',
  'vm/panic_on_oom': '0',
  'kernel/panic': '10',
  'kernel/panic_on_oops': '1',
  'kernel/keys/root_maxkeys': '1000000',
  'kernel/keys/root_maxbytes': '25000000',
};

/** Host directories the node's daemons write under without a setting to move them. */
const overlaidDirs = ['/run', '/var', '/opt', '/etc'];

export function nodeScratchDir(nodeDir: string): string {
  return join(nodeDir, 'scratch');
}

/**
 * The command line that runs `command` inside the node: it joins <cgroupRoot>/node in every hierarchy,
 * then enters the holder's mount and network namespaces (same pid throughout: sh execs nsenter execs it).
 */
export function inNode(holderPid: number, cgroupRoot: string, command: string, args: string[]): [string, string[]] {
  const script = `${joinCgroups(cgroupRoot)}; exec nsenter --target ${holderPid} --mount --net -- "$@"`;
  return ['sh', ['-c', script, 'sh', command, ...args]];
}

/** The command line that runs `command` on the host, in the node's cgroup (so env:down stops it too). */
export function inNodeCgroup(cgroupRoot: string, command: string, args: string[]): [string, string[]] {
  return ['sh', ['-c', `${joinCgroups(cgroupRoot)}; exec "$@"`, 'sh', command, ...args]];
}

function joinCgroups(cgroupRoot: string): string {
  const files = nodeDaemonProcsFiles(cgroupRoot).map((f) => `'${f}'`).join(' ');
  return `for f in ${files}; do echo $$ > "$f"; done`;
}

/** Runs a short command inside the node's namespaces (not in its cgroup) to completion. */
export function runInNode(holderPid: number, command: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('nsenter', ['--target', String(holderPid), '--mount', '--net', '--', command, ...args]);
}

/** Starts the holder of the node's namespaces, inside the node's cgroup. */
export async function startHolder(cgroupRoot: string, logFile: string): Promise<number> {
  // The holder is the one process not started through nsenter: it creates the namespaces.
  const script = `${joinCgroups(cgroupRoot)}; exec unshare --mount --net --propagation private -- sleep infinity`;
  const pid = startDaemon('sh', ['-c', script], { logFile });
  await waitFor('the node namespace holder', async () => {
    if (!isAlive(pid)) throw new EnvError('the node namespace holder exited', `see ${logFile}`);
    const { stdout } = await run('readlink', [`/proc/${pid}/ns/net`, '/proc/self/ns/net']);
    const [theirs, ours] = stdout.trim().split('\n');
    return theirs !== ours;
  }, { timeoutMs: 10_000, logFile });
  return pid;
}

/** Mounts the overlays and kernel-setting masks in the node's mount namespace; sets its network sysctls. */
export async function prepareNodeNamespaces(holderPid: number, nodeDir: string): Promise<void> {
  const scratch = nodeScratchDir(nodeDir);
  mkdirSync(scratch, { recursive: true });
  const lines = [
    'set -eu',
    `mount -t tmpfs -o mode=0755,size=256m dbwarden-node '${scratch}'`,
    ...overlaidDirs.flatMap((dir) => {
      const base = `${scratch}/overlay${dir}`;
      return [
        `mkdir -p '${base}/upper' '${base}/work'`,
        `mount -t overlay dbwarden-node -o 'lowerdir=${dir},upperdir=${base}/upper,workdir=${base}/work' '${dir}'`,
      ];
    }),
    `mkdir -p '${scratch}/sysctl'`,
    ...Object.entries(kernelTunables).flatMap(([key, value]) => {
      const file = `${scratch}/sysctl/${key.replace(/\//g, '.')}`;
      return [`echo ${value} > '${file}'`, `mount --bind '${file}' '/proc/sys/${key}'`];
    }),
    'ip link set lo up',
    'sysctl -qw net.ipv4.ip_forward=1',
    'sysctl -qw net.bridge.bridge-nf-call-iptables=1',
    'sysctl -qw net.bridge.bridge-nf-call-ip6tables=1',
  ];
  await runInNode(holderPid, 'sh', ['-c', lines.join('\n')]);
}

/** Links the node's network namespace to the host with a veth pair; the node side is eth0. */
export async function linkNodeNetwork(holderPid: number, net: NodeNetwork): Promise<void> {
  // A link of this name left by a crashed run would block the new one.
  await run('ip', ['link', 'del', net.hostInterface]).catch(() => undefined);
  await run('ip', ['link', 'add', net.hostInterface, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(holderPid)]);
  await run('ip', ['addr', 'add', `${net.hostIp}/${net.linkPrefix}`, 'dev', net.hostInterface]);
  await run('ip', ['link', 'set', net.hostInterface, 'up']);
  await runInNode(holderPid, 'sh', ['-c', [
    'set -eu',
    `ip addr add ${net.nodeIp}/${net.linkPrefix} dev eth0`,
    'ip link set eth0 up',
  ].join('\n')]);
}
