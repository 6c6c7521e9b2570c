import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { step } from '../env/log.js';
import { devDir } from '../env/paths.js';
import { localPassword } from '../env/secrets.js';
import { setupMysqlShop, setupPostgresShop, type ShopNames } from '../shop/setup.js';

/** The demo's shop databases and provisioning accounts (passwords kept in .dev/demo.json, mode 0600). */
export interface DemoData {
  postgres: ShopNames;
  mariadb: ShopNames;
}

const file = join(devDir, 'demo.json');

function load(): DemoData {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DemoData;
  const data: DemoData = {
    postgres: { database: 'shop', admin: { username: 'dbwarden_admin', password: localPassword() } },
    mariadb: { database: 'shop', admin: { username: 'dbwarden_admin', password: localPassword() } },
  };
  writeFileSync(file, JSON.stringify(data, null, 2), { mode: 0o600 });
  return data;
}

const pgClient = (env: Record<string, string>, database: string): pg.Client => new pg.Client({
  host: env.PGHOST, port: Number(env.PGPORT), user: env.PGUSER, password: env.PGPASSWORD, database,
  ssl: { ca: readFileSync(env.PGSSLROOTCERT!, 'utf8'), rejectUnauthorized: true },
});

/** Loads the shop into both databases once (products, users with emails, orders, payments). */
export async function ensureDemoData(env: Record<string, string>): Promise<DemoData> {
  const data = load();
  const root = pgClient(env, 'postgres');
  await root.connect();
  try {
    const { rowCount } = await root.query('SELECT 1 FROM pg_database WHERE datname = $1', [data.postgres.database]);
    if (!rowCount) await step('Loading the shop into PostgreSQL', () => setupPostgresShop(root, (db) => pgClient(env, db), data.postgres));
  } finally {
    await root.end();
  }
  const conn = await mysql.createConnection({
    host: env.MYSQL_HOST, port: Number(env.MYSQL_PORT), user: env.MYSQL_USER, password: env.MYSQL_PASSWORD,
    ssl: { ca: readFileSync(env.MYSQL_SSL_CA!, 'utf8'), rejectUnauthorized: true },
  });
  try {
    const [rows] = await conn.query('SHOW DATABASES LIKE ?', [data.mariadb.database]);
    if ((rows as unknown[]).length === 0) await step('Loading the shop into MariaDB', () => setupMysqlShop(conn, data.mariadb));
  } finally {
    await conn.end();
  }
  return data;
}
