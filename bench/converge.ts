/**
 * `npm run bench:converge`: how fast the operator converges AccessPolicies into database users, against a
 * sequential baseline measured in the same run; that a full resync of converged policies writes nothing; and
 * the operator's memory with thousands of policies cached; deleting many policies at once without conflicts.
 * Progress goes to stderr; the figures to stdout, ending with one JSON line.
 *
 *   npm run bench:converge -- [--policies=500] [--workers=16] [--resync=30s] [--memory-policies=5000]
 *                             [--delete-policies=500] [--operator=bundle|tsx] [--apply-concurrency=8]
 *   npm run bench:converge -- --sweep=4,8,16,32    (convergence only, one operator run per --workers value)
 *   npm run bench:converge -- --delete-only        (the deletion phase only: --delete-policies at once)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { accessPolicies, group, version, type AccessPolicy } from '@dbwarden/api';
import { parseDuration } from '@dbwarden/api/duration';
import type { EnvState } from '../hack/env/state.js';
import { applyCrds } from '../test/support/crds.js';
import { kubeConfig } from '../test/support/kube.js';
import { runBaseline, type BaselineResult } from './baseline.js';
import { removeLeftovers, removeNamespace, removeRun } from './cleanup.js';
import { formatCpu } from './cpu.js';
import { createBenchDatabase, databaseName, dropBenchDatabases, type BenchDatabase } from './databases.js';
import { createOperatorIdentity, type OperatorIdentity } from './identity.js';
import { measureDeletion, type DeletionResult } from './deletion.js';
import { measureMemory, type MemoryResult } from './memory.js';
import { deploymentNodeOptions, type OperatorBuild, type OperatorProcess } from './operator-process.js';
import { converge, createConnections, startBenchOperator, type ConvergeResult } from './operator-run.js';
import { measureSteadyState, type SteadyStateResult } from './steady-state.js';
import { apiserverMetrics, benchPrefix, ensureEnvironment, info, messageOf, runId, step, sum } from './support.js';
import { convergePolicies, createNamespace } from './workload.js';

const { values: args } = parseArgs({
  options: {
    policies: { type: 'string', default: '500' },
    workers: { type: 'string', default: '16' },
    resync: { type: 'string', default: '30s' },
    'memory-policies': { type: 'string', default: '5000' },
    'delete-policies': { type: 'string', default: '500' },
    'delete-only': { type: 'boolean', default: false },
    'apply-concurrency': { type: 'string', default: '8' },
    operator: { type: 'string', default: 'bundle' },
    sweep: { type: 'string' },
  },
  strict: true,
});
const n = Number(args.policies);
const workers = Number(args.workers);
const memoryPolicies = Number(args['memory-policies']);
const deletePolicies = Number(args['delete-policies']);
if (!Number.isInteger(deletePolicies) || deletePolicies < 1) throw new Error('--delete-policies is a whole number of at least 1');
const applyConcurrency = Number(args['apply-concurrency']);
const resyncMs = parseDuration(args.resync);
if (args.operator !== 'bundle' && args.operator !== 'tsx') throw new Error('--operator is bundle or tsx');
const build: OperatorBuild = args.operator;
const convergeTimeoutMs = 20 * 60_000;

/** Namespace names short enough that `dbw_<namespace>_p_0000_a` fits MySQL's 32 characters unhashed. */
const namespaceOf = (id: string, tag: string): string => `${benchPrefix}-${id}-${tag}`;

interface Databases {
  pg: BenchDatabase;
  my: BenchDatabase;
}

async function createDatabases(id: string, tag: string): Promise<Databases> {
  const [pg, my] = await Promise.all([
    createBenchDatabase('postgres', databaseName(id, `${tag}_pg`)),
    createBenchDatabase('mysql', databaseName(id, `${tag}_my`)),
  ]);
  return { pg, my };
}

async function readyCount(admin: KubeConfig, namespace: string): Promise<number> {
  const list = (await admin.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ group, version, namespace, plural: accessPolicies.plural })) as { items: AccessPolicy[] };
  return list.items.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True' && c.observedGeneration === p.metadata?.generation)).length;
}

async function identityRequests(env: EnvState, identity: OperatorIdentity): Promise<{ writes: number; reads: number }> {
  const api = await apiserverMetrics(env);
  const of = (schema: string): number => sum(api, 'apiserver_flowcontrol_dispatched_requests_total', (l) => l.flow_schema === schema);
  return { writes: of(identity.writesFlowSchema), reads: of(identity.readsFlowSchema) };
}

