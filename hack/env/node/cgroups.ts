import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The node's cgroups. Everything the node runs lives under one cgroup, the same path in every hierarchy:
 * the daemons (and the shims they fork) in <root>/node, the pods in <root>/kubepods (the kubelet's
 * cgroupRoot). That root sits below the cgroup env:up itself runs in, so the node's processes stay inside
 * whatever accounts for this session, and env:down finds every process of the node (containers included)
 * by reading cgroup.procs under the root, kills them, and removes the tree.
 *
 * This machine has cgroup v1 (hybrid: v1 controllers, plus a v2 `unified` mount with none); both the
 * kubelet and runc use the cgroupfs driver here, as there is no systemd to delegate to.
 */

/** Mount points of the cgroup hierarchies (v1 controllers, named v1 hierarchies, and v2). */
export function cgroupHierarchies(): string[] {
  const mounts: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    const fstype = right?.split(' ')[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const mountPoint = left?.split(' ')[4];
    if (mountPoint?.startsWith('/sys/fs/cgroup')) mounts.push(mountPoint);
  }
  return [...new Set(mounts)].sort();
}

/** The cgroup path (in the memory hierarchy, or v2) that this process runs in. */
function ownCgroup(): string {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
  const memory = lines.find((l) => l.split(':')[1]?.split(',').includes('memory'));
  const line = memory ?? lines.find((l) => l.startsWith('0::')) ?? '0::/';
  return line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1) || '/';
}

/** The node's cgroup root for this checkout, e.g. /process_api/<id>/dbwarden-<hash>. */
export function nodeCgroupRoot(hash: string): string {
  return join(ownCgroup(), `dbwarden-${hash}`);
}

function copyCpuset(dir: string): void {
  // A new v1 cpuset cgroup starts with no CPUs and no memory nodes; no task can join it until it has some.
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    const path = join(dir, file);
    if (!existsSync(path) || readFileSync(path, 'utf8').trim()) continue;
    writeFileSync(path, readFileSync(join(dirname(dir), file), 'utf8').trim());
  }
}

/** Creates <root> and <root>/node in every hierarchy; returns each directory it made (to remove later). */
export function createNodeCgroups(root: string): string[] {
  const created: string[] = [];
  for (const hierarchy of cgroupHierarchies()) {
    let dir = hierarchy;
    for (const part of [...root.split('/').filter(Boolean), 'node']) {
      dir = join(dir, part);
      if (!existsSync(dir)) {
        mkdirSync(dir);
        created.push(dir);
      }
      copyCpuset(dir);
    }
  }
  return created;
}

/** The cgroup.procs files a process writes its pid into to join <root>/node in every hierarchy. */
export function nodeDaemonProcsFiles(root: string): string[] {
  return cgroupHierarchies().map((h) => join(h, root, 'node', 'cgroup.procs'));
}

function walk(dir: string, visit: (dir: string) => void): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) walk(join(dir, entry.name), visit);
  }
  visit(dir);
}

/** Every process in the node's cgroup tree, in any hierarchy. */
export function nodePids(root: string): number[] {
  const pids = new Set<number>();
  for (const hierarchy of cgroupHierarchies()) {
    walk(join(hierarchy, root), (dir) => {
      const procs = join(dir, 'cgroup.procs');
      if (!existsSync(procs)) return;
      for (const line of readFileSync(procs, 'utf8').split('\n')) if (line.trim()) pids.add(Number(line));
    });
  }
  return [...pids];
}

/** Removes the node's cgroup tree (deepest first) and the ancestors createNodeCgroups made. */
export function removeNodeCgroups(root: string, created: string[]): string[] {
  const failed: string[] = [];
  const remove = (dir: string): void => {
    try {
      rmdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') failed.push(dir);
    }
  };
  for (const hierarchy of cgroupHierarchies()) walk(join(hierarchy, root), remove);
  // Ancestors we made (e.g. /sys/fs/cgroup/cpu/process_api/<id>), deepest first; a busy one is someone else's now.
  for (const dir of [...created].sort((a, b) => b.length - a.length)) {
    if (!existsSync(dir)) continue;
    try {
      rmdirSync(dir);
    } catch {
      /* still in use by another cgroup: not ours to remove */
    }
  }
  return failed;
}

/** Leftover cgroups named like the node's (any checkout), for the after-teardown check. */
export function strayNodeCgroups(root: string): string[] {
  const found: string[] = [];
  for (const hierarchy of cgroupHierarchies()) {
    const dir = join(hierarchy, root);
    if (existsSync(dir)) found.push(dir);
  }
  return found;
}
