import { describe, expect, it } from 'vitest';
import { guard } from './index.js';
import type { Dialect, GuardPolicy } from './types.js';
import { quoteName, writeTarget } from './write-target.js';

const policy: GuardPolicy = { access: 'read-write', database: 'shop' };
const target = (dialect: Dialect, sql: string) => writeTarget(guard(sql, { dialect, policy }), { dialect, policy });

describe('writeTarget', () => {
  it('derives the SELECT of an UPDATE\'s rows from the parsed statement, names folded and quoted as PostgreSQL does', () => {
    const t = target('postgres', "UPDATE Public.Products AS P SET category = 'x' WHERE P.Category = 'it''s' AND id IN (SELECT id FROM Orders WHERE total > 1)");
    expect(t.table).toEqual({ schema: 'public', name: 'products' });
    expect(t.targetRows(['id', 'Name"x'], ['id'], 21, true)).toBe(
      'SELECT "p"."id", "p"."Name""x" FROM "public"."products" AS "p" WHERE "p".Category = \'it\'\'s\' AND id IN ' +
      '(SELECT id FROM "orders" WHERE total > 1) ORDER BY "p"."id" LIMIT 21 FOR UPDATE');
  });

  it('keeps quoted PostgreSQL names as written', () => {
    const t = target('postgres', 'DELETE FROM "Products" WHERE id = 1');
    expect(t.table).toEqual({ schema: 'public', name: 'Products' });
    expect(t.targetRows(['Id'], [], 5, false)).toBe('SELECT "Products"."Id" FROM "public"."Products" WHERE id = 1 LIMIT 5');
  });

  it('follows UPDATE ... FROM with EXISTS, so each target row appears once', () => {
    const t = target('postgres', 'UPDATE orders SET total = total + 1 FROM users u WHERE u.id = orders.customer_id AND u.id < 3');
    expect(t.targetRows(['id'], ['id'], 10, false)).toBe(
      'SELECT "orders"."id" FROM "public"."orders" WHERE EXISTS(SELECT 1 FROM "users" AS "u" WHERE "u".id = "orders".customer_id AND "u".id < 3) ' +
      'ORDER BY "orders"."id" LIMIT 10');
  });

  it('keeps a MySQL UPDATE\'s ORDER BY and LIMIT, bounded by the limit given', () => {
    const t = target('mysql', 'UPDATE products SET stock = 0 WHERE price > 10 ORDER BY price DESC LIMIT 3');
    expect(t.table).toEqual({ schema: 'shop', name: 'products' });
    expect(t.targetRows(['id', 'we`ird'], ['id'], 1000, false)).toBe(
      'SELECT `products`.`id`, `products`.`we``ird` FROM `shop`.`products` WHERE `price` > 10 ORDER BY `price` DESC, `products`.`id` LIMIT 3');
    expect(t.rowsByKey(['id', 'stock'], ['id'], 2)).toBe('SELECT `id`, `stock` FROM `shop`.`products` WHERE (`id`) IN ((?), (?)) ORDER BY `id`');
  });

  it('has no target rows for INSERT, and reads back what the transaction wrote on PostgreSQL', () => {
    const t = target('postgres', "INSERT INTO products (id, name, category, price, stock) VALUES (9001, 'n', 'c', 1, 1)");
    expect(t.targetRows(['id'], [], 10, false)).toBeUndefined();
    expect(t.writtenRows(['id'], ['id'], 20)).toBe(
      'SELECT "id" FROM "public"."products" WHERE xmin::text::bigint = txid_current() % 4294967296 ORDER BY "id" LIMIT 20');
  });

  it('refuses writes it cannot follow', () => {
    expect(() => target('mysql', 'UPDATE products p JOIN orders o ON o.id = p.id SET p.stock = 1 WHERE o.total > 3')).toThrow();
    expect(() => target('postgres', 'UPDATE "a""b" SET x = 1 WHERE y = 2')).toThrow(/quote characters/);
  });

  it('quotes names by each engine\'s rules', () => {
    expect(quoteName('postgres', 'a"b')).toBe('"a""b"');
    expect(quoteName('mysql', 'a`b')).toBe('`a``b`');
  });
});
