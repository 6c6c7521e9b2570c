import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { setupMysqlShop, setupPostgresShop, type ShopNames } from '../../hack/shop/setup.js';
import { mariadbAdmin, postgresAdmin } from './databases.js';
import { required } from './env.js';

export type EngineName = 'postgres' | 'mysql';

/** A shop database of its own, with a least-privilege provisioning account as production should have. */
export interface ShopDatabase {
  engine: EngineName;
  host: string;
  port: number;
  database: string;
  admin: { username: string; password: string };
  ca: string;
  /** Runs SQL as the server's superuser in the shop database (to make drift, inspect catalogs). */
  superQuery<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

const suffix = (): string => randomBytes(4).toString('hex');

/** PostgreSQL: a shop database with the recommended CREATEROLE admin (see hack/shop/setup.ts). */
export async function createPostgresShop(): Promise<ShopDatabase> {
  const names: ShopNames = { database: `shop_${suffix()}`, admin: { username: '', password: randomBytes(24).toString('base64url') } };
  names.admin.username = `${names.database}_admin`;
  const root = postgresAdmin();
  await root.connect();
  try {
    await setupPostgresShop(root, (database) => postgresAdmin(required('PGSSLROOTCERT'), database), names);
  } finally {
    await root.end();
  }
  const superuser = postgresAdmin(required('PGSSLROOTCERT'), names.database);
  await superuser.connect();
  return {
    engine: 'postgres',
    host: '127.0.0.1',
    port: Number(required('PGPORT')),
    database: names.database,
    admin: names.admin,
    ca: readFileSync(required('PGSSLROOTCERT'), 'utf8'),
    async superQuery<T>(sql: string, params?: unknown[]) {
      return (await superuser.query(sql, params)).rows as T[];
    },
    async close() {
      await superuser.end();
    },
  };
}

/** MySQL/MariaDB: a shop database with the documented least-privilege admin (see hack/shop/setup.ts). */
export async function createMysqlShop(): Promise<ShopDatabase> {
  const database = `shop_${suffix()}`;
  const names: ShopNames = { database, admin: { username: `${database}_admin`.slice(0, 32), password: randomBytes(24).toString('base64url') } };
  const root = await mariadbAdmin();
  await setupMysqlShop(root, names);
  return {
    engine: 'mysql',
    host: '127.0.0.1',
    port: Number(required('MYSQL_PORT')),
    database,
    admin: names.admin,
    ca: readFileSync(required('MYSQL_SSL_CA'), 'utf8'),
    async superQuery<T>(sql: string, params?: unknown[]) {
      const [rows] = await root.query(sql, params);
      return rows as T[];
    },
    async close() {
      await root.end();
    },
  };
}

export const createShop = (engine: EngineName): Promise<ShopDatabase> => (engine === 'postgres' ? createPostgresShop() : createMysqlShop());

/** Connects with the credentials a policy's Secret holds, the way a workload would. */
export async function connectWith(engine: EngineName, secret: Record<string, string>): Promise<{ query(sql: string): Promise<unknown[]>; close(): Promise<void> }> {
  if (engine === 'postgres') {
    const client = new pg.Client({
      host: secret.host, port: Number(secret.port), database: secret.database, user: secret.username, password: secret.password,
      ssl: { ca: secret['ca.crt'], rejectUnauthorized: true },
    });
    // The operator ends sessions of retired users: that arrives as an 'error' event between queries.
    client.on('error', () => undefined);
    await client.connect();
    return { query: async (sql) => (await client.query(sql)).rows as unknown[], close: () => client.end() };
  }
  // mysql2 takes the Secret's uri as-is: its ssl parameter carries the CA.
  const conn = await mysql.createConnection({ uri: secret.uri });
  conn.on('error', () => undefined);
  return { query: async (sql) => (await conn.query(sql))[0] as unknown[], close: () => conn.end() };
}
