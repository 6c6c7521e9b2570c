/**
 * Deletion: N AccessPolicies on one PostgreSQL database (each with table grants) deleted at once, as
 * `kubectl delete accesspolicies --all` does. Every deletion revokes (DROP OWNED) and drops a user; without a
 * lock those rewrite the same catalog rows and fail with "tuple concurrently updated", to be retried. Counts
 * what the operator logged while deleting (retried reconciles, concurrent-update and deadlock errors, other
 * warnings), its failed reconciles, and the users left in pg_roles afterwards.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { accessPolicies, group, version, type AccessPolicy } from '@dbwarden/api';
import type { EnvState } from '../hack/env/state.js';
import { postgresAdmin } from '../test/support/databases.js';
import { cpuSnapshot, cpuUsage, type CpuUsage } from './cpu.js';
import type { BenchDatabase } from './databases.js';
import type { OperatorIdentity } from './identity.js';
import type { OperatorProcess } from './operator-process.js';
import { converge, readCounters, type ConvergeResult } from './operator-run.js';
import { heartbeat, info, mapLimit, seconds, sleep } from './support.js';
import { convergePolicies } from './workload.js';

export interface DeletionResult {
  policies: number;
  /** Creating them and waiting until all were Ready (PostgreSQL only). */
  create: ConvergeResult;
  /** From the first delete request until the last policy was gone. */
  seconds: number;
  /** Failed reconciles whose error was a concurrent catalog update ("tuple concurrently updated", deadlocks, serialization). */
  conflicts: number;
  /** Log lines "reconcile failed; retrying with backoff". */
  retriedLogLines: number;
  /** dbwarden_reconcile_total{controller="accesspolicy",result="error"} while deleting. */
  failedReconciles: number;
  /** Warnings and errors logged while deleting, by message (and the first line of each kind of error). */
  logCounts: Record<string, number>;
  /** Users of this namespace's policies in pg_roles before the deletion, and after. */
  usersBefore: number;
  usersLeft: number;
  cpu: CpuUsage;
}

const conflictPattern = /tuple concurrently (updated|deleted)|deadlock detected|could not serialize access/;

/** What the operator appended to its log file since `offset` (its lines are written as they come). */
function logSince(file: string, offset: number): string[] {
  const size = statSync(file).size;
  const buffer = Buffer.alloc(size - offset);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, offset);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8').split('\n').filter(Boolean);
}

/** The users the operator made for this namespace's policies: `dbw_<namespace>_<name>[_a|_b]` (usernameFor). */
async function usersOf(db: BenchDatabase, namespace: string): Promise<number> {
  const prefix = `dbw_${namespace}_`.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/_+/g, '_');
  const pg = postgresAdmin(undefined, db.database);
  await pg.connect();
  try {
    const { rows } = await pg.query<{ n: string }>('SELECT count(*) AS n FROM pg_roles WHERE starts_with(rolname, $1)', [prefix]);
    return Number(rows[0]?.n ?? 0);
  } finally {
    await pg.end();
  }
}

export async function measureDeletion(opts: {
  admin: KubeConfig;
  env: EnvState;
  identity: OperatorIdentity;
  operator: OperatorProcess;
  namespace: string;
  /** A DatabaseConnection named `pg` in the namespace, Ready, on this database. */
  database: BenchDatabase;
  policies: number;
  applyConcurrency: number;
  timeoutMs: number;
}): Promise<DeletionResult> {
  const { admin, namespace, operator } = opts;
  const n = opts.policies;
  const create = await converge({
    admin, env: opts.env, identity: opts.identity, operator, namespace,
    policies: convergePolicies(n, ['pg', 'pg']), applyConcurrency: opts.applyConcurrency, timeoutMs: opts.timeoutMs,
  });
  info(`  deletion: ${n} PostgreSQL policies Ready in ${create.seconds}s`);
  const usersBefore = await usersOf(opts.database, namespace);

  const objects = admin.makeApiClient(CustomObjectsApi);
  const list = async (): Promise<AccessPolicy[]> =>
    ((await objects.listNamespacedCustomObject({ group, version, namespace, plural: accessPolicies.plural })) as { items: AccessPolicy[] }).items;
  const names = (await list()).map((p) => p.metadata!.name!);
  const before = await readCounters(opts.env, operator.port, opts.identity);
  const logOffset = statSync(operator.logFile).size;
  const cpuBefore = cpuSnapshot();
  const t0 = Date.now();
  let left = names.length;
  const stopHeartbeat = heartbeat(10_000, (s) => `deletion: ${left} of ${names.length} policies left after ${s}s`);
  try {
    // At once: every delete request in flight together (the API server answers each in milliseconds).
    await mapLimit(names, 64, (name) => objects.deleteNamespacedCustomObject({ group, version, namespace, plural: accessPolicies.plural, name }));
    while ((left = (await list()).length) > 0) {
      if (Date.now() - t0 > opts.timeoutMs) throw new Error(`deletion: ${left} of ${n} policies still there after ${opts.timeoutMs / 1000}s`);
      await sleep(500);
    }
  } finally {
    stopHeartbeat();
  }
  const t1 = Date.now();
  const cpu = cpuUsage(cpuBefore, cpuSnapshot(), opts.env, operator.pid);
  await sleep(1000); // the last log lines reach the file
  const after = await readCounters(opts.env, operator.port, opts.identity);
  const lines = logSince(operator.logFile, logOffset);
  const logCounts: Record<string, number> = {};
  let conflicts = 0;
  let retriedLogLines = 0;
  for (const line of lines) {
    let entry: { level?: string; msg?: string; err?: { message?: string } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      if (conflictPattern.test(line)) conflicts++;
      continue;
    }
    if (entry.level === 'info' || entry.level === 'debug' || entry.level === 'trace') continue;
    // One line per failed reconcile (the policy's own "not ready" line repeats the same error: not counted twice).
    if (entry.msg?.startsWith('reconcile failed') && conflictPattern.test(line)) conflicts++;
    if (entry.msg === 'reconcile failed; retrying with backoff') retriedLogLines++;
    const key = `${entry.level} ${entry.msg}${entry.err?.message ? `: ${entry.err.message.split('\n')[0]!.slice(0, 160)}` : ''}`;
    logCounts[key] = (logCounts[key] ?? 0) + 1;
  }
  const usersLeft = await usersOf(opts.database, namespace);
  return {
    policies: n, create, seconds: seconds(t1 - t0), conflicts, retriedLogLines,
    failedReconciles: after.reconcileErrors - before.reconcileErrors, logCounts, usersBefore, usersLeft, cpu,
  };
}
