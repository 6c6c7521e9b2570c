/**
 * The operator as a child process, the way it ships: the esbuild bundle run as the image runs it
 * (`node dist/operator/main.mjs`, NODE_ENV=production, NODE_OPTIONS as config/manager/deployment.yaml sets it), rebuilt with the project's build
 * (`npm run build`'s hack/build/bundle.ts) when the sources are newer; or from the TypeScript sources with tsx,
 * as `npm run operator` and the e2e tests run it. Its log goes to a file, with counts of its warnings and errors.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseAllDocuments } from 'yaml';
import { bundle as buildBundle } from '../hack/build/bundle.js';
import { repoRoot } from '../hack/env/paths.js';
import { info } from './support.js';

export type OperatorBuild = 'bundle' | 'tsx';

export interface OperatorProcess {
  process: ChildProcess;
  pid: number;
  /** The port serving /metrics, /healthz and /readyz. */
  port: number;
  logFile: string;
  /** Log lines at warn and above, counted by level, message and reason. */
  logCounts: Record<string, number>;
  /** Log lines that say the API server refused a request (RBAC). */
  forbidden: string[];
  stop(): Promise<void>;
}

const bundleFile = join(repoRoot, 'dist', 'operator', 'main.mjs');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/operator/main.mjs (what the tests and the image run, with the project's build) when it is missing
 * or older than the operator's or the CRDs' sources; an up-to-date bundle other runs use is left alone.
 */
export async function ensureBundle(): Promise<string> {
  const sources = Math.max(newestMtime(join(repoRoot, 'operator', 'src')), newestMtime(join(repoRoot, 'api', 'src')));
  if (!existsSync(bundleFile) || statSync(bundleFile).mtimeMs < sources) {
    info('  building the operator bundle (hack/build/bundle.ts operator, as npm run build does)');
    await buildBundle(['operator'], true);
  }
  return bundleFile;
}

interface ContainerEnv { name?: string; value?: string }
interface DeploymentDoc { kind?: string; spec?: { template?: { spec?: { containers?: { name?: string; env?: ContainerEnv[] }[] } } } }

/** NODE_OPTIONS of the operator container in config/manager/deployment.yaml: the bench runs it with the same V8 settings. */
export function deploymentNodeOptions(): string {
  const docs = parseAllDocuments(readFileSync(join(repoRoot, 'config', 'manager', 'deployment.yaml'), 'utf8')).map((d) => d.toJS() as DeploymentDoc);
  const containers = docs.find((d) => d.kind === 'Deployment')?.spec?.template?.spec?.containers ?? [];
  return containers.flatMap((c) => c.env ?? []).find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
}

export async function startOperatorProcess(opts: {
  build: OperatorBuild;
  kubeconfig: string;
  podNamespace: string;
  namespaces: string[];
  args: string[];
  logFile: string;
}): Promise<OperatorProcess> {
  const entry = opts.build === 'bundle'
    ? [await ensureBundle()]
    : ['--import', 'tsx', join(repoRoot, 'operator', 'src', 'main.ts')];
  // For profiling: DBWARDEN_BENCH_OPERATOR_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/operator-profiles".
  const nodeArgs = (process.env.DBWARDEN_BENCH_OPERATOR_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, ...entry, `--namespaces=${opts.namespaces.join(',')}`, '--metrics-port=0', '--leader-elect=false', ...opts.args], {
    cwd: repoRoot,
    env: {
      ...process.env,
      KUBECONFIG: opts.kubeconfig,
      POD_NAMESPACE: opts.podNamespace,
      ...(opts.build === 'bundle' ? { NODE_ENV: 'production', NODE_OPTIONS: deploymentNodeOptions() } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(opts.logFile);
  const logCounts: Record<string, number> = {};
  const forbidden: string[] = [];
  const recent: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const onLine = (line: string): void => {
    log.write(`${line}\n`);
    recent.push(line);
    if (recent.length > 20) recent.shift();
    if (/forbidden|"statusCode":403|"code":403/i.test(line) && forbidden.length < 5) forbidden.push(line);
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string; reason?: string };
      if (entry.level === 'info' || entry.level === 'debug' || entry.level === 'trace') return;
      const key = `${entry.level} ${entry.msg}${entry.reason ? ` (${entry.reason})` : ''}`;
      logCounts[key] = (logCounts[key] ?? 0) + 1;
    } catch {
      logCounts['(not JSON)'] = (logCounts['(not JSON)'] ?? 0) + 1;
    }
  };
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`operator did not start within 60s:\n${recent.join('\n')}`));
    }, 60_000);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface(stream).on('line', (line) => {
        onLine(line);
        const m = /"msg":"serving metrics and health on port (\d+)"/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    }
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`operator exited (${child.exitCode ?? child.signalCode}) before serving:\n${recent.join('\n')}`));
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    process: child,
    pid: child.pid!,
    port,
    logFile: opts.logFile,
    logCounts,
    forbidden,
    stop: () => (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      await new Promise<void>((resolve) => log.end(resolve));
    })()),
  };
}
