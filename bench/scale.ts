/**
 * `npm run bench:scale`: what one operator costs as the number of policies grows. Progress goes to stderr; the
 * figures to stdout, ending with one JSON line.
 *
 * 1. **Steady state by size** (`--sizes=500,5000`): the policies of bench:converge (half on one PostgreSQL
 *    database, half on one MariaDB database, read-only on two shop tables, every other one column-limited) are
 *    created in steps up to each size; at each size a new operator (a resync period sized to the policy count,
 *    `--pass-budget` of machine CPU per pass) converges them, and one full resync of the converged policies is
 *    measured: the operator's and the databases' CPU per no-op pass. Flat means the same figure at each size.
 * 2. **Many databases** (`--big=50000 --databases=50`; `--big=0` skips it): as many policies over that many
 *    databases (half PostgreSQL, half MariaDB, in the local servers), one operator: the time until all are
 *    Ready, its RSS once settled, the CPU of no-op passes over a `--window`, and the time one changed policy
 *    takes to be Ready again (`--changes` times) while the others stay cached. `--cached=N` adds N policies on
 *    a missing connection (cached and reconciled cheaply, as in bench:converge's memory phase), to reach a
 *    policy count whose databases would take hours to converge on a small machine.
 *
 *   npm run bench:scale -- [--sizes=500,5000] [--big=50000] [--databases=50] [--cached=0] [--workers=16] [--window=120s]
 *                          [--pass-budget=30ms] [--changes=5] [--operator=bundle|tsx] [--apply-concurrency=16]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { accessPolicies, group, version, type AccessPolicy, type AccessPolicySpec } from '@dbwarden/api';
import { parseDuration } from '@dbwarden/api/duration';
import type { EnvState } from '../hack/env/state.js';
import { applyCrds } from '../test/support/crds.js';
import { kubeConfig } from '../test/support/kube.js';
import { removeLeftovers, removeRun } from './cleanup.js';
import { cpuSnapshot, cpuUsage, formatCpu, type CpuUsage } from './cpu.js';
import { createBenchDatabase, databaseName, type BenchDatabase } from './databases.js';
import { createOperatorIdentity, type OperatorIdentity } from './identity.js';
import type { OperatorBuild, OperatorProcess } from './operator-process.js';
import { createConnections, diff, readCounters, startBenchOperator, waitQuiet, type Counters } from './operator-run.js';
import { measureSteadyState } from './steady-state.js';
import { benchPrefix, ensureEnvironment, heartbeat, info, mapLimit, messageOf, rssMb, runId, seconds, sleep, step } from './support.js';
import { applyPolicies, createNamespace, ReadinessTracker, unconnectedPolicies, type PolicyObject } from './workload.js';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '500,5000' },
    big: { type: 'string', default: '50000' },
    databases: { type: 'string', default: '50' },
    cached: { type: 'string', default: '0' },
    workers: { type: 'string', default: '16' },
    window: { type: 'string', default: '120s' },
    'pass-budget': { type: 'string', default: '30ms' },
    changes: { type: 'string', default: '5' },
    'apply-concurrency': { type: 'string', default: '16' },
    operator: { type: 'string', default: 'bundle' },
  },
  strict: true,
});
const sizes = args.sizes.split(',').filter(Boolean).map(Number);
const big = Number(args.big);
const databaseCount = Number(args.databases);
const cachedCount = Number(args.cached);
const workers = Number(args.workers);
const windowMs = parseDuration(args.window);
const passBudgetMs = parseDuration(args['pass-budget']);
const changes = Number(args.changes);
const applyConcurrency = Number(args['apply-concurrency']);
if (sizes.some((s) => !Number.isInteger(s) || s < 2) || [...sizes].sort((a, b) => a - b).join() !== sizes.join()) throw new Error('--sizes: increasing whole numbers of at least 2');
if (!Number.isInteger(big) || big < 0) throw new Error('--big is a whole number (0 skips the phase)');
if (big > 0 && (!Number.isInteger(databaseCount) || databaseCount < 2 || databaseCount % 2)) throw new Error('--databases is an even number of at least 2');
if (!Number.isInteger(cachedCount) || cachedCount < 0) throw new Error('--cached is a whole number');
if (args.operator !== 'bundle' && args.operator !== 'tsx') throw new Error('--operator is bundle or tsx');
const build: OperatorBuild = args.operator;
const timeoutFor = (policies: number): number => Math.max(20 * 60_000, policies * 400);

/** Read-only on two shop tables, every other one column-limited (bench:converge's mix). */
const tableSets: AccessPolicySpec['tables'][] = [
  [{ name: 'products' }, { name: 'orders' }],
  [{ name: 'users', columns: ['id', 'full_name', 'created_at'] }, { name: 'orders' }],
  [{ name: 'products' }, { name: 'payments' }],
  [{ name: 'orders', columns: ['id', 'customer_id', 'total', 'status', 'created_at'] }, { name: 'products' }],
];

