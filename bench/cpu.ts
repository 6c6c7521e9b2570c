/**
 * Where the CPU went during a phase, from /proc: the machine's busy share, and CPU seconds of the operator,
 * the benchmark itself, the API server, etcd, PostgreSQL (every backend) and MariaDB. On a 2-core machine
 * that runs everything, this tells whether more concurrency can help at all.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { EnvState } from '../hack/env/state.js';

const ticksPerSecond = 100;

interface Snapshot {
  at: number;
  /** Busy and total jiffies of all CPUs, from /proc/stat. */
  busy: number;
  total: number;
  /** pid → [comm, ppid, utime + stime]. */
  processes: Map<number, { comm: string; ppid: number; ticks: number }>;
}

function readProc(pid: number): { comm: string; ppid: number; ticks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // After "pid (comm) ": state ppid ... utime(14th field overall → index 11 here) stime(12) cutime(13) cstime(14).
    return { comm, ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

export function cpuSnapshot(): Snapshot {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.reduce((a, b) => a + b, 0);
  const processes = new Map<number, { comm: string; ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const p = readProc(pid);
    if (p) processes.set(pid, p);
  }
  return { at: Date.now(), busy: total - idle, total, processes };
}

export interface CpuUsage {
  seconds: number;
  /** Share of all CPUs busy, 0–100. */
  busyPercent: number;
  /** CPU seconds the whole machine spent busy (all cores). */
  busySeconds: number;
  /** CPU seconds by component. */
  bySeconds: Record<string, number>;
}

/** CPU used between two snapshots, grouped by component (processes that exited in between are not counted). */
export function cpuUsage(before: Snapshot, after: Snapshot, env: EnvState, operatorPid: number | undefined): CpuUsage {
  const pids = env.controlPlane?.pids;
  const groupOf = (pid: number, comm: string, ppid: number): string => {
    if (operatorPid !== undefined && (pid === operatorPid || ppid === operatorPid)) return 'operator';
    if (pid === process.pid) return 'benchmark';
    if (pid === pids?.apiserver) return 'kube-apiserver';
    if (pid === pids?.etcd) return 'etcd';
    if (pid === pids?.controllerManager) return 'kube-controller-manager';
    if (pid === env.postgres?.pid || ppid === env.postgres?.pid) return 'postgres';
    if (comm === 'mariadbd' || pid === env.mariadb?.pid) return 'mariadb';
    return 'other';
  };
  const bySeconds: Record<string, number> = {};
  for (const [pid, p] of after.processes) {
    const ticks = p.ticks - (before.processes.get(pid)?.ticks ?? 0);
    if (ticks <= 0) continue;
    const group = groupOf(pid, p.comm, p.ppid);
    bySeconds[group] = (bySeconds[group] ?? 0) + ticks / ticksPerSecond;
  }
  for (const k of Object.keys(bySeconds)) bySeconds[k] = Math.round(bySeconds[k]! * 10) / 10;
  const total = after.total - before.total;
  return {
    seconds: Math.round((after.at - before.at) / 100) / 10,
    busyPercent: total > 0 ? Math.round(((after.busy - before.busy) / total) * 1000) / 10 : 0,
    busySeconds: Math.round((after.busy - before.busy) / ticksPerSecond * 10) / 10,
    bySeconds,
  };
}

export const formatCpu = (u: CpuUsage): string =>
  `CPU ${u.busyPercent}% busy over ${u.seconds}s; CPU seconds: ${Object.entries(u.bySeconds).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`;
