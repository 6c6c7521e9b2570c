import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { operatorKubeconfig, operatorNamespace } from './operator-identity.js';

const root = join(import.meta.dirname, '..', '..');

export interface RunningOperator {
  process: ChildProcess;
  /** Every log line so far (JSON). */
  logs: string[];
  /** The port serving /metrics, /healthz and /readyz. */
  port: number;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The caller's log level when it shows info lines (trace, debug, info), else info. */
function verboseEnough(level: string | undefined): string {
  return level === 'trace' || level === 'debug' ? level : 'info';
}

/**
 * Runs the real operator (the bundle of `operator/src/main.ts` that test/setup/global.ts builds) as a child process against the test API server,
 * watching only the given namespaces so suites running at the same time do not meet.
 */
export async function startOperator(namespaces: string[], args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<RunningOperator> {
  const kubeconfig = await operatorKubeconfig();
  // The bundle the global setup built from the current sources (as the image runs it).
  const child = spawn(process.execPath, ['--enable-source-maps', join(root, 'dist', 'operator', 'main.mjs'),
    `--namespaces=${namespaces.join(',')}`, '--metrics-port=0', '--resync-period=5s', ...args], {
    cwd: root,
    // Info lines at least, whatever DBWARDEN_LOG_LEVEL the caller runs with (e.g. for the console in
    // bench:console): the start-up line above and the tests read them.
    env: { ...process.env, KUBECONFIG: kubeconfig, POD_NAMESPACE: operatorNamespace, DBWARDEN_LOG_LEVEL: verboseEnough(process.env.DBWARDEN_LOG_LEVEL), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running (it would keep reconciling its namespaces every 5 s) when its start is given up on.
      child.kill('SIGKILL');
      reject(new Error(`operator did not start within 30s:\n${logs.slice(-20).join('\n')}`));
    }, 30_000);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface(stream).on('line', (line) => {
        logs.push(line);
        if (process.env.DBWARDEN_TEST_OPERATOR_LOGS === '1') process.stderr.write(`[operator] ${line}\n`);
        const m = /"msg":"serving metrics and health on port (\d+)"/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    }
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`operator exited with ${code} before serving:\n${logs.slice(-20).join('\n')}`));
    });
  });
  return {
    process: child,
    logs,
    port,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exited;
      // The operator runs with exactly config/rbac: any forbidden request means that RBAC is too small.
      const forbidden = logs.filter((l) => /forbidden|"statusCode":403|"code":403/i.test(l));
      if (forbidden.length) throw new Error(`the operator was refused by RBAC:\n${forbidden.slice(0, 5).join('\n')}`);
      return code;
    },
  };
}