/** Policies [from, to) spread over the connections in turn. */
function policies(prefix: string, from: number, to: number, connections: readonly string[]): PolicyObject[] {
  return Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    return {
      name: `${prefix}-${String(i).padStart(5, '0')}`,
      spec: { connectionRef: { name: connections[i % connections.length]! }, access: 'read-only', tables: tableSets[Math.floor(i / connections.length) % tableSets.length]! },
    };
  });
}

/** A resync period in which one no-op pass per policy costs the machine about `--pass-budget` of CPU a pass. */
const resyncFor = (policies: number): string => `${Math.max(30, Math.ceil((policies * passBudgetMs) / 1000))}s`;

/** Creates the policies (in slices, reporting progress) and waits until `total` policies of the namespace are Ready. */
async function applyAndWait(admin: KubeConfig, env: EnvState, operator: OperatorProcess, namespace: string, items: readonly PolicyObject[], total: number,
  label: string): Promise<{ seconds: number; cpu: CpuUsage }> {
  const tracker = new ReadinessTracker(admin, namespace);
  await tracker.start();
  let created = 0;
  const stop = heartbeat(15_000, (s) => `${label}: ${created}/${items.length} created, ${tracker.count}/${total} Ready after ${s}s ${JSON.stringify(tracker.states())}`);
  const t0 = Date.now();
  const cpuBefore = cpuSnapshot();
  try {
    const applying = (async () => {
      for (let i = 0; i < items.length; i += 1000) {
        await applyPolicies(admin, namespace, items.slice(i, i + 1000), applyConcurrency);
        created = Math.min(items.length, i + 1000);
      }
    })();
    await Promise.all([applying, tracker.waitFor(total, timeoutFor(total))]);
  } finally {
    stop();
    tracker.stop();
  }
  return { seconds: seconds(Date.now() - t0), cpu: cpuUsage(cpuBefore, cpuSnapshot(), env, operator.pid) };
}

interface SizeResult {
  policies: number;
  resync: string;
  passes: number;
  operatorCpuMsPerPass: number;
  postgresCpuMsPerPass: number;
  mariadbCpuMsPerPass: number;
  dbCpuMsPerPass: number;
  apiWrites: number;
  dbWrites: number;
  rssMb: number;
  cpu: string;
}

const perPass = (cpuSeconds: number | undefined, passes: number): number => Math.round(((cpuSeconds ?? 0) / Math.max(passes, 1)) * 1e4) / 10;

