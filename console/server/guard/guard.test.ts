import { describe, expect, it } from 'vitest';
import { GuardRejected } from '../errors.js';
import { analyticalQueries, hostileStatements } from './corpus.js';
import { guard } from './index.js';
import type { Dialect, GuardPolicy } from './types.js';

const database = 'shop_test';
const readOnly: GuardPolicy = {
  access: 'read-only',
  database,
  tables: [{ schema: 'public', name: 'products' }, { schema: 'public', name: 'orders' }],
};
const readWrite: GuardPolicy = { ...readOnly, access: 'read-write' };
const withDb = (sql: string): string => sql.replaceAll('{db}', database);

function rejection(sql: string, dialect: Dialect, policy: GuardPolicy = readOnly): GuardRejected {
  try {
    guard(sql, { dialect, policy });
  } catch (err) {
    if (err instanceof GuardRejected) return err;
    throw err;
  }
  throw new Error(`accepted: ${sql}`);
}

describe.each(['postgres', 'mysql'] as const)('guard (%s)', (dialect) => {
  it.each(analyticalQueries[dialect])('accepts %s', (sql) => {
    const verdict = guard(withDb(sql), { dialect, policy: readOnly });
    expect(verdict.kind).toBe('select');
    expect(verdict.sql.endsWith(';')).toBe(false);
  });

  it.each(hostileStatements[dialect].map((h) => [h.why, h.sql] as const))('refuses %s', (_why, sql) => {
    const err = rejection(withDb(sql), dialect);
    expect(err.code).toBe('guard_rejected');
    expect(err.status).toBe(422);
    expect(err.message.length).toBeGreaterThan(10);
  });
});

describe('guard corpus size', () => {
  it('has at least 60 hostile statements and 20 analytical queries per dialect', () => {
    expect(hostileStatements.postgres.length + hostileStatements.mysql.length).toBeGreaterThanOrEqual(60);
    expect(analyticalQueries.postgres.length).toBeGreaterThanOrEqual(20);
    expect(analyticalQueries.mysql.length).toBeGreaterThanOrEqual(20);
  });
});

