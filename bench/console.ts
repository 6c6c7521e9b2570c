/**
 * `npm run bench:console`: what the console costs on top of the database. Three measurements:
 *
 * 1. Guard: the SQL guard's cost per statement over the accepted corpus (both dialects), p50/p99 in µs.
 * 2. Latency: one small query through the console's API (HTTP, TokenReview and SubjectAccessReview answers
 *    cached as in production, the policy's Secret read per query, guard, read-only transaction) against the
 *    same query over a `pg` connection of the same database user with the same TLS settings, in one run,
 *    interleaved in blocks; the ratio of the medians. The same query through the MCP endpoint (run_query),
 *    against the API's median.
 * 3. Concurrency: many clients (several users) posting the query without pause for a while, from a separate
 *    process: requests, errors other than the console's deliberate 429s, p99.
 *
 * Progress goes to stderr; the figures to stdout, ending with one JSON line.
 *
 *   npm run bench:console -- [--clients=100] [--duration=30s] [--users=10] [--samples=500] [--guard-rounds=200]
 *                            [--sql="SELECT …"]
 *
 * The console runs with its defaults; DBWARDEN_CONSOLE_* variables in the environment change them.
 */
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parseDuration } from '@dbwarden/api/duration';
import { defaultMaxLength, guard } from '../console/server/guard/index.js';
import { defaultRowLimit, defaultStatementTimeout } from '../console/server/policies/resolve.js';
import { PostgresPool } from '../console/server/runner/postgres.js';
import { postgresSsl, type TlsMode } from '@dbwarden/api/tls';
import { info, step } from '../hack/env/log.js';
import { repoRoot } from '../hack/env/paths.js';
import { applyCrds } from '../test/support/crds.js';
import { kubeConfig } from '../test/support/kube.js';
import { measureAdversarial, measureGuard, type AdversarialCase, type GuardResult } from './console-guard.js';
import { BareApi } from './bare-api.js';
import { ConsoleClient } from './console-http.js';
import type { LoadMessage, LoadResult, LoadSettings } from './console-load.js';
import { prefix, removeLeftovers, setUpConsoleBench, Teardown, type ConsoleBench } from './console-setup.js';
import { ensureBundle } from './operator-process.js';
import { ensureEnvironment } from './support.js';
import { distribution, formatMs, round, type Distribution } from './console-stats.js';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '100' },
    duration: { type: 'string', default: '30s' },
    users: { type: 'string', default: '10' },
    samples: { type: 'string', default: '500' },
    'guard-rounds': { type: 'string', default: '200' },
    sql: { type: 'string', default: 'SELECT status, count(*) AS n, sum(total) AS revenue FROM orders GROUP BY status ORDER BY status' },
  },
  strict: true,
});
const positive = (name: string, value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not ${value}`);
  return n;
};
const clients = positive('clients', args.clients);
const users = positive('users', args.users);
const samples = positive('samples', args.samples);
const guardRounds = positive('guard-rounds', args['guard-rounds']);
const durationMs = parseDuration(args.duration);
const sql = args.sql;
/** Sequential samples are taken in blocks (API, direct, direct as the runner) so that background load falls on all alike. */
const block = 50;
const loadWarmupMs = 2000;
const backoffMs = 50;

interface LatencyResult {
  rows: number;
  api: Distribution;
  /** GET /healthz with the same client: HTTP alone (the console's Express app, no authentication, no log line). */
  health: Distribution;
  /** The console's own `durationMs` (guard, credentials, admission, database), as it reports it. */
  server: Distribution;
  direct: Distribution;
  /** The console's runner (PostgresPool: the read-only transaction in one round trip) with the policy's credentials. */
  runner: Distribution;
  /**
   * The same request to a bare node:http server in this process that runs the query on a pg connection of its
   * own and answers its rows as JSON: no authentication, guard, transaction or log. The least an HTTP API
   * in front of this database adds on this machine, whoever writes it.
   */
  floor: Distribution;
  /** The same statement through the MCP endpoint: a JSON-RPC tools/call of run_query (POST /mcp). */
  mcp: Distribution;
  /** The guard's full check of this statement, in µs (the console remembers the verdict after the first). */
  guardUs: Distribution;
  leakedInResponses: number;
}

function guardCostOf(text: string, times: number): Distribution {
  const options = { dialect: 'postgres' as const, policy: { access: 'read-only' as const, database: 'shop', tables: [{ schema: 'public', name: 'orders' }, { schema: 'public', name: 'products' }] } };
  const us: number[] = [];
  for (let i = 0; i < times * 2; i++) {
    const t0 = process.hrtime.bigint();
    guard(text, options);
    if (i >= times) us.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return distribution(us);
}

/**
 * Sequential requests through the API, directly over `pg`, and through the console's runner alone,
 * interleaved in blocks so that background load falls on all alike.
 */
async function measureLatency(b: ConsoleBench): Promise<LatencyResult> {
  const { secret } = b;
  const tls = { mode: (secret.sslmode ?? 'verify-full') as TlsMode, ...(secret['ca.crt'] ? { ca: secret['ca.crt'] } : {}) };
  const pgSettings: pg.ClientConfig = {
    host: secret.host, port: Number(secret.port), database: secret.database, user: secret.username, password: secret.password,
    ssl: postgresSsl(tls, secret.host!),
  };
  const direct = new pg.Client(pgSettings);
  const runner = new PostgresPool({
    owner: 'bench', engine: 'postgres', host: secret.host!, port: Number(secret.port), database: secret.database!, user: secret.username!,
    password: secret.password!, tls, maxConnections: 1,
  }, { idleMs: 60_000 });
  const runOptions = { rowLimit: defaultRowLimit, timeoutMs: parseDuration(defaultStatementTimeout), readOnly: true };
  const http = new ConsoleClient(b.console.url, 1);
  const bare = new BareApi(pgSettings, sql);
  await direct.connect();
  try {
    const bareHttp = new ConsoleClient(await bare.start(), 1);
    const rows = (await direct.query(sql)).rowCount ?? 0;
    const body = JSON.stringify({ sql });
    let leaked = 0;
    const timed = async <T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> => {
      const t0 = performance.now();
      const value = await work();
      return { ms: performance.now() - t0, value };
    };
    const viaApi = async (): Promise<{ ms: number; serverMs: number }> => {
      const { ms, value: res } = await timed(() => http.request('POST', b.queryPath, { token: b.tokens[0]!, body }));
      if (res.status !== 200) throw new Error(`the console answered HTTP ${res.status}: ${res.text.slice(0, 300)}`);
      if (b.passwords.some((p) => res.text.includes(p))) leaked++;
      const answer = JSON.parse(res.text) as { rowCount: number; durationMs: number };
      if (answer.rowCount !== rows) throw new Error(`the console returned ${answer.rowCount} rows, the database directly ${rows}`);
      return { ms, serverMs: answer.durationMs };
    };
    // An MCP client's request, as the SDK's Streamable HTTP client sends it (JSON response, no session).
    const [, namespace, policy] = /\/namespaces\/([^/]+)\/policies\/([^/]+)\//.exec(b.queryPath) ?? [];
    const mcpBody = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'run_query', arguments: { namespace, policy, sql } } });
    const mcpHeaders: Record<string, string> = { Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': '2025-06-18' };
    // A session, as the SDK's client opens one: initialize, then the initialized notification.
    const opened = await http.request('POST', '/mcp', { token: b.tokens[0]!, headers: mcpHeaders, body: JSON.stringify({
      jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }) });
    if (opened.status !== 200 || !opened.sessionId) throw new Error(`the MCP endpoint did not open a session: HTTP ${opened.status} ${opened.text.slice(0, 300)}`);
    mcpHeaders['Mcp-Session-Id'] = opened.sessionId;
    await http.request('POST', '/mcp', { token: b.tokens[0]!, headers: mcpHeaders, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    const viaMcp = async (): Promise<number> => {
      const { ms, value: res } = await timed(() => http.request('POST', '/mcp', { token: b.tokens[0]!, body: mcpBody, headers: mcpHeaders }));
      if (res.status !== 200) throw new Error(`the MCP endpoint answered HTTP ${res.status}: ${res.text.slice(0, 300)}`);
      if (b.passwords.some((p) => res.text.includes(p))) leaked++;
      const answer = JSON.parse(res.text) as { result?: { isError?: boolean; structuredContent?: { rowCount: number } } };
      if (answer.result?.isError || answer.result?.structuredContent?.rowCount !== rows) throw new Error(`the MCP endpoint answered ${res.text.slice(0, 300)}`);
      return ms;
    };
    const viaHealth = async (): Promise<number> => {
      const { ms, value: res } = await timed(() => http.request('GET', '/healthz'));
      if (res.status !== 200) throw new Error(`/healthz answered HTTP ${res.status}`);
      return ms;
    };
    const viaPg = async (): Promise<number> => {
      const { ms, value: result } = await timed(() => direct.query(sql));
      if (result.rowCount !== rows) throw new Error(`the direct query returned ${result.rowCount} rows, then ${rows}`);
      return ms;
    };
    const viaBare = async (): Promise<number> => {
      const { ms, value: res } = await timed(() => bareHttp.request('POST', '/query', { body }));
      if (res.status !== 200) throw new Error(`the bare HTTP API answered HTTP ${res.status}: ${res.text.slice(0, 300)}`);
      const answer = JSON.parse(res.text) as { rowCount: number };
      if (answer.rowCount !== rows) throw new Error(`the bare HTTP API returned ${answer.rowCount} rows, the database directly ${rows}`);
      return ms;
    };
    const viaRunner = async (): Promise<number> => {
      const { ms, value: result } = await timed(() => runner.run(sql, runOptions));
      if (result.rowCount !== rows) throw new Error(`the runner returned ${result.rowCount} rows, the database directly ${rows}`);
      return ms;
    };
    const series = { api: [] as number[], server: [] as number[], mcp: [] as number[], health: [] as number[], direct: [] as number[], runner: [] as number[], floor: [] as number[] };
    for (let i = 0; i < block; i++) {
      await viaApi();
      await viaMcp();
      await viaHealth();
      await viaPg();
      await viaRunner();
      await viaBare();
    }
    while (series.api.length < samples) {
      const n = Math.min(block, samples - series.api.length);
      for (let i = 0; i < n; i++) {
        const r = await viaApi();
        series.api.push(r.ms);
        series.server.push(r.serverMs);
      }
      for (let i = 0; i < n; i++) series.mcp.push(await viaMcp());
      for (let i = 0; i < n; i++) series.health.push(await viaHealth());
      for (let i = 0; i < n; i++) series.direct.push(await viaPg());
      for (let i = 0; i < n; i++) series.runner.push(await viaRunner());
      for (let i = 0; i < n; i++) series.floor.push(await viaBare());
    }
    return {
      rows, api: distribution(series.api), server: distribution(series.server), mcp: distribution(series.mcp), health: distribution(series.health),
      direct: distribution(series.direct), runner: distribution(series.runner), floor: distribution(series.floor), guardUs: guardCostOf(sql, 200), leakedInResponses: leaked,
    };
  } finally {
    http.close();
    await bare.close();
    await direct.end();
    await runner.close();
  }
}

interface ConcurrencyResult {
  load: LoadResult;
  /** CPU of this process (the console, and nothing else while the clients run elsewhere), % of one core. */
  consoleCpuPercent: number;
  eventLoopDelayP99Ms: number;
}

/** The clients run in a child process (console-load.ts); the console keeps this process to itself. */
async function measureConcurrency(b: ConsoleBench, rows: number, teardown: Teardown): Promise<ConcurrencyResult> {
  const child = fork(join(import.meta.dirname, 'console-load.ts'), [], {
    cwd: repoRoot, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  teardown.add('load clients', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
    return Promise.resolve();
  });
  const settings: LoadSettings = {
    url: b.console.url, path: b.queryPath, sql, tokens: b.tokens, clients, warmupMs: loadWarmupMs, durationMs, backoffMs, expectRows: rows,
  };
  const delay = monitorEventLoopDelay({ resolution: 10 });
  let cpuStart: NodeJS.CpuUsage | undefined;
  let wallStart = 0;
  const warmupTimer = setTimeout(() => {
    delay.enable();
    cpuStart = process.cpuUsage();
    wallStart = performance.now();
  }, loadWarmupMs);
  try {
    const load = await new Promise<LoadResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the load clients did not finish in time')), loadWarmupMs + durationMs + 60_000);
      child.on('message', (m: LoadMessage) => {
        if (m.type === 'progress') info(`  … ${m.seconds}s: ${m.requests} requests, ${m.ok} OK, ${m.tooMany} × 429, ${m.errors} errors`);
        else {
          clearTimeout(timer);
          if (m.type === 'done') resolve(m.result);
          else reject(new Error(`the load clients failed: ${m.message}`));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the load clients exited (${code}) before reporting`));
      });
      child.send(settings);
    });
    const cpu = process.cpuUsage(cpuStart);
    const wallMs = performance.now() - wallStart;
    delay.disable();
    return {
      load,
      consoleCpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 100),
      eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
    };
  } finally {
    clearTimeout(warmupTimer);
  }
}

