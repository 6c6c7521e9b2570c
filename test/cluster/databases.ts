/**
 * PostgreSQL and MariaDB running as pods (the images hack/images builds from Debian's packages), each with
 * verified TLS, the shop tables and the least-privilege provisioning account docs/operator.md recommends.
 * The suite reaches them as a superuser only through `kubectl exec` (the servers' local sockets), never over
 * the network, so the NetworkPolicies under test decide every network path.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ensureCa, ensureLeaf } from '../../hack/env/pki.js';
import { apply, exec, kubectl, rolledOut } from './kubectl.js';

export type Engine = 'postgres' | 'mysql';

export interface PodDatabase {
  engine: Engine;
  /** The Deployment, Service and the pods' `app` label. */
  name: string;
  namespace: string;
  /** The Service's ClusterIP (no cluster DNS on the local node) and port. */
  host: string;
  port: number;
  database: string;
  /** Secrets in `namespace`: the provisioning account (username, password) and the CA (ca.crt). */
  adminSecret: string;
  caSecret: string;
  ca: string;
  /** Runs SQL as the server's superuser over its local socket; tab-separated rows, no headers. */
  superSql(sql: string): Promise<string>;
}

export const images = {
  postgres: process.env.DBWARDEN_IMAGE_POSTGRES ?? 'localhost/dbwarden-postgres:15',
  mysql: process.env.DBWARDEN_IMAGE_MARIADB ?? 'localhost/dbwarden-mariadb:10.11',
};

const settings = {
  postgres: { port: 5432, dataDir: '/var/lib/postgresql/data', socket: '/var/lib/postgresql/data/run' },
  mysql: { port: 3306, dataDir: '/var/lib/mysql', socket: '/var/lib/mysql/run/mysqld.sock' },
};

const password = (): string => randomBytes(24).toString('base64url');
const sqlLiteral = (value: string): string => `'${value.replace(/'/g, "''")}'`;

const shopTables = (engine: Engine): string => {
  const id = engine === 'postgres' ? 'serial PRIMARY KEY' : 'int AUTO_INCREMENT PRIMARY KEY';
  return `
CREATE TABLE products (id ${id}, name varchar(100) NOT NULL, category varchar(50) NOT NULL, price numeric(10,2) NOT NULL);
CREATE TABLE users (id ${id}, full_name varchar(100) NOT NULL, email varchar(200) NOT NULL);
CREATE TABLE orders (id ${id}, customer_id int NOT NULL, total numeric(10,2) NOT NULL, status varchar(20) NOT NULL);
INSERT INTO products (name, category, price) VALUES ('tea', 'drinks', 4.50), ('coffee', 'drinks', 6.00), ('cocoa', 'drinks', 5.25);
INSERT INTO users (full_name, email) VALUES ('Ada', 'ada@example.com'), ('Linus', 'linus@example.com');
INSERT INTO orders (customer_id, total, status) VALUES (1, 9.00, 'paid'), (2, 6.00, 'shipped');`;
};

function setupSql(engine: Engine, admin: { username: string; password: string }): string {
  if (engine === 'postgres') {
    return `
CREATE ROLE shop_owner NOLOGIN;
CREATE ROLE ${admin.username} LOGIN CREATEROLE PASSWORD ${sqlLiteral(admin.password)};
GRANT shop_owner TO ${admin.username};
CREATE DATABASE shop OWNER shop_owner;
\\c shop
SET ROLE shop_owner;
${shopTables(engine)}`;
  }
  return `
CREATE DATABASE shop;
USE shop;
${shopTables(engine)}
CREATE USER '${admin.username}'@'%' IDENTIFIED BY ${sqlLiteral(admin.password)} REQUIRE SSL;
GRANT CREATE USER, PROCESS, CONNECTION ADMIN ON *.* TO '${admin.username}'@'%';
GRANT SELECT ON mysql.* TO '${admin.username}'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON shop.* TO '${admin.username}'@'%' WITH GRANT OPTION;`;
}

