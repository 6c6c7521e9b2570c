import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { ensureDatabasePki } from './dbpki.js';
import { EnvError } from './errors.js';
import { info, step } from './log.js';
import { ensurePackages } from './packages.js';
import { runDir } from './paths.js';
import { freePort, portInUse } from './ports.js';
import { isAlive, run, startDaemon, stopProcess, waitFor } from './proc.js';
import { localPassword } from './secrets.js';
import type { DatabaseState } from './state.js';

const baseDir = join(runDir, 'mariadb');
const dataDir = join(baseDir, 'data');
const socket = join(baseDir, 'mysqld.sock');
export const mariadbLogFile = join(baseDir, 'mariadb.log');
const osUser = userInfo().username;

export async function mariadbHealthy(state: DatabaseState | undefined, caFile: string): Promise<boolean> {
  if (!state || !isAlive(state.pid)) return false;
  try {
    const conn = await mysql.createConnection({
      host: '127.0.0.1',
      port: state.port,
      user: state.user,
      password: state.password,
      ssl: { ca: readFileSync(caFile, 'utf8'), rejectUnauthorized: true },
      connectTimeout: 3000,
    });
    try {
      await conn.query('SELECT 1');
      return true;
    } finally {
      await conn.end();
    }
  } catch {
    return false;
  }
}

/** SQL through the server's Unix socket as the OS user (unix_socket authentication); stdin keeps it out of argv. */
function socketSql(sql: string): Promise<unknown> {
  return run('mariadb', ['--no-defaults', `--socket=${socket}`, '-u', osUser, '--batch'], { input: sql });
}

/** Starts the local MariaDB (TLS on, listening on 127.0.0.1 only) with an admin account. */
export async function startMariadb(previous: DatabaseState | undefined): Promise<DatabaseState> {
  await ensurePackages([
    { pkg: 'mariadb-server', provides: '/usr/sbin/mariadbd' },
    { pkg: 'mariadb-client', provides: '/usr/bin/mariadb' },
  ]);
  const { ca, server } = await ensureDatabasePki();
  if (await mariadbHealthy(previous, ca.cert)) {
    info(`MariaDB already running on 127.0.0.1:${previous!.port}: reusing it`);
    return previous!;
  }
  await stopMariadb(previous);
  const state: DatabaseState = {
    port: previous?.port && !(await portInUse(previous.port)) ? previous.port : await freePort(),
    user: 'admin',
    password: previous?.password ?? localPassword(),
  };

  if (!existsSync(join(dataDir, 'mysql'))) {
    await step(`Initialising a MariaDB data directory in ${dataDir}`, async () => {
      rmSync(baseDir, { recursive: true, force: true });
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      await run('mariadb-install-db', [
        '--no-defaults', `--datadir=${dataDir}`, `--user=${osUser}`, '--auth-root-authentication-method=socket',
        '--skip-test-db', '--skip-name-resolve',
      ]);
    });
  }

  await step(`Starting MariaDB on 127.0.0.1:${state.port} (TLS on)`, async () => {
    state.pid = startDaemon('mariadbd', [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--port=${state.port}`,
      '--bind-address=127.0.0.1',
      `--socket=${socket}`,
      `--pid-file=${join(baseDir, 'mysqld.pid')}`,
      `--log-error=${mariadbLogFile}`,
      `--user=${osUser}`,
      `--ssl-ca=${ca.cert}`,
      `--ssl-cert=${server.cert}`,
      `--ssl-key=${server.key}`,
      '--skip-name-resolve',
      '--max-connections=1000',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_unicode_ci',
      // Throwaway local data: trade durability for speed.
      '--innodb-flush-log-at-trx-commit=0',
      '--sync-binlog=0',
    ], { logFile: join(baseDir, 'mariadbd.out') });
    await waitFor('MariaDB socket', async () => {
      if (!isAlive(state.pid)) throw new EnvError('mariadbd exited', `see ${mariadbLogFile}`);
      await socketSql('SELECT 1');
      return true;
    }, { timeoutMs: 60_000, logFile: mariadbLogFile });
    // The admin account has every privilege WITH GRANT OPTION, like the root account of a managed service.
    await socketSql([
      `CREATE USER IF NOT EXISTS '${state.user}'@'%' IDENTIFIED BY '${state.password}';`,
      `ALTER USER '${state.user}'@'%' IDENTIFIED BY '${state.password}';`,
      `GRANT ALL PRIVILEGES ON *.* TO '${state.user}'@'%' WITH GRANT OPTION;`,
    ].join('\n'));
    state.version = (await run('mariadbd', ['--version'])).stdout.trim();
    await waitFor('MariaDB over TLS', () => mariadbHealthy(state, ca.cert), { timeoutMs: 30_000, logFile: mariadbLogFile });
  });
  return state;
}

export async function stopMariadb(state: DatabaseState | undefined): Promise<void> {
  const pidFile = join(baseDir, 'mysqld.pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : state?.pid;
  await stopProcess(pid, { graceMs: 30_000 });
}

export const mariadbDirs = { baseDir };
