/**
 * `npm run demo`: the local environment, the shop demo data in PostgreSQL and MariaDB, dbwarden's CRDs and
 * sample objects, the operator, and the console with its web app and a demo user to sign in as — until
 * Ctrl-C, which stops what the demo started.
 *
 * `npm run demo -- --cluster`: the same, with the local node, and dbwarden installed by its Helm chart from
 * the locally built images (hack/demo/cluster.ts).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterDemo } from './demo/cluster.js';
import { setUpConsoleAccess, startConsoleProcess } from './demo/console.js';
import { ensureDemoData } from './demo/data.js';
import { demoManifests, demoNamespace, loopbackAddresses } from './demo/manifests.js';
import { applyCrds, applyObjects, kubectlFor, waitForPolicies } from './demo/objects.js';
import { printSignIn, printTry } from './demo/sign-in.js';
import { ensureWebBuild } from './demo/web-build.js';
import { down, health, up } from './env/environment.js';
import { envVars } from './env/envfile.js';
import { EnvError, runMain } from './env/errors.js';
import { info, step } from './env/log.js';
import { devDir, envFile, repoRoot } from './env/paths.js';
import { loadState } from './env/state.js';

/** Host processes: the operator and the console run from their sources on this machine. */
async function hostDemo(): Promise<void> {
  const wasRunning = Object.values(await health(loadState())).every(Boolean);
  const state = await up();
  const env = envVars(state);
  const kubectl = kubectlFor(env);

  await ensureWebBuild();
  const data = await ensureDemoData(env);
  await step('Installing the CRDs and the demo objects (namespace shop)', async () => {
    await applyCrds(kubectl, join(repoRoot, 'crds'));
    await applyObjects(kubectl, demoManifests(loopbackAddresses(env), data, readFileSync(env.PGSSLROOTCERT!, 'utf8')));
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

  await step('Waiting for the demo policies to be Ready', () => waitForPolicies(kubectl));
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
  printSignIn(consoleProcess.url);
  info(process.env.OPENAI_API_KEY
    ? `  AI:       on (model ${process.env.OPENAI_MODEL ?? 'gpt-4o-mini'} at ${process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1'}): ask questions in plain language.`
    : '  AI:       off. To ask in plain language, stop and run again with OPENAI_API_KEY set (and OPENAI_BASE_URL, OPENAI_MODEL for\n' +
      '            any OpenAI-compatible server). Everything else works: policies, posture, schemas, SQL, CSV, charts.');
  printTry();
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

async function main(args: string[]): Promise<void> {
  const unknown = args.filter((a) => a !== '--cluster');
  if (unknown.length) throw new EnvError(`unknown option ${unknown.join(' ')}`, 'use: npm run demo [-- --cluster]');
  await (args.includes('--cluster') ? clusterDemo() : hostDemo());
}

runMain(() => main(process.argv.slice(2)));
