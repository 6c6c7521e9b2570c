/** The operator's side: its namespace and DatabaseConnections, the operator process, and the convergence run. */
import type { KubeConfig } from '@kubernetes/client-node';
import type { DatabaseConnection } from '@dbwarden/api';
import type { EnvState } from '../hack/env/state.js';
import { Resources } from '../test/support/resources.js';
import { cpuSnapshot, cpuUsage, type CpuUsage } from './cpu.js';
import type { BenchDatabase } from './databases.js';
import type { OperatorIdentity } from './identity.js';
import { startOperatorProcess, type OperatorBuild, type OperatorProcess } from './operator-process.js';
import { apiserverMetrics, heartbeat, info, operatorMetrics, seconds, sum } from './support.js';
import { applyPolicies, ReadinessTracker, type PolicyObject } from './workload.js';

/** Creates the admin and CA Secrets and a DatabaseConnection per database, and waits for them to be Ready. */
export async function createConnections(admin: KubeConfig, namespace: string, databases: Record<string, BenchDatabase>): Promise<void> {
  const r = new Resources(admin, namespace);
  for (const [name, db] of Object.entries(databases)) {
    await r.secret(`${name}-admin`, { username: db.admin.username, password: db.admin.password });
    await r.secret(`${name}-ca`, { 'ca.crt': db.ca });
    await r.connection(name, {
      engine: db.engine, host: db.host, port: db.port, database: db.database,
      adminSecretRef: { name: `${name}-admin` },
      tls: { mode: 'verify-full', caSecretRef: { name: `${name}-ca` } },
    });
  }
  for (const name of Object.keys(databases)) {
    const c = await r.waitReady<DatabaseConnection>('databaseconnections', name, 'True', undefined, 60_000);
    info(`  DatabaseConnection ${name}: ${c.status?.serverVersion}, posture ${c.status?.posture?.summary ?? '?'}`);
  }
}

/** The real operator as a child process, authenticated as the benchmark's ServiceAccount. */
export async function startBenchOperator(opts: {
  identity: OperatorIdentity;
  namespaces: string[];
  workers: number;
  resync: string;
  build: OperatorBuild;
  logFile: string;
}): Promise<OperatorProcess> {
  const operator = await startOperatorProcess({
    build: opts.build, kubeconfig: opts.identity.kubeconfigPath, podNamespace: opts.identity.namespace, namespaces: opts.namespaces,
    args: [`--workers=${opts.workers}`, `--resync-period=${opts.resync}`], logFile: opts.logFile,
  });
  info(`  operator (${opts.build}) pid ${operator.pid}, metrics on :${operator.port}, --workers=${opts.workers} --resync-period=${opts.resync}, ` +
    `watching ${opts.namespaces.join(', ')}; log ${opts.logFile}`);
  return operator;
}

/** The counters the benchmark reads before and after each phase. */
export interface Counters {
  /** Writes by the operator's identity, from the API server's flow-control metrics. */
  apiWrites: number;
  /** Its other requests: reads (and watches). */
  apiReads: number;
  /** dbwarden_database_writes_total */
  dbWrites: number;
  reconciles: number;
  reconcileErrors: number;
  connectionReconciles: number;
  queueDepth: number;
}

export async function readCounters(env: EnvState, operatorPort: number, identity: OperatorIdentity): Promise<Counters> {
  const [api, op] = await Promise.all([apiserverMetrics(env), operatorMetrics(operatorPort)]);
  const policy = (l: Record<string, string>): boolean => l.controller === 'accesspolicy';
  return {
    apiWrites: sum(api, 'apiserver_flowcontrol_dispatched_requests_total', (l) => l.flow_schema === identity.writesFlowSchema),
    apiReads: sum(api, 'apiserver_flowcontrol_dispatched_requests_total', (l) => l.flow_schema === identity.readsFlowSchema),
    dbWrites: sum(op, 'dbwarden_database_writes_total'),
    reconciles: sum(op, 'dbwarden_reconcile_total', policy),
    reconcileErrors: sum(op, 'dbwarden_reconcile_total', (l) => policy(l) && l.result === 'error'),
    connectionReconciles: sum(op, 'dbwarden_reconcile_total', (l) => l.controller === 'connection'),
    queueDepth: sum(op, 'workqueue_depth', (l) => l.name === 'accesspolicy'),
  };
}

