import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { EnvError } from '../env/errors.js';
import { info } from '../env/log.js';
import { freePort, portInUse } from '../env/ports.js';
import { sleep } from '../env/proc.js';

export interface PortForward {
  url: string;
  /** The kubectl command it runs, for people to run it themselves. */
  command: string;
  stop(): Promise<void>;
}

export interface PortForwardOptions {
  env: Record<string, string>;
  namespace: string;
  service: string;
  servicePort: number;
  logFile: string;
}

/**
 * `kubectl port-forward svc/<service> <port>:<servicePort>` on 127.0.0.1: $PORT, else 8080 when free, else
 * any free port. It forwards to one pod of the Service; when that pod goes (a rollout, a restart) kubectl
 * exits, and it is started again until stop(). kubectl runs in its own process group so that a Ctrl-C
 * reaches only the demo, which stops it.
 */
export async function startPortForward(options: PortForwardOptions): Promise<PortForward> {
  const port = process.env.PORT ? Number(process.env.PORT) : (await portInUse(8080)) ? await freePort() : 8080;
  const args = ['port-forward', '-n', options.namespace, `svc/${options.service}`, `${port}:${options.servicePort}`, '--address', '127.0.0.1'];
  const log = createWriteStream(options.logFile, { flags: 'a' });
  let child: ChildProcess | undefined;
  let stopped = false;

  const once = (): Promise<void> => new Promise((resolve, reject) => {
    const proc = spawn('kubectl', args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child = proc;
    let forwarding = false;
    const timer = setTimeout(() => reject(new EnvError('kubectl port-forward did not start within 30s', `see ${options.logFile}`)), 30_000);
    for (const stream of [proc.stdout, proc.stderr]) {
      createInterface(stream).on('line', (line) => {
        log.write(`${line}\n`);
        if (line.startsWith('Forwarding from 127.0.0.1:')) {
          forwarding = true;
          clearTimeout(timer);
          resolve();
        }
      });
    }
    proc.once('error', (err) => {
      clearTimeout(timer);
      reject(new EnvError(`kubectl port-forward: ${err.message}`));
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!forwarding) {
        reject(new EnvError(`kubectl port-forward exited (${signal ?? code}) before forwarding`, `see ${options.logFile}`));
        return;
      }
      if (stopped || child !== proc) return;
      info(`  the port-forward stopped (${signal ?? `exit ${code}`}; its pod went?): starting it again`);
      void restart();
    });
  });

  const restart = async (): Promise<void> => {
    for (let attempt = 1; !stopped; attempt++) {
      await sleep(Math.min(1000 * attempt, 10_000));
      if (stopped) return;
      try {
        await once();
        info(`  port-forward running again on 127.0.0.1:${port}`);
        return;
      } catch {
        // the next attempt waits longer
      }
    }
  };

  const killOnExit = (): void => {
    if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  };
  process.once('exit', killOnExit);
  await once();
  return {
    url: `http://127.0.0.1:${port}`,
    command: `kubectl ${args.join(' ')}`,
    stop: async () => {
      stopped = true;
      process.removeListener('exit', killOnExit);
      const proc = child;
      if (proc?.pid && proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((resolve) => proc.once('exit', resolve));
        process.kill(-proc.pid, 'SIGTERM');
        await exited;
      }
      log.end();
    },
  };
}