async function steadyBySize(admin: KubeConfig, env: EnvState, identity: OperatorIdentity, id: string, outDir: string,
  track: (o: OperatorProcess | undefined) => void): Promise<SizeResult[]> {
  const namespace = `${benchPrefix}-${id}-st`;
  await createNamespace(admin, namespace, id);
  const [pg, my] = await Promise.all([
    createBenchDatabase('postgres', databaseName(id, 'st_pg')),
    createBenchDatabase('mysql', databaseName(id, 'st_my')),
  ]);
  const results: SizeResult[] = [];
  let made = 0;
  for (const size of sizes) {
    const resync = resyncFor(size);
    const result = await step(`Steady state at ${size} policies (one PostgreSQL and one MariaDB database), --resync-period=${resync}`, async () => {
      const operator = await startBenchOperator({ identity, namespaces: [namespace], workers, resync, build, logFile: join(outDir, `operator-${size}.log`) });
      track(operator);
      try {
        if (made === 0) await createConnections(admin, namespace, { pg, my });
        const converged = await applyAndWait(admin, env, operator, namespace, policies('p', made, size, ['pg', 'my']), size, `${size} policies`);
        made = size;
        info(`  ${size} policies Ready ${converged.seconds}s after the first of ${size - (results.at(-1)?.policies ?? 0)} new ones was created`);
        const read = (): Promise<Counters> => readCounters(env, operator.port, identity);
        await waitQuiet(read, 5_000, timeoutFor(size));
        const steady = await measureSteadyState({
          admin, env, identity, operatorPort: operator.port, namespace, postgres: [pg], resyncMs: parseDuration(resync), policies: size, operatorPid: operator.pid,
        });
        const passes = steady.operator.reconciles;
        const postgres = perPass(steady.cpu.bySeconds.postgres, passes);
        const mariadb = perPass(steady.cpu.bySeconds.mariadb, passes);
        const r: SizeResult = {
          policies: size, resync, passes,
          operatorCpuMsPerPass: perPass(steady.cpu.bySeconds.operator, passes),
          postgresCpuMsPerPass: postgres, mariadbCpuMsPerPass: mariadb, dbCpuMsPerPass: Math.round((postgres + mariadb) * 10) / 10,
          apiWrites: steady.operator.apiWrites, dbWrites: steady.operator.dbWrites, rssMb: rssMb(operator.pid), cpu: formatCpu(steady.cpu),
        };
        info(`  ${size}: ${passes} no-op passes in ${steady.windowSeconds}s; per pass operator ${r.operatorCpuMsPerPass} ms, PostgreSQL ${postgres} ms, ` +
          `MariaDB ${mariadb} ms of CPU; ${r.apiWrites} API writes, ${r.dbWrites} database writes; RSS ${r.rssMb} MB`);
        return r;
      } finally {
        await operator.stop();
        track(undefined);
      }
    });
    results.push(result);
  }
  return results;
}

interface BigResult {
  /** All the policies the operator holds: `connected` on the databases, the rest on a missing connection. */
  policies: number;
  connected: number;
  databases: number;
  convergeSeconds: number;
  rssMb: number;
  noopPasses: number;
  noopOperatorCpuMsPerPass: number;
  noopDbCpuMsPerPass: number;
  singleChangeReadyMs: number[];
  cpu: string;
}