/** Warnings and errors in the console's log, by message; whether any password appears in it. */
function readConsoleLog(file: string, passwords: string[]): { lines: number; warnings: Record<string, number>; leaked: boolean } {
  const text = readFileSync(file, 'utf8');
  const warnings: Record<string, number> = {};
  let lines = 0;
  for (const line of text.split('\n')) {
    if (!line) continue;
    lines++;
    try {
      const record = JSON.parse(line) as { level?: string; msg?: string };
      if (record.level === 'warn' || record.level === 'error' || record.level === 'fatal') {
        const key = `${record.level}: ${record.msg ?? '?'}`;
        warnings[key] = (warnings[key] ?? 0) + 1;
      }
    } catch {
      warnings['unparsable line'] = (warnings['unparsable line'] ?? 0) + 1;
    }
  }
  return { lines, warnings, leaked: passwords.some((p) => text.includes(p)) };
}

/** The commit measured, and whether console/ had uncommitted changes. */
function revision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'console'], { encoding: 'utf8' }).trim();
    return `${head}${dirty ? ' + uncommitted changes in console/' : ''}`;
  } catch {
    return 'unknown';
  }
}

interface Figures {
  guard: GuardResult;
  adversarial: AdversarialCase[];
  latency: LatencyResult;
  concurrency: ConcurrencyResult;
  bench: ConsoleBench;
  postgres: string;
  log: ReturnType<typeof readConsoleLog>;
  logFile: string;
  cleanupFailed: string[];
}

