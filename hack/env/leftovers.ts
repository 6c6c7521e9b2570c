/**
 * Operators a killed test run left behind: processes running this checkout's test bundle
 * (dist/operator/main.mjs), which would keep reconciling the shared API server and databases under the next run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

/** The pids of processes whose command line runs this checkout's operator bundle. */
export function leftoverOperators(bundlePath = join(root, 'dist', 'operator', 'main.mjs')): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(bundlePath)) pids.push(pid);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

/** Ends them (SIGKILL: a crash is what the operator is built to survive). Returns how many there were. */
export function killLeftoverOperators(): number {
  const pids = leftoverOperators();
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids.length;
}