type Baseline = BaselineResult & { apiWrites: number; apiReads: number };

async function baselinePhase(admin: KubeConfig, env: EnvState, identity: OperatorIdentity, id: string): Promise<Baseline> {
  const namespace = namespaceOf(id, 'base');
  await createNamespace(admin, namespace, id);
  const dbs = await createDatabases(id, 'base');
  const before = await identityRequests(env, identity);
  const result = await runBaseline({
    env, admin, writer: identity.kubeConfig, namespace, databases: { pg: dbs.pg, my: dbs.my }, policies: convergePolicies(n, ['pg', 'my']), applyConcurrency,
  });
  const after = await identityRequests(env, identity);
  const ready = await readyCount(admin, namespace);
  if (ready !== n) throw new Error(`baseline: only ${ready} of ${n} policies are Ready after the run`);
  info(`  baseline: ${n} policies in ${result.seconds}s (${(n / result.seconds).toFixed(1)}/s), ${after.writes - before.writes} API writes, ${result.dbWrites} database writes`);
  info(`  baseline: ${formatCpu(result.cpu)}`);
  await removeNamespace(admin, namespace);
  await dropBenchDatabases(databaseName(id, 'base'));
  return { ...result, apiWrites: after.writes - before.writes, apiReads: after.reads - before.reads };
}

/** Creates the DatabaseConnections in the operator's namespace and measures convergence of the policies. */
async function operatorConverge(admin: KubeConfig, env: EnvState, identity: OperatorIdentity, namespace: string, dbs: Databases,
  operator: OperatorProcess): Promise<ConvergeResult> {
  await createConnections(admin, namespace, { pg: dbs.pg, my: dbs.my });
  const result = await converge({
    admin, env, identity, operator, namespace, policies: convergePolicies(n, ['pg', 'my']), applyConcurrency, timeoutMs: convergeTimeoutMs,
  });
  const w = result.work;
  info(`  operator: ${n} policies in ${result.seconds}s (${(n / result.seconds).toFixed(1)}/s), half Ready at ${result.halfReadySeconds}s, ` +
    `quiet at ${result.untilQuietSeconds}s; ${w.apiWrites} API writes, ${w.apiReads} API reads, ${w.dbWrites} database writes, ` +
    `${w.reconciles} reconciles (${w.reconcileErrors} failed), ${w.connectionReconciles} connection reconciles, ${result.flaps.length} Ready→not Ready flaps`);
  info(`  operator: ${formatCpu(result.cpu)}`);
  return result;
}

const perPolicy = (x: number): string => (x / n).toFixed(2);

/** The commit the operator ran from, and whether operator/ or crds/ had uncommitted changes. */
function revision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'operator', 'api', 'crds'], { encoding: 'utf8' }).trim();
    return `${head}${dirty ? ' + uncommitted changes in operator/ or crds/' : ''}`;
  } catch {
    return 'unknown';
  }
}