function print(f: Figures): void {
  const { guard, adversarial, latency, concurrency, bench } = f;
  const adversarialMaxMs = Math.max(...adversarial.map((a) => a.maxMs));
  const { load } = concurrency;
  const ratio = latency.api.p50 / latency.direct.p50;
  const c = bench.config;
  const out = (line = ''): boolean => process.stdout.write(`${line}\n`);
  const us = (v: number): string => `${v.toFixed(1)} µs`;
  out();
  out(`dbwarden console benchmark; revision ${revision()}; ${f.postgres}; console defaults unless DBWARDEN_CONSOLE_* set: ` +
    `pool ${c.pool.max} per policy, queue ${c.pool.queueMax} (timeout ${c.pool.queueTimeoutMs / 1000}s), auth and policy cache ${c.cacheTtlMs / 1000}s, log level ${c.logLevel}`);
  out(`  guard        ${guard.statements} accepted statements (${guard.byDialect.postgres} PostgreSQL, ${guard.byDialect.mysql} MySQL) × ${guard.rounds} rounds: ` +
    `p50 ${us(guard.all.p50)}, p99 ${us(guard.all.p99)}, max ${us(guard.all.max)}`);
  out(`               PostgreSQL p50 ${us(guard.perDialect.postgres.p50)} p99 ${us(guard.perDialect.postgres.p99)}; ` +
    `MySQL p50 ${us(guard.perDialect.mysql.p50)} p99 ${us(guard.perDialect.mysql.p99)}; slowest (${guard.slowest.dialect}, p50 ${us(guard.slowest.p50Us)}): ${guard.slowest.sql}`);
  out(`  adversarial  refused in at most ${adversarialMaxMs.toFixed(2)} ms (target < 10 ms: ${adversarialMaxMs < 10 ? 'met' : 'NOT met'}): ` +
    adversarial.map((a) => `${a.name}, limit ${a.maxLength}: ${a.rule} in ${a.maxMs.toFixed(2)} ms`).join('; '));
  out(`  latency      ${sql}  (${latency.rows} rows), ${samples} sequential requests each way, interleaved in blocks of ${block}:`);
  out(`               API     ${formatMs(latency.api)}  (console's own durationMs p50 ${latency.server.p50.toFixed(2)} ms)`);
  const mcpRatio = latency.mcp.p50 / latency.api.p50;
  out(`               MCP     ${formatMs(latency.mcp)}  (tools/call run_query on /mcp in one MCP session; ` +
    `${mcpRatio.toFixed(2)}× the API at p50, target ≤ 1.3×: ${mcpRatio <= 1.3 ? 'met' : 'NOT met'})`);
  out(`               direct  ${formatMs(latency.direct)}  (pg, same user and TLS, one open connection)`);
  out(`               runner  ${formatMs(latency.runner)}  (the console's PostgresPool alone: the read-only transaction with its limits, one round trip)`);
  out(`               health  ${formatMs(latency.health)}  (GET /healthz, same client: HTTP alone)`);
  out(`               floor   ${formatMs(latency.floor)}  (a bare node:http server running the query on its own pg connection: the least any HTTP API adds here)`);
  const m = { api: latency.api.p50, server: latency.server.p50, health: latency.health.p50, runner: latency.runner.p50, direct: latency.direct.p50 };
  out(`               where the API's median goes (differences of medians, approximate): HTTP round trip ${m.health.toFixed(2)} ms; ` +
    `authentication, policy lookup (cached), routing, JSON and logs ${(m.api - m.server - m.health).toFixed(2)} ms; ` +
    `guard (verdict remembered; a full check of this statement takes ${(latency.guardUs.p50 / 1000).toFixed(2)} ms), credentials, admission, ` +
    `and the database answering later than in a tight loop (its backend idles between requests) ${(m.server - m.runner).toFixed(2)} ms; ` +
    `the read-only transaction around the statement ${(m.runner - m.direct).toFixed(2)} ms; the statement itself ${m.direct.toFixed(2)} ms`);
  const floorRatio = latency.floor.p50 / latency.direct.p50;
  out(`               ratio   ${ratio.toFixed(2)}× at p50 (target ≤ 1.5×: ${ratio <= 1.5 ? 'met' : 'NOT met'}); the bare HTTP API's ${floorRatio.toFixed(2)}× ` +
    `is the floor on this machine, and the console costs ${(latency.api.p50 / latency.floor.p50).toFixed(2)}× that floor`);
  out(`  concurrency  ${load.clients} clients, ${users} users, ${(durationMs / 1000).toFixed(0)}s after a ${loadWarmupMs / 1000}s warm-up: ${load.requests} requests ` +
    `(${(load.requests / load.seconds).toFixed(0)}/s), ${load.ok} OK, ${load.tooMany} deliberate 429s, ${load.errors} errors ` +
    `(target 0: ${load.errors === 0 ? 'met' : 'NOT met'})${load.errors ? ` ${JSON.stringify(load.errorKinds)}` : ''}`);
  out(`               OK      ${formatMs(load.okMs)}`);
  out(`               all     ${formatMs(load.allMs)}${load.tooMany ? `; 429s p50 ${load.tooManyMs.p50.toFixed(2)} ms` : ''}`);
  out(`               console process CPU ${concurrency.consoleCpuPercent}% of one core, event-loop delay p99 ${concurrency.eventLoopDelayP99Ms.toFixed(1)} ms`);
  out(`  console log  ${f.logFile}: ${f.log.lines} lines; warnings and errors: ${Object.keys(f.log.warnings).length ? JSON.stringify(f.log.warnings) : 'none'}`);
  out(`  passwords    ${f.log.leaked || latency.leakedInResponses ? 'FOUND in the console log or an API response' : 'in no console log line and no API response checked'}` +
    `${f.cleanupFailed.length ? `; CLEANUP FAILED: ${f.cleanupFailed.join(', ')}` : ''}`);
  out(JSON.stringify({
    guardP50Us: round(guard.all.p50, 1),
    guardP99Us: round(guard.all.p99, 1),
    guardPostgresP50Us: round(guard.perDialect.postgres.p50, 1),
    guardPostgresP99Us: round(guard.perDialect.postgres.p99, 1),
    guardAdversarialMaxMs: round(adversarialMaxMs, 3),
    apiP50Ms: round(latency.api.p50, 3),
    mcpP50Ms: round(latency.mcp.p50, 3),
    mcpToApiP50: round(latency.mcp.p50 / latency.api.p50, 2),
    directP50Ms: round(latency.direct.p50, 3),
    floorP50Ms: round(latency.floor.p50, 3),
    ratioP50: round(ratio, 2),
    concurrentRequests: load.requests,
    concurrentErrors: load.errors,
    concurrentP99Ms: round(load.okMs.p99, 2),
  }));
}

