import { spawn, type SpawnOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { EnvError } from './errors.js';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin (keeps secrets out of argv, where `ps` would show them). */
  input?: string;
  /** Called with each line of output as it arrives (for progress). */
  onLine?: (line: string) => void;
  /** Run as this OS user (used when we are root and a server refuses to run as root). */
  asUser?: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

function withUser(command: string, args: string[], asUser: string | undefined): [string, string[]] {
  return asUser ? ['runuser', ['-u', asUser, '--', command, ...args]] : [command, args];
}

/** Runs a command to completion; on failure throws an EnvError with the tail of its output. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const [cmd, argv] = withUser(command, args, options.asUser);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, argv, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    const collect = (chunk: Buffer, into: 'out' | 'err'): void => {
      const text = chunk.toString('utf8');
      if (into === 'out') stdout += text;
      else stderr += text;
      if (options.onLine) {
        pending += text;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) options.onLine(line);
      }
    };
    child.stdout.on('data', (c: Buffer) => collect(c, 'out'));
    child.stderr.on('data', (c: Buffer) => collect(c, 'err'));
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'ENOENT'
          ? new EnvError(`${cmd} is not installed or not on PATH`)
          : new EnvError(`could not start ${cmd}: ${err.message}`),
      );
    });
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolvePromise({ stdout, stderr });
        return;
      }
      const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-25).join('\n');
      reject(
        new EnvError(`${[command, ...args].join(' ')} failed (${signal ?? `exit code ${code}`}):\n${tail}`),
      );
    });
    // A child that exits or closes stdin early must not crash us with EPIPE; its exit code tells.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

export interface DaemonOptions {
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  asUser?: string;
}

/** Starts a long-running server detached from this process, its output appended to logFile. */
export function startDaemon(command: string, args: string[], options: DaemonOptions): number {
  const [cmd, argv] = withUser(command, args, options.asUser);
  const log = openSync(options.logFile, 'a');
  try {
    const spawnOptions: SpawnOptions = {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', log, log],
    };
    const child = spawn(cmd, argv, spawnOptions);
    if (child.pid === undefined) throw new EnvError(`could not start ${cmd}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends signal (SIGTERM by default), then SIGKILL after graceMs; resolves when the process is gone. */
export async function stopProcess(
  pid: number | undefined,
  { signal = 'SIGTERM', graceMs = 10_000 }: { signal?: NodeJS.Signals; graceMs?: number } = {},
): Promise<void> {
  if (!pid || !isAlive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    while (isAlive(pid)) await sleep(50);
  }
}

/** Polls check() until it returns true, or throws with what was last seen. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  { timeoutMs = 60_000, intervalMs = 250, logFile }: { timeoutMs?: number; intervalMs?: number; logFile?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(intervalMs);
  }
  throw new EnvError(`${what} was not ready after ${timeoutMs / 1000}s`, logFile ? `see ${logFile}` : undefined);
}

export { sleep };