function summarise(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** The deletion figures, as lines for the report and fields for the JSON line. */
function deletionReport(d: DeletionResult): { lines: string[]; json: Record<string, number> } {
  const kinds = Object.entries(d.logCounts).sort((a, b) => b[1] - a[1]);
  return {
    lines: [
      `  deletion   ${d.policies} PostgreSQL policies (Ready in ${d.create.seconds}s) deleted at once: all gone in ${d.seconds}s; ` +
        `${d.conflicts} conflicts (reconciles failed with tuple concurrently updated, a deadlock or a serialization failure), ${d.retriedLogLines} reconciles retried, ${d.failedReconciles} failed reconciles; ` +
        `users ${d.usersBefore} before, ${d.usersLeft} left in pg_roles (target: 0 conflicts, 0 retries, 0 left: ` +
        `${d.conflicts === 0 && d.retriedLogLines === 0 && d.failedReconciles === 0 && d.usersLeft === 0 ? 'met' : 'NOT met'})`,
      `             ${formatCpu(d.cpu)}`,
      `             warnings and errors logged while deleting: ${kinds.length ? kinds.slice(0, 8).map(([k, v]) => `${v}× ${k}`).join('; ') : 'none'}`,
    ],
    json: {
      deletePolicies: d.policies, deleteSeconds: d.seconds, deleteConflicts: d.conflicts,
      deleteRetries: d.retriedLogLines, deleteFailedReconciles: d.failedReconciles, deleteUsersLeft: d.usersLeft,
    },
  };
}

function printFull(r: { baseline: Baseline; conv: ConvergeResult; steady: SteadyStateResult; memory: MemoryResult; deletion: DeletionResult; operator: OperatorProcess }): void {
  const { baseline, conv, steady, memory, operator } = r;
  const deletion = deletionReport(r.deletion);
  const speedup = baseline.seconds / conv.seconds;
  const out = (line = ''): boolean => process.stdout.write(`${line}\n`);
  out();
  out(`dbwarden convergence benchmark: ${n} AccessPolicies (half PostgreSQL, half MariaDB); operator ${build === 'bundle' ? `bundle (dist/operator/main.mjs, as the image runs it, NODE_OPTIONS=${deploymentNodeOptions() || 'none'} as config/manager sets it)` : 'from sources with tsx'}, ` +
    `--workers=${workers} --resync-period=${args.resync}; revision ${revision()}`);
  out(`  converge   operator  ${conv.seconds.toFixed(2)} s  ${(n / conv.seconds).toFixed(1)} policies/s  (apply ${conv.applySeconds}s, half Ready ${conv.halfReadySeconds}s, quiet ${conv.untilQuietSeconds}s)`);
  out(`             baseline  ${baseline.seconds.toFixed(2)} s  ${(n / baseline.seconds).toFixed(1)} policies/s  (apply ${baseline.applySeconds}s, then one policy after another)`);
  out(`             speedup   ${speedup.toFixed(2)}×  (target ≥ 2×: ${speedup >= 2 ? 'met' : 'NOT met'})`);
  const msPerPolicy = (busySeconds: number): string => `${Math.round((busySeconds / n) * 1000)} ms`;
  out(`  CPU        operator  ${formatCpu(conv.cpu)}`);
  out(`             baseline  ${formatCpu(baseline.cpu)}`);
  out(`             machine CPU per policy: operator ${msPerPolicy(conv.cpu.busySeconds)}, baseline ${msPerPolicy(baseline.cpu.busySeconds)}; ` +
    `the baseline alone kept the machine ${baseline.cpu.busyPercent}% busy: at its CPU cost per policy, running policies concurrently ` +
    `could make it at most ${(100 / Math.max(baseline.cpu.busyPercent, 1)).toFixed(2)}× faster on this machine`);
  const w = conv.work;
  out(`  work       operator  per policy: ${perPolicy(w.apiWrites)} API writes, ${perPolicy(w.apiReads)} API reads, ${perPolicy(w.dbWrites)} DB writes, ` +
    `${perPolicy(w.reconciles)} reconciles (${w.reconcileErrors} failed in all), ${perPolicy(w.connectionReconciles)} connection reconciles`);
  out(`             baseline  per policy: ${perPolicy(baseline.apiWrites)} API writes, ${perPolicy(baseline.apiReads)} API reads, ${perPolicy(baseline.dbWrites)} DB writes, 1 pass`);
  if (conv.flaps.length) out(`             ${conv.flaps.length} policies went Ready → not Ready during convergence: ${JSON.stringify(summarise(conv.flaps.map((f) => f.reason)))}`);
  out(`  resync     ${steady.windowSeconds}s window: ${steady.operator.reconciles} accesspolicy reconciles (${steady.operator.reconcileErrors} failed), ${steady.operator.connectionReconciles} connection reconciles`);
  out(`             API writes by the operator ${steady.operator.apiWrites} (flow-control counter of its identity; ${steady.operator.apiReads} reads); ` +
    `by all clients to these resources: ${JSON.stringify(steady.apiWritesAllClients)}`);
  out(`             objects changed in its namespace: ${steady.changedObjects.length ? steady.changedObjects.slice(0, 10).join(', ') : 'none'}; new Events: ${steady.newEvents.length ? steady.newEvents.slice(0, 5).join('; ') : 'none'}`);
  out(`             database writes ${steady.operator.dbWrites} (dbwarden_database_writes_total); PostgreSQL catalogs ` +
    `${steady.postgresCatalogsChanged.length ? `CHANGED: ${steady.postgresCatalogsChanged.join(', ')}` : 'unchanged'}; MariaDB privilege statements by all clients: ${JSON.stringify(steady.mariadbStatementsAllClients)}`);
  const passes = Math.max(steady.operator.reconciles, 1);
  const operatorCpu = steady.cpu.bySeconds.operator ?? 0;
  const databaseCpu = (steady.cpu.bySeconds.postgres ?? 0) + (steady.cpu.bySeconds.mariadb ?? 0);
  const ms = (cpuSeconds: number): string => ((cpuSeconds / passes) * 1000).toFixed(1);
  out(`             ${formatCpu(steady.cpu)}`);
  out(`             per no-op pass: operator ${ms(operatorCpu)} ms and databases ${ms(databaseCpu)} ms of CPU (the API server only serves the reads above), ` +
    `so one core re-checks about ${Math.round(passes / Math.max(operatorCpu + databaseCpu, 0.001))} policies a second: size --resync-period to the policy count. ` +
    `The machine as a whole spent ${ms(steady.cpu.busySeconds)} ms per pass, other clients' work included (such as the deletions above)`);
  out(`  memory     ${memory.policies} unconnected policies (${memory.cachedPolicies} cached in all): VmRSS ${memory.rssMb} MB peak while settled (${memory.rssMbBefore} MB before; ` +
    `process_resident_memory_bytes ${memory.metricRssMb} MB, V8 heap used ${memory.heapUsedMb} MB); target ≤ 250 MB: ${memory.rssMb <= 250 ? 'met' : 'NOT met'}`);
  for (const line of deletion.lines) out(line);
  out(`  operator   log ${operator.logFile}; warnings and errors: ${Object.keys(operator.logCounts).length ? JSON.stringify(operator.logCounts) : 'none'}` +
    `${operator.forbidden.length ? `; REFUSED BY RBAC: ${operator.forbidden[0]}` : ''}`);
  out(JSON.stringify({
    policies: n,
    seconds: conv.seconds,
    baselineSeconds: baseline.seconds,
    speedup: Math.round(speedup * 100) / 100,
    noopApiWrites: steady.operator.apiWrites,
    noopDbStatements: steady.operator.dbWrites,
    rssMbAt5000: memory.rssMb,
    ...deletion.json,
  }));
}

async function sweep(admin: KubeConfig, env: EnvState, identity: OperatorIdentity, id: string, outDir: string, values: number[],
  track: (o: OperatorProcess | undefined) => void): Promise<void> {
  const rows: { workers: number; seconds: number; perSecond: number; apiWrites: number; reconciles: number; errors: number; cpu: string }[] = [];
  for (const w of values) {
    const namespace = namespaceOf(id, `w${w}`);
    const conv = await step(`Sweep: operator --workers=${w}, ${n} policies`, async () => {
      await createNamespace(admin, namespace, id);
      const dbs = await createDatabases(id, `w${w}`);
      const operator = await startBenchOperator({ identity, namespaces: [namespace], workers: w, resync: args.resync, build, logFile: join(outDir, `operator-w${w}.log`) });
      track(operator);
      try {
        return await operatorConverge(admin, env, identity, namespace, dbs, operator);
      } finally {
        await operator.stop();
        track(undefined);
        await removeNamespace(admin, namespace);
        await dropBenchDatabases(databaseName(id, `w${w}`));
      }
    });
    rows.push({ workers: w, seconds: conv.seconds, perSecond: Math.round((n / conv.seconds) * 10) / 10, apiWrites: conv.work.apiWrites,
      reconciles: conv.work.reconciles, errors: conv.work.reconcileErrors, cpu: `${conv.cpu.busyPercent}%` });
  }
  process.stdout.write(`\nworkers sweep, ${n} policies (operator ${build}):\n${rows.map((r) => `  --workers=${String(r.workers).padEnd(3)} ${r.seconds.toFixed(2).padStart(7)} s  ` +
    `${String(r.perSecond).padStart(6)} policies/s  CPU ${r.cpu} busy  ${r.apiWrites} API writes  ${r.reconciles} reconciles  ${r.errors} failed`).join('\n')}\n`);
  process.stdout.write(`${JSON.stringify({ policies: n, sweep: rows })}\n`);
}

async function main(): Promise<void> {
  const env = await ensureEnvironment();
  const admin = kubeConfig();
  await step('Applying the CRDs', () => applyCrds(admin));
  await step('Removing what earlier runs left behind', () => removeLeftovers(admin));
  const id = runId();
  const outDir = mkdtempSync(join(tmpdir(), `${benchPrefix}-${id}-out-`));
  info(`run ${id}: namespaces ${benchPrefix}-${id}-*, databases ${benchPrefix}_${id}_*, logs in ${outDir}`);

  let operator: OperatorProcess | undefined;
  let identity: OperatorIdentity | undefined;
  let cleaned: Promise<void> | undefined;
  const cleanup = (): Promise<void> => (cleaned ??= step(`Cleaning up run ${id}`, async () => {
    await operator?.stop();
    await removeRun(admin, id);
    identity?.removeFiles();
  }));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      info(`${signal}: cleaning up before exiting`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    const made = await step('Creating the operator\'s ServiceAccount (config/rbac ClusterRole) and FlowSchemas', () => createOperatorIdentity(admin, id));
    identity = made;
    if (args.sweep) {
      await sweep(admin, env, made, id, outDir, args.sweep.split(',').map(Number), (o) => (operator = o));
      return;
    }
    const del = namespaceOf(id, 'del');
    const deletionPhase = async (running: OperatorProcess): Promise<DeletionResult> => {
      const database = await createBenchDatabase('postgres', databaseName(id, 'del_pg'));
      await createConnections(admin, del, { pg: database });
      return measureDeletion({ admin, env, identity: made, operator: running, namespace: del, database, policies: deletePolicies, applyConcurrency, timeoutMs: convergeTimeoutMs });
    };
    if (args['delete-only']) {
      await createNamespace(admin, del, id);
      const running = await startBenchOperator({ identity: made, namespaces: [del], workers, resync: args.resync, build, logFile: join(outDir, 'operator.log') });
      operator = running;
      const deletion = await step(`Deletion: ${deletePolicies} PostgreSQL policies deleted at once`, () => deletionPhase(running));
      await cleanup().catch((err: unknown) => info(`cleanup failed (the next run removes what is left): ${messageOf(err)}`));
      const report = deletionReport(deletion);
      process.stdout.write(`\ndbwarden deletion benchmark: operator --workers=${workers}; revision ${revision()}\n${report.lines.join('\n')}\n` +
        `  operator   log ${running.logFile}${running.forbidden.length ? `; REFUSED BY RBAC: ${running.forbidden[0]}` : ''}\n${JSON.stringify(report.json)}\n`);
      return;
    }

    const baseline = await step(`Baseline: ${n} policies provisioned one after another (same SQL, same API writes)`, () => baselinePhase(admin, env, made, id));

    const conv = namespaceOf(id, 'op');
    const mem = namespaceOf(id, 'mem');
    const { result: convergeResult, dbs, running } = await step(`Operator: ${n} policies, --workers=${workers}`, async () => {
      await createNamespace(admin, conv, id);
      await createNamespace(admin, mem, id);
      await createNamespace(admin, del, id);
      const dbs = await createDatabases(id, 'op');
      const running = await startBenchOperator({ identity: made, namespaces: [conv, mem, del], workers, resync: args.resync, build, logFile: join(outDir, 'operator.log') });
      operator = running;
      return { result: await operatorConverge(admin, env, made, conv, dbs, running), dbs, running };
    });

    const steady = await step(`Steady state: one full resync (${args.resync}) of ${n} converged policies`, () => measureSteadyState({
      admin, env, identity: made, operatorPort: running.port, namespace: conv, postgres: [dbs.pg], resyncMs, policies: n, operatorPid: running.pid,
    }));
    info(`  steady state: ${steady.operator.reconciles} reconciles, ${steady.operator.apiWrites} API writes, ${steady.operator.dbWrites} database writes`);

    const memory = await step(`Memory: ${memoryPolicies} AccessPolicies on a missing DatabaseConnection`, () => measureMemory({
      admin, operator: running, namespace: mem, policies: memoryPolicies, alreadyCached: n, concurrency: 32, settleMs: 30_000,
    }));
    info(`  memory: operator VmRSS ${memory.rssMb} MB with ${memory.cachedPolicies} policies cached`);

    const deletion = await step(`Deletion: ${deletePolicies} PostgreSQL policies deleted at once`, () => deletionPhase(running));
    info(`  deletion: ${deletion.conflicts} conflicts, ${deletion.retriedLogLines} retries, ${deletion.usersLeft} users left`);

    // A cleanup that fails (a loaded API server timing out a collection delete) must not lose the figures: the
    // next run removes what is left.
    await cleanup().catch((err: unknown) => info(`cleanup failed (the next run removes what is left): ${messageOf(err)}`));
    printFull({ baseline, conv: convergeResult, steady, memory, deletion, operator: running });
  } finally {
    await cleanup().catch((err: unknown) => info(`cleanup failed: ${messageOf(err)}`));
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench:converge failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
