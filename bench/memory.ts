/**
 * Memory: the operator's resident set with thousands of AccessPolicies in its cache. They point at a
 * DatabaseConnection that does not exist, so each is cached and reconciled cheaply (Ready=False,
 * ConnectionNotFound) without a database user. Read from /proc/<pid>/status (VmRSS) of the operator process,
 * next to its own process_resident_memory_bytes and heap figures.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { OperatorProcess } from './operator-process.js';
import { heartbeat, info, operatorMetrics, rssMb, seconds, sleep, sum } from './support.js';
import { applyPolicies, ReadinessTracker, unconnectedPolicies } from './workload.js';

export interface MemoryResult {
  policies: number;
  /** Policies in the operator's cache in total (this namespace's plus the converged ones). */
  cachedPolicies: number;
  rssMbBefore: number;
  /** Highest VmRSS seen while settled. */
  rssMb: number;
  /** The operator's own process_resident_memory_bytes and V8 heap in use, at the end. */
  metricRssMb: number;
  heapUsedMb: number;
  createSeconds: number;
  allReportedSeconds: number;
}

const mb = (bytes: number): number => Math.round(bytes / 104857.6) / 10;

export async function measureMemory(opts: {
  admin: KubeConfig;
  operator: OperatorProcess;
  namespace: string;
  policies: number;
  alreadyCached: number;
  concurrency: number;
  settleMs: number;
}): Promise<MemoryResult> {
  const pid = opts.operator.pid;
  const rssMbBefore = rssMb(pid);
  const tracker = new ReadinessTracker(opts.admin, opts.namespace, { status: 'False', reason: 'ConnectionNotFound' });
  await tracker.start();
  let created = 0;
  const stopHeartbeat = heartbeat(10_000, (s) => `memory: ${created} created, ${tracker.count}/${opts.policies} ConnectionNotFound, operator RSS ${rssMb(pid)} MB after ${s}s`);
  const t0 = Date.now();
  let createSeconds = 0;
  try {
    const items = unconnectedPolicies(opts.policies);
    // In slices, to report progress while creating.
    for (let i = 0; i < items.length; i += 500) {
      await applyPolicies(opts.admin, opts.namespace, items.slice(i, i + 500), opts.concurrency);
      created = Math.min(items.length, i + 500);
    }
    createSeconds = seconds(Date.now() - t0);
    await tracker.waitFor(opts.policies, 15 * 60_000);
  } finally {
    stopHeartbeat();
    tracker.stop();
  }
  const allReportedSeconds = seconds(Date.now() - t0);
  info(`  memory: ${opts.policies} policies created in ${createSeconds}s, all reported ConnectionNotFound after ${allReportedSeconds}s; ` +
    `sampling RSS for ${seconds(opts.settleMs)}s`);
  let peak = 0;
  const until = Date.now() + opts.settleMs;
  while (Date.now() < until) {
    peak = Math.max(peak, rssMb(pid));
    await sleep(1000);
  }
  const metrics = await operatorMetrics(opts.operator.port);
  return {
    policies: opts.policies,
    cachedPolicies: opts.policies + opts.alreadyCached,
    rssMbBefore,
    rssMb: peak,
    metricRssMb: mb(sum(metrics, 'process_resident_memory_bytes')),
    heapUsedMb: mb(sum(metrics, 'nodejs_heap_size_used_bytes')),
    createSeconds,
    allReportedSeconds,
  };
}
