/**
 * A shop database with the provisioning account dbwarden recommends, on each engine. The demo uses fixed
 * names; tests use random ones. Run as the server's superuser.
 */
import type { Connection } from 'mysql2/promise';
import pg from 'pg';
import { createShopMysql, createShopPostgres } from './shop.js';

export interface ShopNames {
  database: string;
  /** The operator's provisioning account. */
  admin: { username: string; password: string };
}

/**
 * PostgreSQL: the tables belong to `<database>_owner`; the admin is a CREATEROLE role, member of that owner
 * (so it may grant on the tables and set default privileges), and not a superuser. `root` is connected to
 * the `postgres` database; `connectTo(db)` opens a superuser connection to another database.
 */
export async function setupPostgresShop(root: pg.Client, connectTo: (database: string) => pg.Client, names: ShopNames): Promise<void> {
  const owner = pg.escapeIdentifier(`${names.database}_owner`);
  const admin = pg.escapeIdentifier(names.admin.username);
  const database = pg.escapeIdentifier(names.database);
  await root.query(`CREATE ROLE ${owner} NOLOGIN`);
  await root.query(`CREATE ROLE ${admin} LOGIN CREATEROLE PASSWORD ${root.escapeLiteral(names.admin.password)}`);
  await root.query(`GRANT ${owner} TO ${admin}`);
  await root.query(`CREATE DATABASE ${database} OWNER ${owner}`);
  const client = connectTo(names.database);
  await client.connect();
  try {
    await client.query(`SET ROLE ${owner}`);
    await createShopPostgres(client);
  } finally {
    await client.end();
  }
}

/** MySQL/MariaDB: the admin has exactly what the engine documents, on this database only. */
export async function setupMysqlShop(root: Connection, names: ShopNames): Promise<void> {
  const database = root.escapeId(names.database);
  await root.query(`CREATE DATABASE ${database}`);
  await root.query(`USE ${database}`);
  await createShopMysql(root);
  const who = [names.admin.username, '%'];
  await root.query('CREATE USER ?@? IDENTIFIED BY ? REQUIRE SSL', [...who, names.admin.password]);
  await root.query('GRANT CREATE USER, PROCESS, CONNECTION ADMIN ON *.* TO ?@?', who);
  await root.query('GRANT SELECT ON mysql.* TO ?@?', who);
  await root.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${database}.* TO ?@? WITH GRANT OPTION`, who);
}
