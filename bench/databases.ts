/**
 * The benchmark's shop databases: the test suite's recipe (test/support/shop-db.ts: tables owned by another
 * role, a least-privilege provisioning admin), under names the benchmark can find again to drop them, with
 * the users the policies made.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { DatabaseEngine } from '@dbwarden/api';
import type { ConnectionSettings } from '../operator/src/engines/engine.js';
import { createShopMysql, createShopPostgres } from '../hack/shop/shop.js';
import { mariadbAdmin, postgresAdmin } from '../test/support/databases.js';
import { required } from '../test/support/env.js';
import { benchPrefix } from './support.js';

export interface BenchDatabase {
  engine: DatabaseEngine;
  host: string;
  port: number;
  database: string;
  admin: { username: string; password: string };
  ca: string;
}

/** What the operator's engines are given for this database (verify-full TLS, the provisioning admin). */
export function settingsOf(db: BenchDatabase): ConnectionSettings {
  return { engine: db.engine, host: db.host, port: db.port, database: db.database, tls: { mode: 'verify-full', ca: db.ca }, admin: db.admin };
}

/** `dbwbench_<run>_<tag>`: a database of one run. */
export const databaseName = (id: string, tag: string): string => `${benchPrefix}_${id}_${tag}`;

export async function createBenchDatabase(engine: DatabaseEngine, database: string): Promise<BenchDatabase> {
  const admin = { username: `${database}_adm`, password: randomBytes(24).toString('base64url') };
  if (engine === 'postgres') {
    const owner = `${database}_own`;
    const root = postgresAdmin();
    await root.connect();
    try {
      await root.query(`CREATE ROLE ${owner} NOLOGIN`);
      await root.query(`CREATE ROLE ${admin.username} LOGIN CREATEROLE PASSWORD ${root.escapeLiteral(admin.password)}`);
      await root.query(`GRANT ${owner} TO ${admin.username}`);
      await root.query(`CREATE DATABASE ${database} OWNER ${owner}`);
    } finally {
      await root.end();
    }
    const shop = postgresAdmin(required('PGSSLROOTCERT'), database);
    await shop.connect();
    try {
      await shop.query(`SET ROLE ${owner}`);
      await createShopPostgres(shop);
    } finally {
      await shop.end();
    }
    return { engine, host: '127.0.0.1', port: Number(required('PGPORT')), database, admin, ca: readFileSync(required('PGSSLROOTCERT'), 'utf8') };
  }
  const root = await mariadbAdmin();
  try {
    await root.query(`CREATE DATABASE ${database}`);
    await root.query(`USE ${database}`);
    await createShopMysql(root);
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [admin.username, '%', admin.password]);
    await root.query('GRANT CREATE USER, PROCESS, CONNECTION ADMIN ON *.* TO ?@?', [admin.username, '%']);
    await root.query('GRANT SELECT ON mysql.* TO ?@?', [admin.username, '%']);
    await root.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${database}.* TO ?@? WITH GRANT OPTION`, [admin.username, '%']);
  } finally {
    await root.end();
  }
  return { engine, host: '127.0.0.1', port: Number(required('MYSQL_PORT')), database, admin, ca: readFileSync(required('MYSQL_SSL_CA'), 'utf8') };
}

/**
 * Drops the databases named `<prefix>*`, their owner and admin roles, and every user the operator made for a
 * policy in a namespace named `<prefix>*` (PostgreSQL: marked by the role comment; MariaDB: the derived user
 * names start with `dbw_<prefix>`). Returns how many databases and users went.
 */
export async function dropBenchDatabases(prefix: string): Promise<{ databases: number; users: number }> {
  const like = `${prefix.replace(/_/g, '\\_')}%`;
  let databases = 0;
  let users = 0;

  const pg = postgresAdmin();
  await pg.connect();
  try {
    const dbs = await pg.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [like]);
    for (const { datname } of dbs.rows) {
      await pg.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
      databases++;
    }
    // Logins first, then the group roles they belong to, then each database's admin and owner.
    const roles = await pg.query<{ rolname: string }>(
      `SELECT r.rolname FROM pg_roles r
        WHERE r.rolname LIKE $1
           OR shobj_description(r.oid, 'pg_authid') LIKE 'managed by dbwarden: accesspolicy ' || $2
        ORDER BY r.rolcanlogin DESC, r.rolname LIKE $1, r.rolname`,
      [like, `${prefix.replace(/_/g, '-')}%`],
    );
    for (const { rolname } of roles.rows) {
      await pg.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(rolname)}`);
      users++;
    }
  } finally {
    await pg.end();
  }

  const my = await mariadbAdmin();
  try {
    const [dbs] = await my.query('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?', [like]);
    for (const { name } of dbs as { name: string }[]) {
      await my.query(`DROP DATABASE IF EXISTS \`${name}\``);
      databases++;
    }
    const [accounts] = await my.query('SELECT User AS user, Host AS host FROM mysql.user WHERE User LIKE ? OR User LIKE ?', [like, `dbw\\_${like}`]);
    for (const { user, host } of accounts as { user: string; host: string }[]) {
      await my.query('DROP USER IF EXISTS ?@?', [user, host]);
      users++;
    }
  } finally {
    await my.end();
  }
  return { databases, users };
}
