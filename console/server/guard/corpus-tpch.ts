/**
 * TPC-H for the guard's corpus: the schema, a small deterministic data set (a few rows per table, chosen so
 * that most of the 22 queries return rows), and the 22 queries with the specification's validation
 * parameters, in PostgreSQL's and MySQL/MariaDB's spelling. Q15's view is a CTE (the console runs one
 * statement). Used by test/integration/guard-corpus.test.ts and the guard benchmark.
 */
import type { Dialect } from './types.js';

export const tpchTables = ['region', 'nation', 'supplier', 'customer', 'part', 'partsupp', 'orders', 'lineitem'] as const;

export const tpchSchema = [
  'CREATE TABLE region (r_regionkey INT PRIMARY KEY, r_name CHAR(25) NOT NULL, r_comment VARCHAR(152))',
  'CREATE TABLE nation (n_nationkey INT PRIMARY KEY, n_name CHAR(25) NOT NULL, n_regionkey INT NOT NULL, n_comment VARCHAR(152))',
  'CREATE TABLE supplier (s_suppkey INT PRIMARY KEY, s_name CHAR(25) NOT NULL, s_address VARCHAR(40) NOT NULL, s_nationkey INT NOT NULL, ' +
    's_phone CHAR(15) NOT NULL, s_acctbal DECIMAL(15,2) NOT NULL, s_comment VARCHAR(101) NOT NULL)',
  'CREATE TABLE customer (c_custkey INT PRIMARY KEY, c_name VARCHAR(25) NOT NULL, c_address VARCHAR(40) NOT NULL, c_nationkey INT NOT NULL, ' +
    'c_phone CHAR(15) NOT NULL, c_acctbal DECIMAL(15,2) NOT NULL, c_mktsegment CHAR(10) NOT NULL, c_comment VARCHAR(117) NOT NULL)',
  'CREATE TABLE part (p_partkey INT PRIMARY KEY, p_name VARCHAR(55) NOT NULL, p_mfgr CHAR(25) NOT NULL, p_brand CHAR(10) NOT NULL, ' +
    'p_type VARCHAR(25) NOT NULL, p_size INT NOT NULL, p_container CHAR(10) NOT NULL, p_retailprice DECIMAL(15,2) NOT NULL, p_comment VARCHAR(23) NOT NULL)',
  'CREATE TABLE partsupp (ps_partkey INT NOT NULL, ps_suppkey INT NOT NULL, ps_availqty INT NOT NULL, ps_supplycost DECIMAL(15,2) NOT NULL, ' +
    'ps_comment VARCHAR(199) NOT NULL, PRIMARY KEY (ps_partkey, ps_suppkey))',
  'CREATE TABLE orders (o_orderkey INT PRIMARY KEY, o_custkey INT NOT NULL, o_orderstatus CHAR(1) NOT NULL, o_totalprice DECIMAL(15,2) NOT NULL, ' +
    'o_orderdate DATE NOT NULL, o_orderpriority CHAR(15) NOT NULL, o_clerk CHAR(15) NOT NULL, o_shippriority INT NOT NULL, o_comment VARCHAR(79) NOT NULL)',
  'CREATE TABLE lineitem (l_orderkey INT NOT NULL, l_partkey INT NOT NULL, l_suppkey INT NOT NULL, l_linenumber INT NOT NULL, ' +
    'l_quantity DECIMAL(15,2) NOT NULL, l_extendedprice DECIMAL(15,2) NOT NULL, l_discount DECIMAL(15,2) NOT NULL, l_tax DECIMAL(15,2) NOT NULL, ' +
    'l_returnflag CHAR(1) NOT NULL, l_linestatus CHAR(1) NOT NULL, l_shipdate DATE NOT NULL, l_commitdate DATE NOT NULL, l_receiptdate DATE NOT NULL, ' +
    'l_shipinstruct CHAR(25) NOT NULL, l_shipmode CHAR(10) NOT NULL, l_comment VARCHAR(44) NOT NULL, PRIMARY KEY (l_orderkey, l_linenumber))',
];

type Row = (string | number)[];

