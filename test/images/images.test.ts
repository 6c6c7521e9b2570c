/**
 * dbwarden's images, built as `npm run images` builds them (buildah, local Debian bases, no registry), and
 * run without a Kubernetes node: podman with a temporary store loads the OCI archives and runs each image;
 * a throwaway containerd imports them as the node does. Tools missing are installed through apt; a check
 * that cannot run fails.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../hack/env/ports.js';
import { run, waitFor } from '../../hack/env/proc.js';
import { ensureCa, ensureLeaf, type KeyPair } from '../../hack/env/pki.js';
import { localPassword } from '../../hack/env/secrets.js';
import { buildImages, type BuildResult, type BuiltImage, type ImageName } from '../../hack/images/images.js';
import { importArchives } from '../../hack/images/load.js';
import { nodeVersion } from '../../hack/images/nodejs.js';
import { ensureRunTools } from '../../hack/images/tools.js';
import { startContainerd } from './containerd.js';
import { Podman } from './podman.js';

let result: BuildResult;
let podman: Podman;
let tlsDir: string;
let ca: KeyPair;
const password = `${localPassword()}'"\\$x`;

const image = (name: ImageName): BuiltImage => {
  const found = result.images.find((i) => i.name === name);
  if (!found) throw new Error(`${name} was not built`);
  return found;
};

beforeAll(async () => {
  await ensureRunTools();
  result = await buildImages();
  podman = Podman.create();
  for (const built of result.images) expect(await podman.load(built.archive.file)).toContain(built.ref);

  // What a Kubernetes Secret volume would hold: the server's certificate and key and the admin password,
  // readable by the databases' non-root user (Secrets are mounted 0644 unless told otherwise).
  tlsDir = mkdtempSync(join(tmpdir(), 'dbwarden-images-tls-'));
  ca = await ensureCa(tlsDir, 'ca', 'dbwarden-images-test-ca');
  const server = await ensureLeaf(ca, tlsDir, 'server', { commonName: 'localhost', usage: 'server', altNames: ['DNS:localhost', 'IP:127.0.0.1'] });
  writeFileSync(join(tlsDir, 'password'), `${password}\n`);
  for (const file of [server.cert, server.key, join(tlsDir, 'password')]) chmodSync(file, 0o644);
  chmodSync(tlsDir, 0o755);
}, 1_800_000); // a cold build of every image: minutes on 2 cores

/** A fresh data volume, writable by the databases' uid like an emptyDir. */
function dataVolume(name: string): string {
  const dir = join(tlsDir, name);
  mkdirSync(dir, { mode: 0o777 });
  chmodSync(dir, 0o777);
  return dir;
}

afterAll(async () => {
  await podman?.destroy();
  if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
});

describe('the runtime base (distroless-like) under the operator and console', () => {
  it('runs Node.js from /nodejs/bin/node as nonroot (65532), of the engines major, with CA certificates and tzdata', async () => {
    const operator = image('operator').ref;
    expect(await podman.inspectImage(operator, '{{.Config.User}}')).toBe('65532:65532');
    const script = [
      "const fs = require('node:fs');",
      "console.log(JSON.stringify({ version: process.version, uid: process.getuid(), user: require('node:os').userInfo().username,",
      "  ca: fs.statSync('/etc/ssl/certs/ca-certificates.crt').size, tz: fs.existsSync('/usr/share/zoneinfo/Europe/Paris'),",
      "  passwd: fs.readFileSync('/etc/passwd', 'utf8').includes('nonroot:x:65532:65532') }));",
    ].join(' ');
    const { code, output } = await podman.runOnce(operator, ['-e', script], { entrypoint: '/nodejs/bin/node' });
    expect(code, output).toBe(0);
    const facts = JSON.parse(output.trim().split('\n').at(-1)!) as Record<string, unknown>;
    const { ca: bundleBytes, ...rest } = facts;
    expect(rest).toEqual({ version: `v${nodeVersion}`, uid: 65532, user: 'nonroot', tz: true, passwd: true });
    expect(bundleBytes).toBeGreaterThan(100_000);
  });

  it('has no shell and no package manager', async () => {
    for (const tool of ['/bin/sh', '/bin/bash', '/usr/bin/apt-get', '/usr/bin/dpkg']) {
      const { code } = await podman.runOnce(image('console').ref, [], { entrypoint: tool });
      expect(code, `${tool} runs`).not.toBe(0);
    }
  });
});

