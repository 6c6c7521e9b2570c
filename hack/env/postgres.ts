import { chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { ensureDatabasePki } from './dbpki.js';
import { EnvError } from './errors.js';
import { info, step } from './log.js';
import { ensurePackages } from './packages.js';
import { runDir } from './paths.js';
import { freePort, portInUse } from './ports.js';
import { isAlive, run, stopProcess, waitFor } from './proc.js';
import { localPassword } from './secrets.js';
import type { DatabaseState } from './state.js';

const baseDir = join(runDir, 'postgres');
const dataDir = join(baseDir, 'data');
export const postgresLogFile = join(baseDir, 'postgres.log');

/** PostgreSQL refuses to run as root; when we are root it runs as the `postgres` OS user. */
const osUser = process.getuid?.() === 0 ? 'postgres' : undefined;

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0]) throw new EnvError('PostgreSQL server binaries not found under /usr/lib/postgresql');
  return join(root, versions[0], 'bin');
}

async function idOf(user: string): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', user])).stdout.trim());
  const gid = Number((await run('id', ['-g', user])).stdout.trim());
  return { uid, gid };
}

async function chownTree(path: string, owner: { uid: number; gid: number }): Promise<void> {
  chownSync(path, owner.uid, owner.gid);
  await run('chown', ['-R', `${owner.uid}:${owner.gid}`, path]);
}

function pidOf(): number | undefined {
  const file = join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isFinite(pid) && pid > 0 ? pid : undefined;
}

export async function postgresHealthy(state: DatabaseState | undefined, caFile: string): Promise<boolean> {
  if (!state || !isAlive(state.pid)) return false;
  const client = new pg.Client({
    host: '127.0.0.1',
    port: state.port,
    user: state.user,
    password: state.password,
    database: 'postgres',
    ssl: { ca: readFileSync(caFile), rejectUnauthorized: true },
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Starts the local PostgreSQL (TLS on, scram passwords, listening on 127.0.0.1 only). */
export async function startPostgres(previous: DatabaseState | undefined): Promise<DatabaseState> {
  await ensurePackages([{ pkg: 'postgresql', provides: '/usr/lib/postgresql' }]);
  const { ca, server } = await ensureDatabasePki();
  if (await postgresHealthy(previous, ca.cert)) {
    info(`PostgreSQL already running on 127.0.0.1:${previous!.port}: reusing it`);
    return previous!;
  }
  await stopPostgres(previous);
  const bin = binDir();
  const state: DatabaseState = {
    port: previous?.port && !(await portInUse(previous.port)) ? previous.port : await freePort(),
    user: 'postgres',
    password: previous?.password ?? localPassword(),
  };
  const owner = osUser ? await idOf(osUser) : undefined;

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await step(`Initialising a PostgreSQL cluster in ${dataDir}`, async () => {
      rmSync(baseDir, { recursive: true, force: true });
      // runDir must be traversable by the postgres OS user; baseDir itself is private to it.
      mkdirSync(runDir, { recursive: true, mode: 0o711 });
      mkdirSync(baseDir, { mode: 0o700 });
      const pwfile = join(baseDir, 'pwfile');
      writeFileSync(pwfile, `${state.password}\n`, { mode: 0o600 });
      if (owner) await chownTree(baseDir, owner);
      try {
        await run(join(bin, 'initdb'), [
          '-D', dataDir, '-U', state.user, `--pwfile=${pwfile}`, '--auth-local=trust',
          '--auth-host=scram-sha-256', '--encoding=UTF8', '--no-locale', '--no-sync',
        ], { asUser: osUser });
      } finally {
        rmSync(pwfile, { force: true });
      }
    });
  }

  for (const [from, to] of [[server.cert, 'server.crt'], [server.key, 'server.key'], [ca.cert, 'ca.crt']] as const) {
    copyFileSync(from, join(dataDir, to));
    if (owner) chownSync(join(dataDir, to), owner.uid, owner.gid);
  }
  writeFileSync(join(dataDir, 'dbwarden.conf'), [
    "listen_addresses = '127.0.0.1'",
    `port = ${state.port}`,
    `unix_socket_directories = '${baseDir}'`,
    'ssl = on',
    "ssl_cert_file = 'server.crt'",
    "ssl_key_file = 'server.key'",
    "ssl_ca_file = 'ca.crt'",
    "password_encryption = 'scram-sha-256'",
    'max_connections = 500',
    // Throwaway local data: trade durability for speed.
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    '',
  ].join('\n'));
  const conf = join(dataDir, 'postgresql.conf');
  if (!readFileSync(conf, 'utf8').includes("include_if_exists = 'dbwarden.conf'")) {
    writeFileSync(conf, `${readFileSync(conf, 'utf8')}\ninclude_if_exists = 'dbwarden.conf'\n`);
  }
  // TLS and plain TCP are both accepted, so tests can show what `tls.mode: disable` looks like.
  writeFileSync(join(dataDir, 'pg_hba.conf'), [
    'local all all trust',
    'hostssl all all 127.0.0.1/32 scram-sha-256',
    'hostnossl all all 127.0.0.1/32 scram-sha-256',
    '',
  ].join('\n'));
  if (owner) await chownTree(baseDir, owner);

  await step(`Starting PostgreSQL on 127.0.0.1:${state.port} (TLS on)`, async () => {
    await run(join(bin, 'pg_ctl'), ['-D', dataDir, '-l', postgresLogFile, '-w', '-t', '60', 'start'], { asUser: osUser }).catch(
      (err: Error) => {
        throw new EnvError(`PostgreSQL did not start: ${err.message}`, `see ${postgresLogFile}`);
      },
    );
    state.pid = pidOf();
    state.version = (await run(join(bin, 'postgres'), ['--version'])).stdout.trim();
    await waitFor('PostgreSQL', () => postgresHealthy(state, ca.cert), { timeoutMs: 30_000, logFile: postgresLogFile });
  });
  return state;
}

export async function stopPostgres(state: DatabaseState | undefined): Promise<void> {
  const pid = pidOf() ?? state?.pid;
  // SIGINT is PostgreSQL's fast shutdown: it ends client sessions instead of waiting for them.
  await stopProcess(pid, { signal: 'SIGINT', graceMs: 20_000 });
}

export const postgresDirs = { baseDir };