async function main(): Promise<void> {
  const guard = await step(`Guard: the accepted corpus, ${guardRounds} rounds`, () => Promise.resolve(measureGuard(guardRounds, 50)));
  info(`  guard: p50 ${guard.all.p50.toFixed(1)} µs, p99 ${guard.all.p99.toFixed(1)} µs per statement`);
  const adversarial = measureAdversarial().filter((a) => a.maxLength === defaultMaxLength);

  const env = await ensureEnvironment();
  await ensureBundle();
  const kc = kubeConfig();
  await step('Applying the CRDs', () => applyCrds(kc));
  await step('Removing what earlier runs left behind', () => removeLeftovers(kc));
  const id = randomBytes(3).toString('hex');
  const outDir = mkdtempSync(join(tmpdir(), `${prefix}-${id}-`));
  const logFile = join(outDir, 'console.log');
  info(`run ${id}: namespace ${prefix}-${id}, database ${prefix}_${id}, console log ${logFile}`);

  const teardown = new Teardown();
  let cleaning: Promise<string[]> | undefined;
  const cleanup = (): Promise<string[]> => (cleaning ??= step(`Cleaning up run ${id}`, () => teardown.run()));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      info(`${signal}: cleaning up before exiting`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    const bench = await setUpConsoleBench({ kc, id, users, logFile, teardown });
    const latency = await step(`Latency: ${samples} requests each through the API, /healthz, pg directly and the console's runner`, () => measureLatency(bench));
    info(`  API p50 ${latency.api.p50.toFixed(2)} ms, direct p50 ${latency.direct.p50.toFixed(2)} ms`);
    const concurrency = await step(`Concurrency: ${clients} clients for ${args.duration}`, () => measureConcurrency(bench, latency.rows, teardown));
    const cleanupFailed = await cleanup();
    print({
      guard, adversarial, latency, concurrency, bench, logFile, cleanupFailed,
      postgres: env.postgres?.version?.replace(/^postgres \(PostgreSQL\) /, 'PostgreSQL ').replace(/ \(.*$/, '') ?? 'PostgreSQL',
      log: readConsoleLog(logFile, bench.passwords),
    });
  } finally {
    await cleanup();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench:console failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