function superCommand(engine: Engine, database: string): string[] {
  const { socket } = settings[engine];
  return engine === 'postgres'
    ? ['sh', '-c', `PGPASSWORD="$(head -n 1 /secrets/super/password)" exec psql -h ${socket} -U dbsuper -d ${database} -v ON_ERROR_STOP=1 -qtA -F '\t'`]
    : ['mariadb', `--socket=${socket}`, '-u', 'mysql', '--batch', '--skip-column-names', `--database=${database}`];
}

function manifests(db: { engine: Engine; name: string; namespace: string }): object[] {
  const { engine, name, namespace } = db;
  const { port, dataDir } = settings[engine];
  const env = [
    { name: 'DB_TLS_CERT_FILE', value: '/secrets/tls/tls.crt' },
    { name: 'DB_TLS_KEY_FILE', value: '/secrets/tls/tls.key' },
    { name: 'DB_ADMIN_USER', value: 'dbsuper' },
    { name: 'DB_ADMIN_PASSWORD_FILE', value: '/secrets/super/password' },
  ];
  const ready = engine === 'postgres'
    ? ['pg_isready', '-h', settings.postgres.socket, '-U', 'dbsuper', '-d', 'postgres']
    : ['mariadb-admin', `--socket=${settings.mysql.socket}`, '-u', 'mysql', 'ping'];
  return [{
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      selector: { matchLabels: { app: name } },
      strategy: { type: 'Recreate' },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          enableServiceLinks: false,
          securityContext: { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: engine,
            image: images[engine],
            imagePullPolicy: 'IfNotPresent',
            env,
            ports: [{ containerPort: port }],
            readinessProbe: { exec: { command: ready }, periodSeconds: 2, failureThreshold: 60 },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            volumeMounts: [
              { name: 'tls', mountPath: '/secrets/tls', readOnly: true },
              { name: 'super', mountPath: '/secrets/super', readOnly: true },
              { name: 'data', mountPath: dataDir },
            ],
          }],
          volumes: [
            { name: 'tls', secret: { secretName: `${name}-tls` } },
            { name: 'super', secret: { secretName: `${name}-super` } },
            { name: 'data', emptyDir: {} },
          ],
        },
      },
    },
  }];
}

/** Deploys one database pod and prepares it; its Service first, so the certificate can name its ClusterIP. */
export async function deployDatabase(engine: Engine, name: string, namespace: string): Promise<PodDatabase> {
  const { port } = settings[engine];
  await apply(stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ port, targetPort: port }] } }));
  const host = (await kubectl(['get', 'service', '-n', namespace, name, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  const dir = mkdtempSync(join(tmpdir(), 'dbwarden-cluster-pki-'));
  try {
    const ca = await ensureCa(dir, 'ca', `${name} test CA`);
    const leaf = await ensureLeaf(ca, dir, 'server', {
      commonName: `${name}.${namespace}.svc`, usage: 'server',
      altNames: [`DNS:${name}.${namespace}.svc`, `DNS:${name}.${namespace}.svc.cluster.local`, `IP:${host}`],
    });
    const caPem = readFileSync(ca.cert, 'utf8');
    const admin = { username: 'dbwarden_admin', password: password() };
    const secret = (suffix: string, data: Record<string, string>): object =>
      ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-${suffix}`, namespace }, stringData: data });
    await apply([
      secret('tls', { 'tls.crt': readFileSync(leaf.cert, 'utf8'), 'tls.key': readFileSync(leaf.key, 'utf8') }),
      secret('super', { password: password() }),
      secret('ca', { 'ca.crt': caPem }),
      secret('admin', admin),
      ...manifests({ engine, name, namespace }),
    ].map((doc) => stringify(doc)).join('---\n'));
    await rolledOut(namespace, `deployment/${name}`);
    // PostgreSQL connects to the database it then creates shop in; MariaDB's script creates it first.
    await exec(namespace, `deploy/${name}`, superCommand(engine, engine === 'postgres' ? 'postgres' : 'mysql'), setupSql(engine, admin));
    const superSql = (sql: string): Promise<string> => exec(namespace, `deploy/${name}`, superCommand(engine, 'shop'), sql);
    return { engine, name, namespace, host, port, database: 'shop', adminSecret: `${name}-admin`, caSecret: `${name}-ca`, ca: caPem, superSql };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