const regions = ['AFRICA', 'AMERICA', 'ASIA', 'EUROPE', 'MIDDLE EAST'];
const nations: [string, number][] = [
  ['ALGERIA', 0], ['ARGENTINA', 1], ['BRAZIL', 1], ['CANADA', 1], ['EGYPT', 4], ['ETHIOPIA', 0], ['FRANCE', 3], ['GERMANY', 3],
  ['INDIA', 2], ['INDONESIA', 2], ['IRAN', 4], ['IRAQ', 4], ['JAPAN', 2], ['JORDAN', 4], ['KENYA', 0], ['MOROCCO', 0],
  ['MOZAMBIQUE', 0], ['PERU', 1], ['CHINA', 2], ['ROMANIA', 3], ['SAUDI ARABIA', 4], ['VIETNAM', 2], ['RUSSIA', 3],
  ['UNITED KINGDOM', 3], ['UNITED STATES', 1],
];
const colours = ['almond', 'antique', 'azure', 'blue', 'forest', 'green', 'ivory', 'khaki', 'lime', 'navy', 'olive', 'red', 'rose', 'tan'];
const typeWords = [['STANDARD', 'SMALL', 'MEDIUM', 'LARGE', 'ECONOMY', 'PROMO'], ['ANODIZED', 'BURNISHED', 'PLATED', 'POLISHED', 'BRUSHED'],
  ['TIN', 'NICKEL', 'BRASS', 'STEEL', 'COPPER']];
const containers = [['SM', 'LG', 'MED', 'JUMBO', 'WRAP'], ['CASE', 'BOX', 'BAG', 'JAR', 'PKG', 'PACK', 'CAN', 'DRUM']];
const segments = ['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'MACHINERY', 'HOUSEHOLD'];
const priorities = ['1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW'];
const modes = ['REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB'];
const instructions = ['DELIVER IN PERSON', 'COLLECT COD', 'NONE', 'TAKE BACK RETURN'];
const comments = ['carefully special requests sleep', 'final deposits haggle', 'Customer Complaints about slow boost',
  'quickly regular accounts', 'pending packages wake', 'ironic foxes nag'];

/** A small linear congruential generator: the same rows on every run and engine. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

function isoDate(base: Date, days: number): string {
  return new Date(base.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

/** The rows of each table, in the order of tpchTables. */
export function tpchRows(): Record<(typeof tpchTables)[number], Row[]> {
  const r = random(19);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const money = (lo: number, hi: number): number => Math.round((lo + r() * (hi - lo)) * 100) / 100;
  const start = new Date('1992-01-01T00:00:00Z');
  const rows = {
    region: regions.map((name, i): Row => [i, name, `region ${name.toLowerCase()}`]),
    nation: nations.map(([name, region], i): Row => [i, name, region, `nation ${i}`]),
    supplier: [] as Row[], customer: [] as Row[], part: [] as Row[], partsupp: [] as Row[], orders: [] as Row[], lineitem: [] as Row[],
  };
  for (let s = 1; s <= 12; s++) {
    const nation = s === 1 ? 20 : s === 2 ? 7 : s === 3 ? 3 : Math.floor(r() * 25);
    rows.supplier.push([s, `Supplier#${String(s).padStart(9, '0')}`, `addr ${s}`, nation, `${nation + 10}-555-${1000 + s}`,
      money(-500, 9000), pick(comments)]);
  }
  for (let c = 1; c <= 40; c++) {
    const nation = Math.floor(r() * 25);
    rows.customer.push([c, `Customer#${String(c).padStart(9, '0')}`, `street ${c}`, nation, `${nation + 10}-444-${2000 + c}`,
      money(-200, 9000), pick(segments), pick(comments)]);
  }
  for (let p = 1; p <= 40; p++) {
    const type = `${pick(typeWords[0]!)} ${pick(typeWords[1]!)} ${p % 4 === 0 ? 'BRASS' : pick(typeWords[2]!)}`;
    const name = `${pick(colours)} ${pick(colours)} ${p % 5 === 0 ? 'green' : pick(colours)}`;
    const m = 1 + Math.floor(r() * 5);
    rows.part.push([p, p % 7 === 0 ? `forest ${name}` : name, `Manufacturer#${m}`, `Brand#${m}${1 + Math.floor(r() * 5)}`, type,
      p % 3 === 0 ? 15 : 1 + Math.floor(r() * 50), `${pick(containers[0]!)} ${pick(containers[1]!)}`, money(900, 2000), 'part comment']);
    for (let k = 0; k < 3; k++) {
      rows.partsupp.push([p, ((p + k * 4) % 12) + 1, 1 + Math.floor(r() * 9999), money(1, 1000), pick(comments)]);
    }
  }
  let line = 0;
  for (let o = 1; o <= 120; o++) {
    const orderDays = Math.floor(r() * 2400);
    const lines = 1 + Math.floor(r() * 5);
    const items: Row[] = [];
    for (let l = 1; l <= lines; l++) {
      const part = 1 + Math.floor(r() * 40);
      const supplier = ((part + Math.floor(r() * 3) * 4) % 12) + 1;
      const ship = orderDays + 1 + Math.floor(r() * 120);
      const commit = orderDays + 30 + Math.floor(r() * 60);
      const receipt = ship + 1 + Math.floor(r() * 30);
      const quantity = 1 + Math.floor(r() * 50);
      const shipped = isoDate(start, ship);
      const flag = shipped <= '1995-06-17' ? pick(['R', 'A']) : 'N';
      items.push([o, part, supplier, l, quantity, money(900, 2000) * quantity / 10, Math.floor(r() * 11) / 100, Math.floor(r() * 9) / 100,
        flag, shipped > '1995-06-17' ? 'O' : 'F', shipped, isoDate(start, commit), isoDate(start, receipt),
        pick(instructions), pick(modes), `line ${++line}`]);
    }
    rows.lineitem.push(...items.map((i) => i.map((v) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v))));
    const customer = 1 + Math.floor(r() * 40);
    rows.orders.push([o, customer % 3 === 0 ? customer - 1 || 1 : customer, pick(['F', 'O', 'P']), money(1000, 400000), isoDate(start, orderDays),
      pick(priorities), `Clerk#${String(1 + Math.floor(r() * 10)).padStart(9, '0')}`, 0, o % 9 === 0 ? 'special pending requests' : pick(comments)]);
  }
  return rows;
}