/** What the chart's restricted securityContext asks of a pod: read-only root, no capabilities, no privilege gain. */
const restricted = ['--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];

describe('the operator image', () => {
  it('prints its flags with --help, under the restricted securityContext', async () => {
    const { code, output } = await podman.runOnce(image('operator').ref, ['--help'], { flags: restricted });
    expect(code, output).toBe(0);
    expect(output).toContain('--namespaces');
    expect(output).toContain('DBWARDEN_NAMESPACES');
  });
});

describe('the console image', () => {
  it('starts and answers /healthz and the web app, under the restricted securityContext', async () => {
    const port = await freePort();
    const name = await podman.start('console', image('console').ref, [...restricted, '--env', `PORT=${port}`, '--env', 'DBWARDEN_CONSOLE_HOST=127.0.0.1']);
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitFor('the console in its container', async () => (await fetch(`${base}/healthz`)).ok, { timeoutMs: 30_000 });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${await podman.logs(name)}`);
    }
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toMatch(/<html/i);
  });
});

describe('the PostgreSQL 15 image (restricted, data on a volume)', () => {
  let port: number;
  const connect = (ssl: pg.ClientConfig['ssl']): pg.Client =>
    new pg.Client({ host: '127.0.0.1', port, user: 'admin', password, database: 'shop', ssl, connectionTimeoutMillis: 5000 });

  beforeAll(async () => {
    port = await freePort();
    await podman.start('postgres', image('postgres').ref, [
      ...restricted,
      '--volume', `${dataVolume('pgdata')}:/var/lib/postgresql/data`,
      '--volume', `${tlsDir}:/tls:ro`,
      '--env', `DB_PORT=${port}`,
      '--env', 'DB_TLS_CERT_FILE=/tls/server.crt',
      '--env', 'DB_TLS_KEY_FILE=/tls/server.key',
      '--env', 'DB_ADMIN_PASSWORD_FILE=/tls/password',
      '--env', 'DB_DATABASE=shop',
    ]);
  });

  it('initialises, then accepts a verified TLS connection from the admin account', async () => {
    const client = connect({ ca: readFileSync(ca.cert, 'utf8'), servername: 'localhost', rejectUnauthorized: true });
    await waitFor('PostgreSQL in its container', async () => {
      const probe = connect({ ca: readFileSync(ca.cert, 'utf8'), rejectUnauthorized: true });
      await probe.connect();
      await probe.end();
      return true;
    }, { timeoutMs: 60_000 }).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await podman.logs('postgres')}`);
    });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: string; ssl: boolean; superuser: string; listen: string }>(
        "SELECT version(), ssl, current_setting('is_superuser') AS superuser, current_setting('listen_addresses') AS listen " +
        'FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(rows[0]).toMatchObject({ ssl: true, superuser: 'on', listen: '0.0.0.0' });
      expect(rows[0]?.version).toMatch(/^PostgreSQL 15\./);
    } finally {
      await client.end();
    }
  });

  it('refuses connections without TLS', async () => {
    const client = connect(false);
    await expect(client.connect()).rejects.toThrow(/no pg_hba\.conf entry|SSL off/);
  });

  it('runs as uid 999 and never prints the password', async () => {
    const { stdout } = await podman.podman(['exec', 'postgres', 'id', '-u']);
    expect(stdout.trim()).toBe('999');
    expect(await podman.logs('postgres')).not.toContain(password.slice(0, 20));
    const { stdout: environ } = await podman.podman(['exec', 'postgres', 'sh', '-c', 'cat /proc/1/environ | tr "\\0" "\\n"']);
    expect(environ).not.toContain(password.slice(0, 20));
  });

  it('keeps its data across a restart (initialises only once)', async () => {
    await podman.podman(['restart', '--time', '10', 'postgres']);
    await waitFor('PostgreSQL after a restart', async () => {
      const client = connect({ ca: readFileSync(ca.cert, 'utf8'), rejectUnauthorized: true });
      await client.connect();
      await client.end();
      return true;
    }, { timeoutMs: 60_000 });
    expect((await podman.logs('postgres')).match(/initialising/g)).toHaveLength(1);
  });
});

