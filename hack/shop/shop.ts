/**
 * The shop database from the security guide: products, orders, users (with emails) and payments, with
 * deterministic demo data. Used by the demo and by the tests, on PostgreSQL and MySQL/MariaDB.
 */
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';

export const shopTables = ['products', 'users', 'orders', 'payments'] as const;

export interface ShopSize {
  products: number;
  users: number;
  orders: number;
}

export const defaultShopSize: ShopSize = { products: 40, users: 200, orders: 1000 };

const categories = "ARRAY['books','garden','kitchen','toys','tools']";

/** Creates the shop tables in the `public` schema of the connected PostgreSQL database and fills them. */
export async function createShopPostgres(client: pg.Client, size: ShopSize = defaultShopSize): Promise<void> {
  await client.query(`
    CREATE TABLE products (
      id integer PRIMARY KEY, name text NOT NULL, category text NOT NULL,
      price numeric(10,2) NOT NULL, stock integer NOT NULL);
    CREATE TABLE users (
      id integer PRIMARY KEY, email text NOT NULL UNIQUE, full_name text NOT NULL,
      created_at timestamptz NOT NULL);
    CREATE TABLE orders (
      id serial PRIMARY KEY, customer_id integer NOT NULL REFERENCES users(id), total numeric(10,2) NOT NULL,
      status text NOT NULL, created_at timestamptz NOT NULL);
    CREATE TABLE payments (
      id serial PRIMARY KEY, order_id integer NOT NULL REFERENCES orders(id), amount numeric(10,2) NOT NULL,
      card_last4 char(4) NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL);
  `);
  await client.query(
    `INSERT INTO products SELECT i, 'Product ' || i, (${categories})[1 + i % 5], round((5 + (i * 7919) % 200)::numeric + 0.99, 2), (i * 31) % 120
       FROM generate_series(1, $1::int) i`,
    [size.products],
  );
  await client.query(
    `INSERT INTO users SELECT i, 'customer' || i || '@example.com', 'Customer ' || i, timestamptz '2026-01-01 00:00+00' + (i || ' hours')::interval
       FROM generate_series(1, $1::int) i`,
    [size.users],
  );
  await client.query(
    `INSERT INTO orders (id, customer_id, total, status, created_at)
     SELECT i, 1 + (i * 13) % $2::int, round(((i * 7907) % 50000)::numeric / 100 + 10, 2),
            (ARRAY['paid','shipped','delivered','refunded'])[1 + i % 4], timestamptz '2026-02-01 00:00+00' + ((i * 5) || ' hours')::interval
       FROM generate_series(1, $1::int) i`,
    [size.orders, size.users],
  );
  await client.query(`SELECT setval(pg_get_serial_sequence('orders', 'id'), $1::int)`, [size.orders]);
  await client.query(
    `INSERT INTO payments (id, order_id, amount, card_last4, status, created_at)
     SELECT o.id, o.id, o.total, lpad(((o.id * 7741) % 10000)::text, 4, '0'), CASE WHEN o.status = 'refunded' THEN 'refunded' ELSE 'captured' END, o.created_at
       FROM orders o`,
  );
  await client.query(`SELECT setval(pg_get_serial_sequence('payments', 'id'), $1::int)`, [size.orders]);
}

/** Creates the shop tables in the connected MySQL/MariaDB database (selected with USE) and fills them. */
export async function createShopMysql(conn: Connection, size: ShopSize = defaultShopSize): Promise<void> {
  const statements = [
    `CREATE TABLE products (
      id int PRIMARY KEY, name varchar(200) NOT NULL, category varchar(50) NOT NULL,
      price decimal(10,2) NOT NULL, stock int NOT NULL)`,
    `CREATE TABLE users (
      id int PRIMARY KEY, email varchar(200) NOT NULL UNIQUE, full_name varchar(200) NOT NULL,
      created_at datetime NOT NULL)`,
    `CREATE TABLE orders (
      id int AUTO_INCREMENT PRIMARY KEY, customer_id int NOT NULL, total decimal(10,2) NOT NULL,
      status varchar(20) NOT NULL, created_at datetime NOT NULL, FOREIGN KEY (customer_id) REFERENCES users(id))`,
    `CREATE TABLE payments (
      id int AUTO_INCREMENT PRIMARY KEY, order_id int NOT NULL, amount decimal(10,2) NOT NULL,
      card_last4 char(4) NOT NULL, status varchar(20) NOT NULL, created_at datetime NOT NULL,
      FOREIGN KEY (order_id) REFERENCES orders(id))`,
  ];
  for (const sql of statements) await conn.query(sql);
  const series = (n: number): string =>
    `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${Math.trunc(n)})`;
  await conn.query('SET SESSION cte_max_recursion_depth = 1000000').catch(() => undefined); // MySQL 8 only
  await conn.query(
    `INSERT INTO products ${series(size.products)}
     SELECT i, CONCAT('Product ', i), ELT(1 + i % 5, 'books','garden','kitchen','toys','tools'), 5 + (i * 7919) % 200 + 0.99, (i * 31) % 120 FROM s`,
  );
  await conn.query(
    `INSERT INTO users ${series(size.users)}
     SELECT i, CONCAT('customer', i, '@example.com'), CONCAT('Customer ', i), TIMESTAMP('2026-01-01 00:00:00') + INTERVAL i HOUR FROM s`,
  );
  await conn.query(
    `INSERT INTO orders (id, customer_id, total, status, created_at) ${series(size.orders)}
     SELECT i, 1 + (i * 13) % ?, ROUND(((i * 7907) % 50000) / 100 + 10, 2), ELT(1 + i % 4, 'paid','shipped','delivered','refunded'),
            TIMESTAMP('2026-02-01 00:00:00') + INTERVAL (i * 5) HOUR FROM s`,
    [size.users],
  );
  await conn.query(
    `INSERT INTO payments (id, order_id, amount, card_last4, status, created_at)
     SELECT id, id, total, LPAD((id * 7741) % 10000, 4, '0'), IF(status = 'refunded', 'refunded', 'captured'), created_at FROM orders`,
  );
}