describe('guard rules', () => {
  it('names the rule and says what to do', () => {
    expect(rejection('SELECT * FROM users', 'postgres')).toMatchObject({ rule: 'table', message: 'The table public.users is not part of this policy.' });
    expect(rejection('SELECT pg_sleep(1)', 'postgres').rule).toBe('function');
    expect(rejection('SELECT 1 -- x', 'postgres').rule).toBe('comment');
    expect(rejection('SELECT /*! 1 */ 2', 'mysql').message).toMatch(/executable comments/);
    expect(rejection("SELECT 'a\\'", 'postgres').rule).toBe('backslash');
    expect(rejection('SELECT 1; SELECT 2', 'postgres').rule).toBe('multiple_statements');
    expect(rejection('SELECT id FROM orders FOR UPDATE', 'mysql').rule).toBe('locking_read');
    expect(rejection('SELECT id FROM orders FOR UPDATE', 'postgres').rule).toBe('locking_read');
    expect(rejection('WITH d AS (DELETE FROM orders WHERE id = 1 RETURNING id) SELECT * FROM d', 'postgres').rule).toBe('nested_write');
    expect(rejection('SELECT * INTO x FROM orders', 'postgres').rule).toBe('select_into');
    expect(rejection("SELECT * FROM dblink('host=evil', 'SELECT 1') AS t(x int)", 'postgres').rule).toBe('table_function');
    expect(rejection('SELECT * FROM pg_catalog.pg_class', 'postgres').rule).toBe('catalog');
    expect(rejection('SELECT * FROM mysql.user', 'mysql').rule).toBe('catalog');
    expect(rejection('x'.repeat(30_000), 'postgres').rule).toBe('too_long');
  });

  it('finds a table outside the policy wherever a subquery hides it', () => {
    const hidden = [
      'SELECT (SELECT email FROM users LIMIT 1)',
      'SELECT * FROM products ORDER BY (SELECT count(*) FROM users)',
      'SELECT id FROM products GROUP BY id HAVING (SELECT 1 FROM users) = 1',
      'SELECT id FROM products WINDOW w AS (ORDER BY (SELECT 1 FROM users))',
      'SELECT * FROM products LIMIT (SELECT count(*) FROM users)',
      'SELECT * FROM products p JOIN orders o ON o.id = (SELECT 1 FROM users)',
      'SELECT CASE WHEN (SELECT 1 FROM users) = 1 THEN 1 END',
      'SELECT 1 FROM products UNION ALL (SELECT 1 FROM users)',
      'SELECT * FROM (VALUES ((SELECT email FROM users LIMIT 1))) v(x)',
      'SELECT count(*) FILTER (WHERE id IN (SELECT id FROM users)) FROM products',
      "SELECT json_build_object('a', (SELECT email FROM users LIMIT 1))",
      'SELECT lag((SELECT email FROM users LIMIT 1)) OVER ()',
      'SELECT (SELECT email FROM users LIMIT 1)::text',
      'SELECT DISTINCT ON ((SELECT 1 FROM users)) id FROM products',
      'SELECT * FROM products JOIN users USING (id)',
    ];
    for (const sql of hidden) expect(rejection(sql, 'postgres').rule, sql).toBe('table');
  });

  it('allows a trailing semicolon and reports the tables read', () => {
    const v = guard('SELECT o.id FROM public.orders o JOIN products p ON p.id = o.id;', { dialect: 'postgres', policy: readOnly });
    expect(v).toEqual({ sql: 'SELECT o.id FROM public.orders o JOIN products p ON p.id = o.id', kind: 'select', tables: ['public.orders', 'public.products'] });
  });

  it('keeps semicolons, comment markers and backslash-free quotes inside string literals', () => {
    expect(guard("SELECT id FROM products WHERE name = 'a; -- /* it''s */'", { dialect: 'postgres', policy: readOnly }).kind).toBe('select');
    expect(guard("SELECT id FROM products WHERE name = 'a; # -- /*! x */'", { dialect: 'mysql', policy: readOnly }).kind).toBe('select');
  });

  it('resolves PostgreSQL names by case folding: unquoted names fold, quoted ones do not', () => {
    expect(guard('SELECT * FROM PRODUCTS', { dialect: 'postgres', policy: readOnly }).tables).toEqual(['public.products']);
    expect(rejection('SELECT * FROM "Products"', 'postgres').rule).toBe('table');
    expect(guard('SELECT * FROM "products"', { dialect: 'postgres', policy: readOnly }).tables).toEqual(['public.products']);
  });

  it('compares MySQL names exactly and takes the connection database for unqualified ones', () => {
    expect(guard(`SELECT * FROM ${database}.orders`, { dialect: 'mysql', policy: readOnly }).tables).toEqual([`${database}.orders`]);
    expect(rejection('SELECT * FROM Orders', 'mysql').rule).toBe('table');
  });

  it('resolves CTE names by scope', () => {
    const ok = (sql: string): string[] => guard(sql, { dialect: 'postgres', policy: readOnly }).tables;
    expect(ok('WITH users AS (SELECT id FROM orders) SELECT * FROM users')).toEqual(['public.orders']);
    expect(ok('WITH a AS (SELECT id FROM orders), b AS (SELECT id FROM a) SELECT * FROM b')).toEqual(['public.orders']);
    expect(ok('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r')).toEqual([]);
    // A later CTE is not visible to an earlier one.
    expect(rejection('WITH a AS (SELECT * FROM payments), payments AS (SELECT 1) SELECT * FROM a', 'postgres').rule).toBe('table');
  });

  it('treats a policy without tables as every table of its schemas (PostgreSQL) or database (MySQL)', () => {
    const schemas: GuardPolicy = { access: 'read-only', database, schemas: ['public', 'sales'] };
    expect(guard('SELECT * FROM users JOIN sales.invoices i ON true', { dialect: 'postgres', policy: schemas }).tables).toEqual(['public.users', 'sales.invoices']);
    expect(rejection('SELECT * FROM hr.salaries', 'postgres', schemas).rule).toBe('table');
    const whole: GuardPolicy = { access: 'read-only', database };
    expect(guard('SELECT * FROM users', { dialect: 'mysql', policy: whole }).tables).toEqual([`${database}.users`]);
    expect(rejection('SELECT * FROM mysql.user', 'mysql', whole).rule).toBe('catalog');
  });

  describe('read-write policies', () => {
    it.each(['postgres', 'mysql'] as const)('allow INSERT, UPDATE and DELETE on the policy tables (%s)', (dialect) => {
      const run = (sql: string) => guard(sql, { dialect, policy: readWrite });
      expect(run("INSERT INTO orders (customer_id, total, status, created_at) VALUES (1, 9.99, 'paid', now())").kind).toBe('insert');
      expect(run("UPDATE orders SET status = 'shipped' WHERE id = 1")).toMatchObject({ kind: 'update' });
      expect(run('DELETE FROM orders WHERE id = 1')).toMatchObject({ kind: 'delete' });
    });

    it.each(['postgres', 'mysql'] as const)('accept UPDATE or DELETE without WHERE: like every write, they are previewed before they run (%s)', (dialect) => {
      expect(guard('UPDATE orders SET total = 0', { dialect, policy: readWrite }).kind).toBe('update');
      expect(guard('DELETE FROM orders', { dialect, policy: readWrite }).kind).toBe('delete');
    });

    it.each(['postgres', 'mysql'] as const)('refuse writes to other tables and DDL (%s)', (dialect) => {
      const refused = (sql: string) => rejection(sql, dialect, readWrite).rule;
      expect(refused('UPDATE users SET email = NULL WHERE id = 1')).toBe('table');
      expect(refused('DELETE FROM payments WHERE id = 1')).toBe('table');
      expect(refused('INSERT INTO orders SELECT * FROM payments')).toBe('table');
      expect(refused('DROP TABLE orders')).toBe('ddl');
      expect(refused('TRUNCATE orders')).toMatch(/ddl|parse_error/);
    });

    it('refuses a table in UPDATE ... FROM outside the policy (PostgreSQL)', () => {
      expect(rejection('UPDATE orders SET total = 0 FROM users u WHERE u.id = orders.customer_id', 'postgres', readWrite).rule).toBe('table');
    });

    it('refuses writable CTEs even on read-write policies', () => {
      expect(rejection('WITH d AS (DELETE FROM orders WHERE id = 1 RETURNING id) SELECT * FROM d', 'postgres', readWrite).rule).toBe('nested_write');
    });
  });
});
