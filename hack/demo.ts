/**
 * `npm run demo`: the local environment, the shop demo data in PostgreSQL and MariaDB, dbwarden's CRDs and
 * sample objects, the operator, and the console with its web app and a demo user to sign in as — until
 * Ctrl-C, which stops what the demo started.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { demoTokenFile, demoUser, setUpConsoleAccess, startConsoleProcess } from './demo/console.js';
import { demoManifests, demoNamespace } from './demo/manifests.js';
import { ensureDemoData } from './demo/data.js';
import { ensureWebBuild } from './demo/web-build.js';
import { down, health, up } from './env/environment.js';
import { envVars } from './env/envfile.js';
import { runMain } from './env/errors.js';
import { info, step } from './env/log.js';
import { devDir, envFile, repoRoot } from './env/paths.js';
import { run, sleep } from './env/proc.js';
import { loadState } from './env/state.js';

async function main(): Promise<void> {
  const wasRunning = Object.values(await health(loadState())).every(Boolean);
  const state = await up();
  const env = envVars(state);
  const kubectl = (args: string[], input?: string) => run('kubectl', args, { env: { ...process.env, ...env }, ...(input ? { input } : {}) });

  await ensureWebBuild();
  const data = await ensureDemoData(env);
  await step('Installing the CRDs and the demo objects (namespace shop)', async () => {
    await kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=dbwarden-demo',
      '-f', join(repoRoot, 'crds', 'databaseconnections.dbwarden.io.yaml'), '-f', join(repoRoot, 'crds', 'accesspolicies.dbwarden.io.yaml')]);
    // Polled, not `kubectl wait`: a CRD created a moment ago may have no status yet, and kubectl then fails at once.
    for (const crd of ['databaseconnections.dbwarden.io', 'accesspolicies.dbwarden.io']) {
      for (let tries = 0; ; tries++) {
        const { stdout } = await kubectl(['get', 'crd', crd, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}']);
        if (stdout.trim() === 'True') break;
        if (tries >= 120) throw new Error(`CRD ${crd} is not Established after 60s`);
        await sleep(500);
      }
    }
    const manifests = demoManifests(env, data, readFileSync(env.PGSSLROOTCERT!, 'utf8'));
    await kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=dbwarden-demo', '-f', '-'], manifests.map((m) => stringify(m)).join('---\n'));
  });

  const logDir = join(devDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const operatorLog = join(logDir, 'operator.log');
  const operator = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'operator', 'src', 'main.ts'), `--namespaces=${demoNamespace}`, '--metrics-port=0'], {
    cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(operatorLog, { flags: 'a' });
  operator.stdout.pipe(log);
  operator.stderr.pipe(log);
  const operatorExited = new Promise<number | null>((resolve) => operator.once('exit', resolve));
  info(`operator started (logs: ${operatorLog})`);

  await step('Waiting for the demo policies to be Ready', async () => {
    for (let i = 0; i < 120; i++) {
      const { stdout } = await kubectl(['get', 'accesspolicies', '-n', demoNamespace, '-o',
        'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
      const statuses = stdout.trim().split('\n');
      if (statuses.length === 4 && statuses.every((s) => s === 'True')) return;
      await sleep(1000);
    }
    info('  some policies are not Ready yet; see the table below and the operator log');
  });
  const consoleLog = join(logDir, 'console.log');
  const consoleProcess = await (async () => {
    const kubeconfig = await step('Console RBAC (config/console) and the demo user', () => setUpConsoleAccess(kubectl, env.KUBECONFIG!));
    return step('Starting the console', () => startConsoleProcess(kubeconfig, consoleLog));
  })().catch(async (err: unknown) => {
    operator.kill('SIGTERM');
    await operatorExited;
    throw err;
  });
  info(`console started (logs: ${consoleLog})`);

  const { stdout: table } = await kubectl(['get', 'dbwarden', '-n', demoNamespace]);
  info(`\n${table}`);
  info('dbwarden demo is running.');
  info('');
  info(`  Console:  ${consoleProcess.url}`);
  info(`  Sign in:  paste the token in ${demoTokenFile} into "Kubernetes bearer token" (e.g. copy it from \`cat ${demoTokenFile}\`).`);
  info(`            It is ServiceAccount ${demoNamespace}/${demoUser}, bound to ClusterRole dbwarden-console-user in namespace ${demoNamespace}; valid 24h.`);
  info(process.env.OPENAI_API_KEY
    ? `  AI:       on (model ${process.env.OPENAI_MODEL ?? 'gpt-4o-mini'} at ${process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1'}): ask questions in plain language.`
    : '  AI:       off. To ask in plain language, stop and run again with OPENAI_API_KEY set (and OPENAI_BASE_URL, OPENAI_MODEL for\n' +
      '            any OpenAI-compatible server). Everything else works: policies, posture, schemas, SQL, CSV, charts.');
  info('  Try:      the policy postgres-ai-readonly (products and orders only), "SELECT category, count(*) FROM public.products GROUP BY category".');
  info('');
  info(`  source ${envFile}; kubectl get dbwarden -n ${demoNamespace}; kubectl describe accesspolicy -n ${demoNamespace} postgres-ai-readonly`);
  info('Press Ctrl-C to stop.');

  let stopping = false;
  await Promise.race([
    new Promise<void>((resolve) => {
      const stop = (): void => {
        stopping = true;
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }),
    operatorExited.then((code) => !stopping && info(`the operator exited (${code}); see ${operatorLog}`)),
    consoleProcess.exited.then((code) => !stopping && info(`the console exited (${code}); see ${consoleLog}`)),
  ]);
  stopping = true;
  info('stopping…');
  consoleProcess.process.kill('SIGTERM');
  operator.kill('SIGTERM');
  await Promise.all([consoleProcess.exited, operatorExited]);
  if (!wasRunning) await down();
}

runMain(main);