/** INSERT statements for the data, in literal SQL both engines read alike. */
export function tpchInserts(): string[] {
  const rows = tpchRows();
  const literal = (v: string | number): string => (typeof v === 'number' ? String(v) : `'${v.replaceAll("'", "''")}'`);
  return tpchTables.map((table) => `INSERT INTO ${table} VALUES ${rows[table].map((row) => `(${row.map(literal).join(', ')})`).join(', ')}`);
}

/** Date arithmetic, the one place the two dialects differ throughout. */
const dateAdd: Record<Dialect, (date: string, amount: number, unit: 'day' | 'month' | 'year') => string> = {
  postgres: (date, amount, unit) => `date '${date}' ${amount < 0 ? '-' : '+'} interval '${Math.abs(amount)}' ${unit}`,
  mysql: (date, amount, unit) => `date_add('${date}', interval ${amount} ${unit})`,
};

function queries(dialect: Dialect): string[] {
  const add = dateAdd[dialect];
  const date = (d: string): string => (dialect === 'postgres' ? `date '${d}'` : `'${d}'`);
  const substr = (col: string): string => (dialect === 'postgres' ? `substring(${col} from 1 for 2)` : `substr(${col}, 1, 2)`);
  const year = (col: string): string => `extract(year from ${col})`;
  return [
    // Q1 pricing summary
    `SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price, sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
      sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge, avg(l_quantity) AS avg_qty, avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc,
      count(*) AS count_order FROM lineitem WHERE l_shipdate <= ${add('1998-12-01', -90, 'day')} GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus`,
    // Q2 minimum cost supplier
    `SELECT s_acctbal, s_name, n_name, p_partkey, p_mfgr, s_address, s_phone, s_comment FROM part, supplier, partsupp, nation, region
      WHERE p_partkey = ps_partkey AND s_suppkey = ps_suppkey AND p_size = 15 AND p_type LIKE '%BRASS' AND s_nationkey = n_nationkey AND n_regionkey = r_regionkey
      AND r_name = 'EUROPE' AND ps_supplycost = (SELECT min(ps_supplycost) FROM partsupp, supplier, nation, region WHERE p_partkey = ps_partkey
      AND s_suppkey = ps_suppkey AND s_nationkey = n_nationkey AND n_regionkey = r_regionkey AND r_name = 'EUROPE')
      ORDER BY s_acctbal DESC, n_name, s_name, p_partkey LIMIT 100`,
    // Q3 shipping priority
    `SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, o_shippriority FROM customer, orders, lineitem
      WHERE c_mktsegment = 'BUILDING' AND c_custkey = o_custkey AND l_orderkey = o_orderkey AND o_orderdate < ${date('1995-03-15')} AND l_shipdate > ${date('1995-03-15')}
      GROUP BY l_orderkey, o_orderdate, o_shippriority ORDER BY revenue DESC, o_orderdate, l_orderkey LIMIT 10`,
    // Q4 order priority checking
    `SELECT o_orderpriority, count(*) AS order_count FROM orders WHERE o_orderdate >= ${date('1993-07-01')} AND o_orderdate < ${add('1993-07-01', 3, 'month')}
      AND EXISTS (SELECT * FROM lineitem WHERE l_orderkey = o_orderkey AND l_commitdate < l_receiptdate) GROUP BY o_orderpriority ORDER BY o_orderpriority`,
    // Q5 local supplier volume
    `SELECT n_name, sum(l_extendedprice * (1 - l_discount)) AS revenue FROM customer, orders, lineitem, supplier, nation, region
      WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND l_suppkey = s_suppkey AND c_nationkey = s_nationkey AND s_nationkey = n_nationkey
      AND n_regionkey = r_regionkey AND r_name = 'ASIA' AND o_orderdate >= ${date('1994-01-01')} AND o_orderdate < ${add('1994-01-01', 1, 'year')}
      GROUP BY n_name ORDER BY revenue DESC, n_name`,
    // Q6 forecasting revenue change
    `SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem WHERE l_shipdate >= ${date('1994-01-01')} AND l_shipdate < ${add('1994-01-01', 1, 'year')}
      AND l_discount BETWEEN 0.06 - 0.01 AND 0.06 + 0.01 AND l_quantity < 24`,
    // Q7 volume shipping
    `SELECT supp_nation, cust_nation, l_year, sum(volume) AS revenue FROM (SELECT n1.n_name AS supp_nation, n2.n_name AS cust_nation,
      ${year('l_shipdate')} AS l_year, l_extendedprice * (1 - l_discount) AS volume FROM supplier, lineitem, orders, customer, nation n1, nation n2
      WHERE s_suppkey = l_suppkey AND o_orderkey = l_orderkey AND c_custkey = o_custkey AND s_nationkey = n1.n_nationkey AND c_nationkey = n2.n_nationkey
      AND ((n1.n_name = 'FRANCE' AND n2.n_name = 'GERMANY') OR (n1.n_name = 'GERMANY' AND n2.n_name = 'FRANCE'))
      AND l_shipdate BETWEEN ${date('1995-01-01')} AND ${date('1996-12-31')}) AS shipping GROUP BY supp_nation, cust_nation, l_year
      ORDER BY supp_nation, cust_nation, l_year`,
    // Q8 national market share
    `SELECT o_year, sum(CASE WHEN nation = 'BRAZIL' THEN volume ELSE 0 END) / sum(volume) AS mkt_share FROM (SELECT ${year('o_orderdate')} AS o_year,
      l_extendedprice * (1 - l_discount) AS volume, n2.n_name AS nation FROM part, supplier, lineitem, orders, customer, nation n1, nation n2, region
      WHERE p_partkey = l_partkey AND s_suppkey = l_suppkey AND l_orderkey = o_orderkey AND o_custkey = c_custkey AND c_nationkey = n1.n_nationkey
      AND n1.n_regionkey = r_regionkey AND r_name = 'AMERICA' AND s_nationkey = n2.n_nationkey AND o_orderdate BETWEEN ${date('1995-01-01')} AND ${date('1996-12-31')}
      AND p_type = 'ECONOMY ANODIZED STEEL') AS all_nations GROUP BY o_year ORDER BY o_year`,
    // Q9 product type profit measure
    `SELECT nation, o_year, sum(amount) AS sum_profit FROM (SELECT n_name AS nation, ${year('o_orderdate')} AS o_year,
      l_extendedprice * (1 - l_discount) - ps_supplycost * l_quantity AS amount FROM part, supplier, lineitem, partsupp, orders, nation
      WHERE s_suppkey = l_suppkey AND ps_suppkey = l_suppkey AND ps_partkey = l_partkey AND p_partkey = l_partkey AND o_orderkey = l_orderkey
      AND s_nationkey = n_nationkey AND p_name LIKE '%green%') AS profit GROUP BY nation, o_year ORDER BY nation, o_year DESC`,
    // Q10 returned item reporting
    `SELECT c_custkey, c_name, sum(l_extendedprice * (1 - l_discount)) AS revenue, c_acctbal, n_name, c_address, c_phone, c_comment
      FROM customer, orders, lineitem, nation WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND o_orderdate >= ${date('1993-10-01')}
      AND o_orderdate < ${add('1993-10-01', 3, 'month')} AND l_returnflag = 'R' AND c_nationkey = n_nationkey
      GROUP BY c_custkey, c_name, c_acctbal, c_phone, n_name, c_address, c_comment ORDER BY revenue DESC, c_custkey LIMIT 20`,
    // Q11 important stock identification
    `SELECT ps_partkey, sum(ps_supplycost * ps_availqty) AS value FROM partsupp, supplier, nation WHERE ps_suppkey = s_suppkey AND s_nationkey = n_nationkey
      AND n_name = 'GERMANY' GROUP BY ps_partkey HAVING sum(ps_supplycost * ps_availqty) > (SELECT sum(ps_supplycost * ps_availqty) * 0.0001
      FROM partsupp, supplier, nation WHERE ps_suppkey = s_suppkey AND s_nationkey = n_nationkey AND n_name = 'GERMANY') ORDER BY value DESC, ps_partkey`,
    // Q12 shipping modes and order priority
    `SELECT l_shipmode, sum(CASE WHEN o_orderpriority = '1-URGENT' OR o_orderpriority = '2-HIGH' THEN 1 ELSE 0 END) AS high_line_count,
      sum(CASE WHEN o_orderpriority <> '1-URGENT' AND o_orderpriority <> '2-HIGH' THEN 1 ELSE 0 END) AS low_line_count FROM orders, lineitem
      WHERE o_orderkey = l_orderkey AND l_shipmode IN ('MAIL', 'SHIP') AND l_commitdate < l_receiptdate AND l_shipdate < l_commitdate
      AND l_receiptdate >= ${date('1994-01-01')} AND l_receiptdate < ${add('1994-01-01', 1, 'year')} GROUP BY l_shipmode ORDER BY l_shipmode`,
    // Q13 customer distribution
    `SELECT c_count, count(*) AS custdist FROM (SELECT c_custkey, count(o_orderkey) AS c_count FROM customer LEFT OUTER JOIN orders
      ON c_custkey = o_custkey AND o_comment NOT LIKE '%special%requests%' GROUP BY c_custkey) AS c_orders GROUP BY c_count ORDER BY custdist DESC, c_count DESC`,
    // Q14 promotion effect
    `SELECT 100.00 * sum(CASE WHEN p_type LIKE 'PROMO%' THEN l_extendedprice * (1 - l_discount) ELSE 0 END) / sum(l_extendedprice * (1 - l_discount)) AS promo_revenue
      FROM lineitem, part WHERE l_partkey = p_partkey AND l_shipdate >= ${date('1995-09-01')} AND l_shipdate < ${add('1995-09-01', 1, 'month')}`,
    // Q15 top supplier (the view as a CTE)
    `WITH revenue0 AS (SELECT l_suppkey AS supplier_no, sum(l_extendedprice * (1 - l_discount)) AS total_revenue FROM lineitem
      WHERE l_shipdate >= ${date('1996-01-01')} AND l_shipdate < ${add('1996-01-01', 3, 'month')} GROUP BY l_suppkey)
      SELECT s_suppkey, s_name, s_address, s_phone, total_revenue FROM supplier, revenue0 WHERE s_suppkey = supplier_no
      AND total_revenue = (SELECT max(total_revenue) FROM revenue0) ORDER BY s_suppkey`,
    // Q16 parts/supplier relationship
    `SELECT p_brand, p_type, p_size, count(DISTINCT ps_suppkey) AS supplier_cnt FROM partsupp, part WHERE p_partkey = ps_partkey AND p_brand <> 'Brand#45'
      AND p_type NOT LIKE 'MEDIUM POLISHED%' AND p_size IN (49, 14, 23, 45, 19, 3, 36, 9, 15) AND ps_suppkey NOT IN (SELECT s_suppkey FROM supplier
      WHERE s_comment LIKE '%Customer%Complaints%') GROUP BY p_brand, p_type, p_size ORDER BY supplier_cnt DESC, p_brand, p_type, p_size`,
    // Q17 small-quantity-order revenue
    `SELECT sum(l_extendedprice) / 7.0 AS avg_yearly FROM lineitem, part WHERE p_partkey = l_partkey AND p_brand = 'Brand#23' AND p_container = 'MED BOX'
      AND l_quantity < (SELECT 0.2 * avg(l_quantity) FROM lineitem WHERE l_partkey = p_partkey)`,
    // Q18 large volume customer
    `SELECT c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice, sum(l_quantity) AS total FROM customer, orders, lineitem
      WHERE o_orderkey IN (SELECT l_orderkey FROM lineitem GROUP BY l_orderkey HAVING sum(l_quantity) > 150) AND c_custkey = o_custkey AND o_orderkey = l_orderkey
      GROUP BY c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice ORDER BY o_totalprice DESC, o_orderdate, o_orderkey LIMIT 100`,
    // Q19 discounted revenue
    `SELECT sum(l_extendedprice * (1 - l_discount)) AS revenue FROM lineitem, part WHERE (p_partkey = l_partkey AND p_brand = 'Brand#12'
      AND p_container IN ('SM CASE', 'SM BOX', 'SM PACK', 'SM PKG') AND l_quantity >= 1 AND l_quantity <= 1 + 10 AND p_size BETWEEN 1 AND 5
      AND l_shipmode IN ('AIR', 'REG AIR') AND l_shipinstruct = 'DELIVER IN PERSON') OR (p_partkey = l_partkey AND p_brand = 'Brand#23'
      AND p_container IN ('MED BAG', 'MED BOX', 'MED PKG', 'MED PACK') AND l_quantity >= 10 AND l_quantity <= 10 + 10 AND p_size BETWEEN 1 AND 10
      AND l_shipmode IN ('AIR', 'REG AIR') AND l_shipinstruct = 'DELIVER IN PERSON') OR (p_partkey = l_partkey AND p_brand = 'Brand#34'
      AND p_container IN ('LG CASE', 'LG BOX', 'LG PACK', 'LG PKG') AND l_quantity >= 20 AND l_quantity <= 20 + 10 AND p_size BETWEEN 1 AND 15
      AND l_shipmode IN ('AIR', 'REG AIR') AND l_shipinstruct = 'DELIVER IN PERSON')`,
    // Q20 potential part promotion
    `SELECT s_name, s_address FROM supplier, nation WHERE s_suppkey IN (SELECT ps_suppkey FROM partsupp WHERE ps_partkey IN (SELECT p_partkey FROM part
      WHERE p_name LIKE 'forest%') AND ps_availqty > (SELECT 0.5 * sum(l_quantity) FROM lineitem WHERE l_partkey = ps_partkey AND l_suppkey = ps_suppkey
      AND l_shipdate >= ${date('1994-01-01')} AND l_shipdate < ${add('1994-01-01', 1, 'year')})) AND s_nationkey = n_nationkey AND n_name = 'CANADA' ORDER BY s_name`,
    // Q21 suppliers who kept orders waiting
    `SELECT s_name, count(*) AS numwait FROM supplier, lineitem l1, orders, nation WHERE s_suppkey = l1.l_suppkey AND o_orderkey = l1.l_orderkey
      AND o_orderstatus = 'F' AND l1.l_receiptdate > l1.l_commitdate AND EXISTS (SELECT * FROM lineitem l2 WHERE l2.l_orderkey = l1.l_orderkey
      AND l2.l_suppkey <> l1.l_suppkey) AND NOT EXISTS (SELECT * FROM lineitem l3 WHERE l3.l_orderkey = l1.l_orderkey AND l3.l_suppkey <> l1.l_suppkey
      AND l3.l_receiptdate > l3.l_commitdate) AND s_nationkey = n_nationkey AND n_name = 'SAUDI ARABIA' GROUP BY s_name ORDER BY numwait DESC, s_name LIMIT 100`,
    // Q22 global sales opportunity
    `SELECT cntrycode, count(*) AS numcust, sum(c_acctbal) AS totacctbal FROM (SELECT ${substr('c_phone')} AS cntrycode, c_acctbal FROM customer
      WHERE ${substr('c_phone')} IN ('13', '31', '23', '29', '30', '18', '17') AND c_acctbal > (SELECT avg(c_acctbal) FROM customer WHERE c_acctbal > 0.00
      AND ${substr('c_phone')} IN ('13', '31', '23', '29', '30', '18', '17')) AND NOT EXISTS (SELECT * FROM orders WHERE o_custkey = c_custkey)) AS custsale
      GROUP BY cntrycode ORDER BY cntrycode`,
  ].map((sql) => sql.replace(/\s+/g, ' '));
}

export const tpchQueries: Record<Dialect, string[]> = { postgres: queries('postgres'), mysql: queries('mysql') };