export const diff = (after: Counters, before: Counters): Counters => ({
  apiWrites: after.apiWrites - before.apiWrites,
  apiReads: after.apiReads - before.apiReads,
  dbWrites: after.dbWrites - before.dbWrites,
  reconciles: after.reconciles - before.reconciles,
  reconcileErrors: after.reconcileErrors - before.reconcileErrors,
  connectionReconciles: after.connectionReconciles - before.connectionReconciles,
  queueDepth: after.queueDepth,
});

export interface ConvergeResult {
  policies: number;
  /** From the first create to the moment the last policy was Ready. */
  seconds: number;
  applySeconds: number;
  /** When half of the policies were Ready. */
  halfReadySeconds: number;
  /** From the start until the operator stopped writing (the passes its own writes trigger included). */
  untilQuietSeconds: number;
  /** What the operator did from the first create until it was quiet. */
  work: Counters;
  /** Policies that were Ready and then were not, with the reason. */
  flaps: { name: string; reason: string }[];
  /** Where the CPU went from the first create until all were Ready. */
  cpu: CpuUsage;
}

/**
 * Waits until the operator has nothing queued and made no API or database write for `quietMs`
 * (delayed resyncs may still be pending). Returns when it was last busy.
 */
export async function waitQuiet(read: () => Promise<Counters>, quietMs: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  let lastChange = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await read();
    if (now.apiWrites !== last.apiWrites || now.dbWrites !== last.dbWrites || now.queueDepth > 0) lastChange = Date.now();
    last = now;
    if (Date.now() - lastChange >= quietMs) return lastChange;
  }
  throw new Error(`the operator did not become quiet within ${timeoutMs / 1000}s`);
}

/** Applies the policies with the operator running and measures until all are Ready (and until it is quiet). */
export async function converge(opts: {
  admin: KubeConfig;
  env: EnvState;
  identity: OperatorIdentity;
  operator: OperatorProcess;
  namespace: string;
  policies: readonly PolicyObject[];
  applyConcurrency: number;
  timeoutMs: number;
}): Promise<ConvergeResult> {
  const read = (): Promise<Counters> => readCounters(opts.env, opts.operator.port, opts.identity);
  const tracker = new ReadinessTracker(opts.admin, opts.namespace);
  await tracker.start();
  try {
    const before = await read();
    const n = opts.policies.length;
    const stopHeartbeat = heartbeat(10_000, (s) => `operator: ${tracker.count}/${n} Ready after ${s}s ${JSON.stringify(tracker.states())}`);
    const cpuBefore = cpuSnapshot();
    const t0 = Date.now();
    let applied = t0;
    try {
      const created = applyPolicies(opts.admin, opts.namespace, opts.policies, opts.applyConcurrency).then(() => (applied = Date.now()));
      await Promise.all([created, tracker.waitFor(n, opts.timeoutMs)]);
    } finally {
      stopHeartbeat();
    }
    const t1 = Math.max(...tracker.reached.values());
    const cpu = cpuUsage(cpuBefore, cpuSnapshot(), opts.env, opts.operator.pid);
    info(`  operator: all ${n} Ready in ${seconds(t1 - t0)}s (applied in ${seconds(applied - t0)}s); waiting until it stops writing`);
    const quietSince = await waitQuiet(read, 5_000, 120_000);
    const work = diff(await read(), before);
    const readyTimes = [...tracker.reached.values()].sort((a, b) => a - b);
    return {
      policies: n,
      seconds: seconds(t1 - t0),
      applySeconds: seconds(applied - t0),
      halfReadySeconds: seconds((readyTimes[Math.floor(n / 2)] ?? t1) - t0),
      untilQuietSeconds: seconds(quietSince - t0),
      work,
      flaps: [...tracker.flaps],
      cpu,
    };
  } finally {
    tracker.stop();
  }
}