describe('the MariaDB 10.11 image (restricted, data on a volume)', () => {
  let port: number;
  const connect = (ssl: mysql.ConnectionOptions['ssl']): Promise<mysql.Connection> =>
    mysql.createConnection({ host: '127.0.0.1', port, user: 'admin', password, database: 'shop', ssl, connectTimeout: 5000 });

  beforeAll(async () => {
    port = await freePort();
    await podman.start('mariadb', image('mariadb').ref, [
      ...restricted,
      '--volume', `${dataVolume('mysql')}:/var/lib/mysql`,
      '--volume', `${tlsDir}:/tls:ro`,
      '--env', `DB_PORT=${port}`,
      '--env', 'DB_TLS_CERT_FILE=/tls/server.crt',
      '--env', 'DB_TLS_KEY_FILE=/tls/server.key',
      '--env', 'DB_ADMIN_PASSWORD_FILE=/tls/password',
      '--env', 'DB_DATABASE=shop',
    ]);
  });

  it('initialises, then accepts a verified TLS connection from the admin account', async () => {
    const tls = { ca: readFileSync(ca.cert, 'utf8'), rejectUnauthorized: true };
    await waitFor('MariaDB in its container', async () => {
      await (await connect(tls)).end();
      return true;
    }, { timeoutMs: 90_000 }).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await podman.logs('mariadb')}`);
    });
    const conn = await connect(tls);
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        "SELECT VERSION() AS version, @@bind_address AS bind, (SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_version') AS tls");
      expect(rows[0]?.version).toMatch(/^10\.11\.\d+-MariaDB/);
      expect(rows[0]?.bind).toBe('0.0.0.0');
      expect(rows[0]?.tls).toMatch(/^TLSv1\.[23]$/);
      const [grants] = await conn.query<mysql.RowDataPacket[]>('SHOW GRANTS');
      expect(JSON.stringify(grants)).toContain('WITH GRANT OPTION');
    } finally {
      await conn.end();
    }
  });

  it('refuses connections without TLS (require_secure_transport: MariaDB answers "Access denied")', async () => {
    await expect(connect(undefined)).rejects.toThrow(/insecure transport|Access denied/i);
    await (await connect({ ca: readFileSync(ca.cert, 'utf8'), rejectUnauthorized: true })).end();
  });

  it('runs as uid 999 and never prints the password', async () => {
    const { stdout } = await podman.podman(['exec', 'mariadb', 'id', '-u']);
    expect(stdout.trim()).toBe('999');
    const logs = await podman.logs('mariadb');
    expect(logs).not.toContain(password.slice(0, 20));
    expect(logs).not.toMatch(/proxies_priv|\[ERROR\]/);
  });
});

describe('the OCI archives', () => {
  it('import into containerd under the names a pod spec uses', async () => {
    const containerd = await startContainerd();
    try {
      await importArchives({ containerdSocket: containerd.socket, ctr: 'ctr' }, result.images.map((i) => i.archive.file));
      const { stdout } = await run('ctr', ['--address', containerd.socket, '--namespace', 'k8s.io', 'images', 'ls', '--quiet']);
      for (const built of result.images) expect(stdout.split('\n')).toContain(built.ref);
    } finally {
      await containerd.stop();
    }
  });
});
