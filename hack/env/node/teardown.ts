import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, sleep } from '../proc.js';
import type { NodeState } from '../state.js';
import { nodePids, removeNodeCgroups, strayNodeCgroups } from './cgroups.js';
import { nodeNetwork } from './network.js';

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone already */
  }
}

async function linkExists(name: string): Promise<boolean> {
  return run('ip', ['link', 'show', name]).then(() => true, () => false);
}

/**
 * Stops the node totally: kills every process in its cgroup tree (daemons, shims, containers) until none is
 * left, which frees its mount and network namespaces and with them every mount, rule and interface; then
 * removes its cgroups. Needs no cooperation from the processes, so it works after a crash too.
 */
export async function teardownNode(node: NodeState): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const pids = [...new Set([...nodePids(node.cgroupRoot), ...Object.values(node.pids).filter((p): p is number => !!p)])]
      .filter((pid) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '));
    if (pids.length === 0) break;
    if (Date.now() > deadline) break;
    pids.forEach(kill);
    await sleep(200);
  }
  // The kernel removes the veth once the network namespace is freed, a moment after its last process.
  const linkDeadline = Date.now() + 10_000;
  while ((await linkExists(node.hostInterface)) && Date.now() < linkDeadline) await sleep(200);
  if (await linkExists(node.hostInterface)) await run('ip', ['link', 'del', node.hostInterface]).catch(() => undefined);
  const cgroupDeadline = Date.now() + 10_000;
  for (;;) {
    const failed = removeNodeCgroups(node.cgroupRoot, node.createdCgroups);
    if (failed.length === 0 || Date.now() > cgroupDeadline) break;
    await sleep(200);
  }
}

/** What a node of this checkout could leave on the host; empty when nothing is left. */
export async function nodeLeftovers(node: Pick<NodeState, 'cgroupRoot' | 'dir' | 'hostInterface'>): Promise<string[]> {
  const found: string[] = [];
  const pids = nodePids(node.cgroupRoot);
  if (pids.length) found.push(`processes in the node's cgroups: ${pids.join(', ')}`);
  for (const dir of strayNodeCgroups(node.cgroupRoot)) found.push(`cgroup ${dir}`);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(join('/proc', entry, 'cmdline'), 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (cmdline.includes(node.dir)) found.push(`process ${entry}: ${cmdline.slice(0, 160)}`);
  }
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    if (line.includes(node.dir) || line.includes('dbwarden-node') || line.includes('/run/netns')) found.push(`mount: ${line}`);
  }
  if (await linkExists(node.hostInterface)) found.push(`network interface ${node.hostInterface}`);
  const netns = (await run('ip', ['netns', 'list']).catch(() => ({ stdout: '' }))).stdout.trim();
  if (netns) found.push(`network namespaces: ${netns.replace(/\n/g, ', ')}`);
  const iptables = (await run('iptables-save', []).catch(() => ({ stdout: '' }))).stdout;
  const ours = iptables.split('\n').filter((l) => /KUBE-|CNI-|KUBE-ROUTER|dbwarden/.test(l));
  if (ours.length) found.push(`iptables rules: ${ours.slice(0, 5).join(' | ')}`);
  const nft = (await run('nft', ['list', 'ruleset']).catch(() => ({ stdout: '' }))).stdout;
  const tables = nft.split('\n').filter((l) => /^table .*(kube|cni|KUBE|CNI)/.test(l));
  if (tables.length) found.push(`nftables tables: ${tables.join(', ')}`);
  return found;
}

/** The leftovers check for this checkout even without a state file (e.g. after env:down removed it). */
export function nodeIdentity(cgroupRoot: string, dir: string): Pick<NodeState, 'cgroupRoot' | 'dir' | 'hostInterface'> {
  return { cgroupRoot, dir, hostInterface: nodeNetwork().hostInterface };
}