/** Changes one policy's tables and returns the ms until it is Ready for its new generation. */
async function timeOneChange(admin: KubeConfig, namespace: string, name: string, i: number, connections: number): Promise<number> {
  const objects = admin.makeApiClient(CustomObjectsApi);
  // The next table set after the one `policies()` gave it: always a change.
  const tables = tableSets[(Math.floor(i / connections) + 1) % tableSets.length]!;
  const t0 = performance.now();
  const patched = (await objects.patchNamespacedCustomObject({
    group, version, namespace, plural: accessPolicies.plural, name, body: [{ op: 'replace', path: '/spec/tables', value: tables }],
  })) as AccessPolicy;
  const generation = patched.metadata?.generation;
  if (generation === undefined || generation < 2) throw new Error(`${name}: the patch made no new generation`);
  for (;;) {
    const p = (await objects.getNamespacedCustomObject({ group, version, namespace, plural: accessPolicies.plural, name })) as AccessPolicy;
    if (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True' && c.observedGeneration === generation)) return Math.round(performance.now() - t0);
    if (performance.now() - t0 > 120_000) throw new Error(`${name} was not Ready for generation ${generation} within 120 s`);
    await sleep(20);
  }
}

async function manyDatabases(admin: KubeConfig, env: EnvState, identity: OperatorIdentity, id: string, outDir: string,
  track: (o: OperatorProcess | undefined) => void): Promise<BigResult> {
  const namespace = `${benchPrefix}-${id}-big`;
  await createNamespace(admin, namespace, id);
  const names = Array.from({ length: databaseCount }, (_, i) => `db${String(i).padStart(2, '0')}`);
  const dbs: Record<string, BenchDatabase> = {};
  await step(`Creating ${databaseCount} databases (half PostgreSQL, half MariaDB)`, () => mapLimit(names, 4, async (name, i) => {
    dbs[name] = await createBenchDatabase(i % 2 === 0 ? 'postgres' : 'mysql', databaseName(id, `big_${name}`));
  }));
  const resync = resyncFor(big);
  const operator = await startBenchOperator({ identity, namespaces: [namespace], workers, resync, build, logFile: join(outDir, 'operator-big.log') });
  track(operator);
  try {
    await step(`Creating their ${databaseCount} DatabaseConnections`, () => createConnections(admin, namespace, dbs));
    const converged = await step(`${big} policies over ${databaseCount} databases, one operator (--resync-period=${resync})`,
      () => applyAndWait(admin, env, operator, namespace, policies('b', 0, big, names), big, `${big} policies`));
    info(`  all ${big} Ready in ${converged.seconds}s; ${formatCpu(converged.cpu)}`);
    if (cachedCount > 0) {
      await step(`${cachedCount} more policies on a missing DatabaseConnection (cached, Ready=False ConnectionNotFound)`, async () => {
        const tracker = new ReadinessTracker(admin, namespace, { status: 'False', reason: 'ConnectionNotFound' });
        await tracker.start();
        const stop = heartbeat(15_000, (s) => `cached: ${tracker.count}/${cachedCount} ConnectionNotFound after ${s}s, operator RSS ${rssMb(operator.pid)} MB`);
        try {
          const items = unconnectedPolicies(cachedCount);
          for (let i = 0; i < items.length; i += 1000) await applyPolicies(admin, namespace, items.slice(i, i + 1000), applyConcurrency);
          await tracker.waitFor(cachedCount, timeoutFor(cachedCount));
        } finally {
          stop();
          tracker.stop();
        }
      });
    }
    const read = (): Promise<Counters> => readCounters(env, operator.port, identity);
    await step('Waiting until the operator is quiet', () => waitQuiet(read, 5_000, timeoutFor(big)));
    const window = await step(`No-op passes and memory over ${args.window}`, async () => {
      const before = await read();
      const cpuBefore = cpuSnapshot();
      let peak = 0;
      const until = Date.now() + windowMs;
      while (Date.now() < until) {
        peak = Math.max(peak, rssMb(operator.pid));
        await sleep(1000);
      }
      return { counters: diff(await read(), before), cpu: cpuUsage(cpuBefore, cpuSnapshot(), env, operator.pid), peak };
    });
    const passes = window.counters.reconciles;
    const db = (window.cpu.bySeconds.postgres ?? 0) + (window.cpu.bySeconds.mariadb ?? 0);
    info(`  ${passes} no-op passes in ${args.window}: ${window.counters.apiWrites} API writes, ${window.counters.dbWrites} database writes; RSS peak ${window.peak} MB`);
    const singleChangeReadyMs: number[] = [];
    await step(`One policy changed at a time, ${changes} times, with the other ${big + cachedCount - 1} cached`, async () => {
      for (let k = 0; k < changes; k++) {
        const i = Math.floor(((k + 0.5) * big) / changes);
        singleChangeReadyMs.push(await timeOneChange(admin, namespace, `b-${String(i).padStart(5, '0')}`, i, names.length));
        info(`  change ${k + 1}: Ready in ${singleChangeReadyMs.at(-1)} ms`);
      }
    });
    return {
      policies: big + cachedCount, connected: big, databases: databaseCount, convergeSeconds: converged.seconds, rssMb: window.peak,
      noopPasses: passes, noopOperatorCpuMsPerPass: perPass(window.cpu.bySeconds.operator, passes), noopDbCpuMsPerPass: perPass(db, passes),
      singleChangeReadyMs, cpu: formatCpu(window.cpu),
    };
  } finally {
    await operator.stop();
    track(undefined);
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};

function report(steady: SizeResult[], many: BigResult | undefined): void {
  const out = (line = ''): boolean => process.stdout.write(`${line}\n`);
  out();
  out(`dbwarden scale benchmark: operator ${build}, --workers=${workers}`);
  for (const r of steady) {
    out(`  steady ${String(r.policies).padStart(6)} policies  --resync-period=${r.resync}: ${r.passes} no-op passes; per pass operator ${r.operatorCpuMsPerPass} ms, ` +
      `databases ${r.dbCpuMsPerPass} ms (PostgreSQL ${r.postgresCpuMsPerPass}, MariaDB ${r.mariadbCpuMsPerPass}); ${r.apiWrites} API writes, ${r.dbWrites} database writes; RSS ${r.rssMb} MB`);
    out(`         ${r.cpu}`);
  }
  const first = steady[0];
  const last = steady.at(-1);
  if (first && last && first !== last) {
    const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(2) : 'n/a');
    const within = (a: number, b: number): boolean => b > 0 && Math.abs(a / b - 1) <= 0.25;
    out(`  flat?  ${last.policies} vs ${first.policies}: operator per pass ×${ratio(last.operatorCpuMsPerPass, first.operatorCpuMsPerPass)}, databases per pass ` +
      `×${ratio(last.dbCpuMsPerPass, first.dbCpuMsPerPass)} (target within ±25%: ${within(last.operatorCpuMsPerPass, first.operatorCpuMsPerPass) && within(last.dbCpuMsPerPass, first.dbCpuMsPerPass) ? 'met' : 'NOT met'})`);
  }
  if (many) {
    out(`  many   ${many.policies} policies (${many.connected} over ${many.databases} databases, ${many.policies - many.connected} on a missing connection): the ${many.connected} Ready in ${many.convergeSeconds} s; RSS ${many.rssMb} MB settled (target ≤ 1 GB: ${many.rssMb <= 1024 ? 'met' : 'NOT met'}); ` +
      `${many.noopPasses} no-op passes in the window, per pass operator ${many.noopOperatorCpuMsPerPass} ms, databases ${many.noopDbCpuMsPerPass} ms`);
    out(`         one changed policy Ready in ${many.singleChangeReadyMs.join(', ')} ms (median ${median(many.singleChangeReadyMs)}; target ≤ 2 s: ${Math.max(...many.singleChangeReadyMs) <= 2000 ? 'met' : 'NOT met'}); ${many.cpu}`);
  }
  const at = (n: number): SizeResult | undefined => steady.find((r) => r.policies === n);
  out(JSON.stringify({
    sizes: steady.map((r) => r.policies),
    steadyDbCpuMsPerPolicy500: at(500)?.dbCpuMsPerPass ?? null,
    steadyDbCpuMsPerPolicy5000: at(5000)?.dbCpuMsPerPass ?? null,
    steadyOperatorCpuMsPerPolicy500: at(500)?.operatorCpuMsPerPass ?? null,
    steadyOperatorCpuMsPerPolicy5000: at(5000)?.operatorCpuMsPerPass ?? null,
    steadyBySize: steady.map((r) => ({ policies: r.policies, dbCpuMsPerPass: r.dbCpuMsPerPass, operatorCpuMsPerPass: r.operatorCpuMsPerPass })),
    ...(many ? {
      bigPolicies: many.policies, bigConnectedPolicies: many.connected, bigDatabases: many.databases, bigConvergeSeconds: many.convergeSeconds,
      [`rssMbAt${many.policies}`]: many.rssMb, [`singleChangeReadyMsAt${many.policies}`]: median(many.singleChangeReadyMs),
      bigNoopDbCpuMsPerPass: many.noopDbCpuMsPerPass, bigNoopOperatorCpuMsPerPass: many.noopOperatorCpuMsPerPass,
    } : {}),
  }));
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
    const track = (o: OperatorProcess | undefined): void => { operator = o; };
    const steady = sizes.length ? await steadyBySize(admin, env, made, id, outDir, track) : [];
    const many = big > 0 ? await manyDatabases(admin, env, made, id, outDir, track) : undefined;
    await cleanup().catch((err: unknown) => info(`cleanup failed (the next run removes what is left): ${messageOf(err)}`));
    report(steady, many);
  } finally {
    await cleanup().catch((err: unknown) => info(`cleanup failed: ${messageOf(err)}`));
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench:scale failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
