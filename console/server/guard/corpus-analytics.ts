/**
 * Analytical PostgreSQL as analysts and models write it, over the TPC-H schema of corpus-tpch.ts: calendars
 * with generate_series, cohorts and retention, funnels, window functions, percentiles, ROLLUP/CUBE/GROUPING
 * SETS, LATERAL top-N, recursive CTEs, JSON unnesting, TABLESAMPLE. Every query must pass the guard on a
 * policy that grants the TPC-H tables, and return the same rows through the console's runner as directly
 * (test/integration/guard-corpus.test.ts, on PostgreSQL 15: nothing newer is used).
 */
export const postgresAnalytics: string[] = [
  // calendars
  `SELECT d::date AS day, count(o.o_orderkey) AS orders FROM generate_series(date '1995-01-01', date '1995-01-31', interval '1 day') AS d
    LEFT JOIN orders o ON o.o_orderdate = d::date GROUP BY 1 ORDER BY 1`,
  `SELECT date_trunc('month', d)::date AS month, count(o.o_orderkey) AS orders, coalesce(sum(o.o_totalprice), 0) AS revenue
    FROM generate_series(date '1994-01-01', date '1994-12-01', interval '1 month') AS d
    LEFT JOIN orders o ON date_trunc('month', o.o_orderdate) = d GROUP BY 1 ORDER BY 1`,
  `SELECT w::date AS week, count(l.l_orderkey) AS shipped FROM generate_series(date '1996-01-01', date '1996-03-31', interval '1 week') w
    LEFT JOIN lineitem l ON l.l_shipdate >= w AND l.l_shipdate < w + interval '1 week' GROUP BY w ORDER BY w`,
  `SELECT y AS year, (SELECT count(*) FROM orders WHERE extract(year FROM o_orderdate) = y) AS orders FROM generate_series(1992, 1998) AS y ORDER BY y`,
  `SELECT extract(isodow FROM d) AS weekday, count(*) AS days FROM generate_series(date '1995-01-01', date '1995-12-31', interval '1 day') d GROUP BY 1 ORDER BY 1`,
  `WITH days AS (SELECT d::date AS day FROM generate_series(date '1993-01-01', date '1993-03-31', '1 day'::interval) d)
    SELECT day, coalesce(sum(o_totalprice) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW), 0) AS rolling_week
    FROM days LEFT JOIN orders ON o_orderdate = day ORDER BY day, rolling_week`,
  `SELECT to_char(m, 'YYYY-MM') AS month, count(DISTINCT o_custkey) AS active_customers FROM generate_series(date '1992-01-01', date '1998-12-01', interval '1 month') m
    LEFT JOIN orders ON o_orderdate >= m AND o_orderdate < m + interval '1 month' GROUP BY m ORDER BY m`,
  `SELECT q::date AS quarter_start, count(o_orderkey) FILTER (WHERE o_orderstatus = 'F') AS finished, count(o_orderkey) AS total
    FROM generate_series(date '1993-01-01', date '1997-10-01', interval '3 months') q LEFT JOIN orders ON date_trunc('quarter', o_orderdate) = q GROUP BY q ORDER BY q`,
  `SELECT d::date AS day FROM generate_series(date '1995-02-01', date '1995-02-28', interval '1 day') d
    WHERE NOT EXISTS (SELECT 1 FROM lineitem WHERE l_shipdate = d::date) ORDER BY 1`,
  `SELECT date_bin('7 days', o_orderdate::timestamp, timestamp '1992-01-01') AS bucket, count(*) FROM orders GROUP BY 1 ORDER BY 1`,
  // cohorts and retention
  `WITH first AS (SELECT o_custkey, min(date_trunc('year', o_orderdate)) AS cohort FROM orders GROUP BY o_custkey)
    SELECT cohort::date, count(*) AS customers FROM first GROUP BY cohort ORDER BY cohort`,
  `WITH first AS (SELECT o_custkey, min(o_orderdate) AS first_order FROM orders GROUP BY o_custkey),
    activity AS (SELECT DISTINCT o.o_custkey, extract(year FROM o.o_orderdate) - extract(year FROM f.first_order) AS years_since FROM orders o JOIN first f USING (o_custkey))
    SELECT years_since, count(*) AS retained FROM activity GROUP BY years_since ORDER BY years_since`,
  `WITH cohorts AS (SELECT o_custkey, extract(year FROM min(o_orderdate))::int AS cohort FROM orders GROUP BY o_custkey),
    sizes AS (SELECT cohort, count(*) AS size FROM cohorts GROUP BY cohort)
    SELECT c.cohort, extract(year FROM o.o_orderdate)::int AS year, count(DISTINCT o.o_custkey) AS active, s.size,
      round(100.0 * count(DISTINCT o.o_custkey) / s.size, 1) AS pct
    FROM cohorts c JOIN orders o USING (o_custkey) JOIN sizes s USING (cohort) GROUP BY c.cohort, 2, s.size ORDER BY 1, 2`,
  `SELECT o_custkey, o_orderdate, o_orderdate - lag(o_orderdate) OVER (PARTITION BY o_custkey ORDER BY o_orderdate, o_orderkey) AS days_since_previous
    FROM orders ORDER BY o_custkey, o_orderdate, o_orderkey`,
  `WITH gaps AS (SELECT o_custkey, o_orderdate - lag(o_orderdate) OVER (PARTITION BY o_custkey ORDER BY o_orderdate, o_orderkey) AS gap FROM orders)
    SELECT o_custkey, avg(gap)::numeric(10,1) AS mean_gap, max(gap) AS longest_gap FROM gaps WHERE gap IS NOT NULL GROUP BY o_custkey ORDER BY o_custkey`,
  `SELECT c.c_mktsegment, count(DISTINCT c.c_custkey) AS customers, count(DISTINCT o.o_custkey) AS buyers,
    round(count(DISTINCT o.o_custkey)::numeric / nullif(count(DISTINCT c.c_custkey), 0), 3) AS conversion
    FROM customer c LEFT JOIN orders o ON o.o_custkey = c.c_custkey GROUP BY c.c_mktsegment ORDER BY 1`,
  `WITH yearly AS (SELECT DISTINCT o_custkey, extract(year FROM o_orderdate)::int AS y FROM orders)
    SELECT a.y, count(*) AS customers, count(b.o_custkey) AS came_back FROM yearly a LEFT JOIN yearly b ON b.o_custkey = a.o_custkey AND b.y = a.y + 1
    GROUP BY a.y ORDER BY a.y`,
  `SELECT o_custkey, count(*) AS orders, min(o_orderdate) AS first_order, max(o_orderdate) AS last_order,
    max(o_orderdate) - min(o_orderdate) AS lifetime_days FROM orders GROUP BY o_custkey HAVING count(*) > 1 ORDER BY lifetime_days DESC, o_custkey`,
  // funnels
  `SELECT count(*) AS ordered, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM lineitem l WHERE l.l_orderkey = o.o_orderkey AND l.l_shipdate IS NOT NULL)) AS shipped,
    count(*) FILTER (WHERE o_orderstatus = 'F') AS fulfilled FROM orders o`,
  `WITH steps AS (SELECT l_orderkey, min(l_shipdate) AS shipped, max(l_receiptdate) AS received FROM lineitem GROUP BY l_orderkey)
    SELECT count(o.o_orderkey) AS orders, count(s.shipped) AS shipped, count(s.received) FILTER (WHERE s.received <= date '1998-01-01') AS received_by_1998
    FROM orders o LEFT JOIN steps s ON s.l_orderkey = o.o_orderkey`,
  `SELECT o_orderpriority, count(*) AS orders, count(*) FILTER (WHERE o_orderstatus <> 'P') AS past_pending,
    round(100.0 * count(*) FILTER (WHERE o_orderstatus = 'F') / count(*), 1) AS pct_finished FROM orders GROUP BY ROLLUP (o_orderpriority) ORDER BY 1 NULLS LAST`,
  `SELECT stage, n FROM (VALUES (1, 'customers', (SELECT count(*) FROM customer)), (2, 'with orders', (SELECT count(DISTINCT o_custkey) FROM orders)),
    (3, 'with two orders', (SELECT count(*) FROM (SELECT o_custkey FROM orders GROUP BY o_custkey HAVING count(*) >= 2) t))) AS f(step, stage, n) ORDER BY step`,
  `SELECT l_shipmode, count(*) AS lines, count(*) FILTER (WHERE l_commitdate >= l_shipdate) AS on_time,
    count(*) FILTER (WHERE l_receiptdate > l_commitdate) AS late FROM lineitem GROUP BY l_shipmode ORDER BY l_shipmode`,
  `WITH f AS (SELECT c_custkey, EXISTS (SELECT 1 FROM orders WHERE o_custkey = c_custkey) AS ordered,
    EXISTS (SELECT 1 FROM orders JOIN lineitem ON l_orderkey = o_orderkey WHERE o_custkey = c_custkey AND l_returnflag = 'R') AS returned FROM customer)
    SELECT count(*) AS customers, count(*) FILTER (WHERE ordered) AS ordered, count(*) FILTER (WHERE returned) AS returned FROM f`,
  // window functions
  `SELECT o_orderkey, o_custkey, o_totalprice, row_number() OVER (PARTITION BY o_custkey ORDER BY o_totalprice DESC, o_orderkey) AS rn FROM orders ORDER BY o_custkey, rn`,
  `SELECT o_orderkey, o_totalprice, rank() OVER w, dense_rank() OVER w, percent_rank() OVER w, cume_dist() OVER w FROM orders WINDOW w AS (ORDER BY o_totalprice) ORDER BY o_totalprice, o_orderkey`,
  `SELECT o_orderdate, o_totalprice, sum(o_totalprice) OVER (ORDER BY o_orderdate, o_orderkey ROWS UNBOUNDED PRECEDING) AS running FROM orders ORDER BY o_orderdate, o_orderkey`,
  `SELECT o_orderkey, o_orderdate, avg(o_totalprice) OVER (ORDER BY o_orderdate RANGE BETWEEN interval '30 days' PRECEDING AND CURRENT ROW)::numeric(15,2) AS avg_30d
    FROM orders ORDER BY o_orderdate, o_orderkey`,
  `SELECT o_orderkey, o_totalprice, first_value(o_orderkey) OVER w AS first_in_segment, last_value(o_orderkey) OVER w AS last_in_segment,
    nth_value(o_orderkey, 2) OVER w AS second FROM orders WINDOW w AS (PARTITION BY o_orderpriority ORDER BY o_orderdate, o_orderkey
    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) ORDER BY o_orderkey`,
  `SELECT l_orderkey, l_linenumber, l_quantity, sum(l_quantity) OVER (PARTITION BY l_orderkey) AS order_total,
    round(l_quantity / sum(l_quantity) OVER (PARTITION BY l_orderkey), 3) AS share FROM lineitem ORDER BY 1, 2`,
  `SELECT p_partkey, p_retailprice, ntile(4) OVER (ORDER BY p_retailprice, p_partkey) AS quartile FROM part ORDER BY p_partkey`,
  `SELECT o_orderkey, o_totalprice, o_totalprice - lag(o_totalprice, 1, 0) OVER (ORDER BY o_orderkey) AS delta, lead(o_orderkey) OVER (ORDER BY o_orderkey) AS next FROM orders ORDER BY 1`,
  `SELECT * FROM (SELECT s_suppkey, n_name, s_acctbal, rank() OVER (PARTITION BY n_name ORDER BY s_acctbal DESC) AS r FROM supplier JOIN nation ON n_nationkey = s_nationkey) t
    WHERE r = 1 ORDER BY n_name, s_suppkey`,
  `SELECT o_orderdate, count(*) OVER (ORDER BY o_orderdate GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS neighbours FROM orders ORDER BY o_orderdate, neighbours`,
  `SELECT l_orderkey, l_linenumber, sum(l_extendedprice) OVER (PARTITION BY l_orderkey ORDER BY l_linenumber ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) AS around
    FROM lineitem ORDER BY 1, 2`,
  `SELECT c_nationkey, c_custkey, c_acctbal, c_acctbal - avg(c_acctbal) OVER (PARTITION BY c_nationkey) AS vs_nation FROM customer ORDER BY c_nationkey, c_custkey`,
  `SELECT o_custkey, o_orderkey, count(*) FILTER (WHERE o_orderstatus = 'F') OVER (PARTITION BY o_custkey) AS finished_orders FROM orders ORDER BY 1, 2`,
  `WITH ranked AS (SELECT l_suppkey, l_partkey, sum(l_quantity) AS qty, row_number() OVER (PARTITION BY l_suppkey ORDER BY sum(l_quantity) DESC, l_partkey) AS rn
    FROM lineitem GROUP BY l_suppkey, l_partkey) SELECT l_suppkey, l_partkey, qty FROM ranked WHERE rn <= 3 ORDER BY l_suppkey, rn`,
  `SELECT o_orderkey, o_orderdate, o_orderdate - first_value(o_orderdate) OVER (PARTITION BY o_custkey ORDER BY o_orderdate, o_orderkey) AS days_since_first FROM orders ORDER BY 1`,
  // percentiles and ordered-set aggregates
  `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY o_totalprice) AS median, percentile_cont(0.9) WITHIN GROUP (ORDER BY o_totalprice) AS p90 FROM orders`,
  `SELECT o_orderpriority, percentile_disc(0.5) WITHIN GROUP (ORDER BY o_totalprice) AS median FROM orders GROUP BY o_orderpriority ORDER BY 1`,
  `SELECT percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY l_extendedprice) AS quartiles FROM lineitem`,
  `SELECT mode() WITHIN GROUP (ORDER BY l_shipmode) AS commonest_mode FROM lineitem`,
  `SELECT l_shipmode, percentile_cont(0.5) WITHIN GROUP (ORDER BY l_receiptdate - l_shipdate) AS median_days_in_transit FROM lineitem GROUP BY 1 ORDER BY 1`,
  `SELECT n_name, percentile_cont(0.5) WITHIN GROUP (ORDER BY c_acctbal) AS median_balance FROM customer JOIN nation ON n_nationkey = c_nationkey GROUP BY n_name ORDER BY n_name`,
  `SELECT rank(100000) WITHIN GROUP (ORDER BY o_totalprice) AS rank_of_100k, cume_dist(100000) WITHIN GROUP (ORDER BY o_totalprice) AS share_below FROM orders`,
  `SELECT width_bucket(o_totalprice, 0, 400000, 8) AS bucket, count(*), min(o_totalprice), max(o_totalprice) FROM orders GROUP BY 1 ORDER BY 1`,
  // ROLLUP, CUBE, GROUPING SETS
  `SELECT l_returnflag, l_linestatus, sum(l_quantity) FROM lineitem GROUP BY ROLLUP (l_returnflag, l_linestatus) ORDER BY 1 NULLS LAST, 2 NULLS LAST`,
  `SELECT l_returnflag, l_shipmode, count(*) FROM lineitem GROUP BY CUBE (l_returnflag, l_shipmode) ORDER BY 1 NULLS LAST, 2 NULLS LAST`,
  `SELECT o_orderpriority, o_orderstatus, count(*) FROM orders GROUP BY GROUPING SETS ((o_orderpriority), (o_orderstatus), ()) ORDER BY 1 NULLS LAST, 2 NULLS LAST`,
  `SELECT CASE WHEN grouping(r_name) = 1 THEN 'all regions' ELSE r_name END AS region, CASE WHEN grouping(n_name) = 1 THEN 'all' ELSE n_name END AS nation,
    count(s_suppkey) FROM region JOIN nation ON n_regionkey = r_regionkey LEFT JOIN supplier ON s_nationkey = n_nationkey GROUP BY ROLLUP (r_name, n_name) ORDER BY 1, 2`,
  `SELECT extract(year FROM o_orderdate) AS y, extract(quarter FROM o_orderdate) AS q, sum(o_totalprice) FROM orders GROUP BY ROLLUP (1, 2) ORDER BY 1 NULLS LAST, 2 NULLS LAST`,
  `SELECT p_mfgr, p_brand, grouping(p_mfgr, p_brand) AS level, avg(p_retailprice)::numeric(10,2) FROM part GROUP BY GROUPING SETS ((p_mfgr, p_brand), (p_mfgr)) ORDER BY 1, 2 NULLS LAST`,
  `SELECT c_mktsegment, c_nationkey, count(*) FROM customer GROUP BY DISTINCT ROLLUP (c_mktsegment, c_nationkey), ROLLUP (c_mktsegment) ORDER BY 1 NULLS LAST, 2 NULLS LAST`,
  `SELECT l_shipinstruct, l_shipmode, sum(l_extendedprice)::numeric(15,2) FROM lineitem GROUP BY CUBE (l_shipinstruct, l_shipmode) HAVING count(*) > 5 ORDER BY 1 NULLS LAST, 2 NULLS LAST`,
  // LATERAL top-N
  `SELECT c.c_custkey, t.o_orderkey, t.o_totalprice FROM customer c CROSS JOIN LATERAL (SELECT o_orderkey, o_totalprice FROM orders WHERE o_custkey = c.c_custkey
    ORDER BY o_totalprice DESC, o_orderkey LIMIT 2) t ORDER BY 1, 3 DESC, 2`,
  `SELECT n.n_name, top.s_name, top.s_acctbal FROM nation n LEFT JOIN LATERAL (SELECT s_name, s_acctbal FROM supplier WHERE s_nationkey = n.n_nationkey
    ORDER BY s_acctbal DESC LIMIT 1) top ON true ORDER BY n.n_name`,
  `SELECT o.o_orderkey, biggest.l_linenumber, biggest.l_extendedprice FROM orders o, LATERAL (SELECT l_linenumber, l_extendedprice FROM lineitem
    WHERE l_orderkey = o.o_orderkey ORDER BY l_extendedprice DESC, l_linenumber FETCH FIRST 1 ROW ONLY) biggest WHERE o.o_orderkey <= 30 ORDER BY 1`,
  `SELECT p.p_partkey, cheapest.ps_suppkey, cheapest.ps_supplycost FROM part p CROSS JOIN LATERAL (SELECT ps_suppkey, ps_supplycost FROM partsupp
    WHERE ps_partkey = p.p_partkey ORDER BY ps_supplycost, ps_suppkey LIMIT 1) cheapest ORDER BY 1`,
  `SELECT r.r_name, x.n_name, x.customers FROM region r CROSS JOIN LATERAL (SELECT n_name, count(c_custkey) AS customers FROM nation
    LEFT JOIN customer ON c_nationkey = n_nationkey WHERE n_regionkey = r.r_regionkey GROUP BY n_name ORDER BY customers DESC, n_name LIMIT 2) x ORDER BY 1, 3 DESC, 2`,
  `SELECT c.c_custkey, s.orders, s.spent FROM customer c, LATERAL (SELECT count(*) AS orders, coalesce(sum(o_totalprice), 0) AS spent FROM orders
    WHERE o_custkey = c.c_custkey) s ORDER BY s.spent DESC, c.c_custkey LIMIT 10`,
  `SELECT o.o_orderkey, g.n FROM orders o CROSS JOIN LATERAL generate_series(1, (o.o_orderkey % 3) + 1) AS g(n) WHERE o.o_orderkey <= 10 ORDER BY 1, 2`,
  `SELECT s.s_suppkey, recent.l_orderkey, recent.l_shipdate FROM supplier s LEFT JOIN LATERAL (SELECT l_orderkey, l_shipdate FROM lineitem
    WHERE l_suppkey = s.s_suppkey ORDER BY l_shipdate DESC, l_orderkey DESC LIMIT 3) recent ON true ORDER BY 1, 3 DESC, 2`,
  // recursive CTEs
  `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) SELECT i, i * i AS square FROM n ORDER BY i`,
  `WITH RECURSIVE chain AS (SELECT o_custkey, o_orderkey, o_orderdate, 1 AS depth FROM orders WHERE o_orderkey = (SELECT min(o_orderkey) FROM orders)
    UNION ALL SELECT o.o_custkey, o.o_orderkey, o.o_orderdate, c.depth + 1 FROM chain c JOIN orders o ON o.o_custkey = c.o_custkey
    AND o.o_orderdate > c.o_orderdate AND c.depth < 10) SELECT * FROM chain ORDER BY depth, o_orderkey`,
  `WITH RECURSIVE tree(id, parent, label) AS (SELECT r_regionkey + 100, NULL::int, r_name::text FROM region
    UNION ALL SELECT n_nationkey, n_regionkey + 100, n_name::text FROM nation),
    walk AS (SELECT id, label, label AS path, 0 AS depth FROM tree WHERE parent IS NULL
    UNION ALL SELECT t.id, t.label, w.path || ' > ' || t.label, w.depth + 1 FROM tree t JOIN walk w ON t.parent = w.id)
    SELECT path, depth FROM walk ORDER BY path`,
  `WITH RECURSIVE months(m) AS (SELECT date '1995-01-01' UNION ALL SELECT (m + interval '1 month')::date FROM months WHERE m < date '1995-12-01')
    SELECT m, (SELECT count(*) FROM orders WHERE date_trunc('month', o_orderdate) = m) AS orders FROM months ORDER BY m`,
  `WITH RECURSIVE fib(a, b, n) AS (SELECT 0::numeric, 1::numeric, 1 UNION ALL SELECT b, a + b, n + 1 FROM fib WHERE n < 30) SELECT n, a FROM fib ORDER BY n`,
  `WITH RECURSIVE split(rest, word, n) AS (SELECT r_comment || ' ', NULL::text, 0 FROM region WHERE r_regionkey = 1
    UNION ALL SELECT substr(rest, strpos(rest, ' ') + 1), substr(rest, 1, strpos(rest, ' ') - 1), n + 1 FROM split WHERE rest <> '')
    SELECT n, word FROM split WHERE word IS NOT NULL ORDER BY n`,
  `WITH RECURSIVE ladder AS (SELECT 1 AS level, 1000.0::numeric AS threshold UNION ALL SELECT level + 1, threshold * 2 FROM ladder WHERE level < 9)
    SELECT l.level, l.threshold, count(o.o_orderkey) FROM ladder l LEFT JOIN orders o ON o.o_totalprice >= l.threshold GROUP BY 1, 2 ORDER BY 1`,
  `WITH RECURSIVE r AS (SELECT n_nationkey AS id, ARRAY[n_nationkey] AS seen FROM nation WHERE n_nationkey = 0
    UNION ALL SELECT n.n_nationkey, r.seen || n.n_nationkey FROM r JOIN nation n ON n.n_regionkey = (SELECT n_regionkey FROM nation WHERE n_nationkey = r.id)
    AND NOT n.n_nationkey = ANY (r.seen)) SEARCH DEPTH FIRST BY id SET ord SELECT id, seen FROM r ORDER BY ord`,
  // JSON
  `SELECT e ->> 'nation' AS nation, (e ->> 'suppliers')::int AS suppliers FROM jsonb_array_elements((SELECT jsonb_agg(jsonb_build_object('nation', n_name,
    'suppliers', (SELECT count(*) FROM supplier WHERE s_nationkey = n_nationkey))) FROM nation)) AS e ORDER BY 1`,
  `SELECT k, v FROM (SELECT jsonb_build_object('orders', count(*), 'customers', count(DISTINCT o_custkey)) AS doc FROM orders) s, jsonb_each(s.doc) AS j(k, v) ORDER BY k`,
  `SELECT key, value FROM jsonb_each_text((SELECT jsonb_object_agg(o_orderstatus, n) FROM (SELECT o_orderstatus, count(*) AS n FROM orders GROUP BY 1) t)) ORDER BY key`,
  `SELECT r.* FROM jsonb_to_recordset((SELECT jsonb_agg(jsonb_build_object('id', p_partkey, 'price', p_retailprice)) FROM part WHERE p_partkey <= 5))
    AS r(id int, price numeric) ORDER BY r.id`,
  `SELECT o_orderkey, jsonb_array_length(jsonb_agg(l_linenumber)) AS lines, jsonb_agg(l_linenumber ORDER BY l_linenumber) AS line_numbers
    FROM orders JOIN lineitem ON l_orderkey = o_orderkey WHERE o_orderkey <= 10 GROUP BY o_orderkey ORDER BY 1`,
  `SELECT elem, ord FROM jsonb_array_elements_text('["AIR", "MAIL", "SHIP"]'::jsonb) WITH ORDINALITY AS t(elem, ord) ORDER BY ord`,
  `SELECT doc -> 'totals' ->> 'max' AS max_total, doc #>> '{totals,min}' AS min_total FROM (SELECT jsonb_build_object('totals',
    jsonb_build_object('max', max(o_totalprice), 'min', min(o_totalprice))) AS doc FROM orders) s`,
  `SELECT jsonb_object_keys(jsonb_build_object('a', 1, 'b', 2, 'c', 3)) AS key ORDER BY 1`,
  `SELECT c_custkey, jsonb_path_query_first(to_jsonb(c), '$.c_acctbal') AS balance FROM customer c WHERE c_custkey <= 5 ORDER BY 1`,
  `SELECT n_name, row_to_json(t)::text AS doc FROM (SELECT n_name, n_regionkey FROM nation WHERE n_nationkey < 3) t ORDER BY 1`,
  // TABLESAMPLE
  `SELECT count(*) >= 0 AS sampled FROM lineitem TABLESAMPLE SYSTEM (50) REPEATABLE (42)`,
  `SELECT count(*) FROM orders TABLESAMPLE BERNOULLI (100)`,
  `SELECT l_shipmode, count(*) FROM lineitem TABLESAMPLE BERNOULLI (100) REPEATABLE (7) GROUP BY 1 ORDER BY 1`,
  `SELECT avg(c_acctbal) IS NOT NULL OR count(*) = 0 AS ok FROM customer TABLESAMPLE SYSTEM (10) REPEATABLE (1)`,
  // everyday analysis
  `SELECT DISTINCT ON (o_custkey) o_custkey, o_orderkey, o_orderdate FROM orders ORDER BY o_custkey, o_orderdate DESC, o_orderkey DESC`,
  `SELECT x, y FROM (VALUES (1, 'one'), (2, 'two'), (3, 'three')) AS v(x, y) ORDER BY x`,
  `SELECT o_orderdate::date AS day, o_totalprice::int AS rounded, o_orderkey::text || '-' || o_custkey AS label FROM orders WHERE o_orderkey <= 5 ORDER BY 1, 3`,
  `SELECT word, count(*) FROM customer, string_to_table(c_comment, ' ') AS word GROUP BY word ORDER BY 2 DESC, 1`,
  `SELECT (regexp_matches(p_type, '^([A-Z]+) ([A-Z]+) ([A-Z]+)$'))[3] AS material, count(*) FROM part GROUP BY 1 ORDER BY 1`,
  `SELECT material, count(*) FROM part, regexp_split_to_table(p_type, ' ') WITH ORDINALITY AS t(material, pos) WHERE pos = 3 GROUP BY 1 ORDER BY 1`,
  `SELECT a, b FROM ROWS FROM (generate_series(1, 3), unnest(ARRAY['x', 'y'])) AS t(a, b) ORDER BY a`,
  `SELECT u, ord FROM unnest(ARRAY['AFRICA', 'ASIA']) WITH ORDINALITY AS t(u, ord) JOIN region ON r_name = u ORDER BY ord`,
  `SELECT o_orderkey FROM orders WHERE o_orderkey = ANY (ARRAY[1, 2, 3]) ORDER BY 1`,
  `SELECT o_orderkey, o_totalprice FROM orders ORDER BY o_totalprice DESC FETCH FIRST 5 ROWS WITH TIES`,
  `SELECT n_name FROM nation EXCEPT SELECT n_name FROM nation JOIN supplier ON s_nationkey = n_nationkey ORDER BY 1`,
  `SELECT c_custkey FROM customer INTERSECT SELECT o_custkey FROM orders ORDER BY 1`,
  `(SELECT 'max' AS which, max(o_totalprice) FROM orders) UNION ALL (SELECT 'min', min(o_totalprice) FROM orders) ORDER BY 1`,
  `SELECT l_orderkey, array_agg(l_shipmode ORDER BY l_linenumber) AS modes, string_agg(DISTINCT l_shipinstruct, ', ' ORDER BY l_shipinstruct) AS instructions
    FROM lineitem WHERE l_orderkey <= 10 GROUP BY 1 ORDER BY 1`,
  `SELECT p_brand, bool_and(p_size > 10) AS all_large, bool_or(p_size = 15) AS some_15, every(p_retailprice > 900) AS all_pricy FROM part GROUP BY 1 ORDER BY 1`,
  `SELECT c_custkey, CASE WHEN c_acctbal < 0 THEN 'negative' WHEN c_acctbal < 5000 THEN 'medium' ELSE 'high' END AS band FROM customer ORDER BY 1`,
  `SELECT o_orderkey, age(date '1998-12-31', o_orderdate) AS age, extract(epoch FROM (date '1998-12-31' - o_orderdate) * interval '1 day') AS seconds
    FROM orders WHERE o_orderkey <= 5 ORDER BY 1`,
  `SELECT to_char(o_orderdate, 'YYYY "Q"Q') AS quarter, count(*) FROM orders GROUP BY 1 ORDER BY 1`,
  `SELECT corr(l_quantity, l_extendedprice)::numeric(6,4) AS correlation, regr_slope(l_extendedprice, l_quantity)::numeric(12,4) AS slope FROM lineitem`,
  `SELECT o_orderstatus, stddev_samp(o_totalprice)::numeric(15,2), var_pop(o_totalprice)::numeric(20,2) FROM orders GROUP BY 1 ORDER BY 1`,
  `SELECT l_orderkey, l_linenumber FROM lineitem WHERE (l_orderkey, l_linenumber) IN (SELECT l_orderkey, max(l_linenumber) FROM lineitem GROUP BY 1) AND l_orderkey <= 10 ORDER BY 1`,
  `SELECT n_name, coalesce(nullif(trim(n_comment), ''), '(none)') AS comment, upper(left(n_name, 3)) AS code, length(n_name) FROM nation ORDER BY 1`,
  `SELECT p_partkey, p_retailprice, greatest(p_retailprice, 1500) AS floor_1500, least(p_size, 20) AS capped FROM part ORDER BY 1`,
  `SELECT c_custkey, c_phone, split_part(c_phone, '-', 1)::int - 10 AS nation_from_phone FROM customer WHERE c_phone LIKE '1%' ORDER BY 1`,
  `SELECT o_orderkey FROM orders o WHERE NOT EXISTS (SELECT 1 FROM lineitem l WHERE l.l_orderkey = o.o_orderkey AND l.l_returnflag = 'R') ORDER BY 1`,
  `SELECT s_suppkey, s_name FROM supplier WHERE s_acctbal > ALL (SELECT c_acctbal FROM customer WHERE c_nationkey = 0) ORDER BY 1`,
  `SELECT o_orderkey, o_totalprice FROM orders WHERE o_totalprice > (SELECT avg(o_totalprice) + stddev(o_totalprice) FROM orders) ORDER BY 2 DESC, 1`,
  `SELECT date_part('year', o_orderdate) AS y, count(*) FILTER (WHERE o_orderpriority LIKE '1%') AS urgent, count(*) FROM orders GROUP BY 1 ORDER BY 1`,
  `SELECT lower(p_name) ILIKE '%green%' AS green, count(*) FROM part GROUP BY 1 ORDER BY 1`,
  `SELECT p_name FROM part WHERE p_name SIMILAR TO '(forest|azure)%' ORDER BY 1`,
  `SELECT l_orderkey, l_shipdate, l_commitdate, l_shipdate > l_commitdate AS shipped_late, l_receiptdate - l_shipdate AS transit FROM lineitem WHERE l_orderkey <= 5 ORDER BY 1, 2`,
  `SELECT ps_partkey, sum(ps_availqty) AS available, round(avg(ps_supplycost), 2) AS mean_cost FROM partsupp GROUP BY 1 HAVING sum(ps_availqty) > 10000 ORDER BY 1`,
  `WITH customer_value AS (SELECT o_custkey, sum(o_totalprice) AS value FROM orders GROUP BY 1), tiers AS (SELECT o_custkey, value, ntile(3) OVER (ORDER BY value) AS tier
    FROM customer_value) SELECT tier, count(*), min(value), max(value) FROM tiers GROUP BY tier ORDER BY tier`,
  `SELECT o_orderkey, o_orderdate, o_orderdate + 30 AS due, (o_orderdate + interval '1 month')::date AS next_month FROM orders WHERE o_orderkey <= 5 ORDER BY 1`,
  `SELECT c.c_name, n.n_name, r.r_name FROM customer c JOIN nation n ON n.n_nationkey = c.c_nationkey JOIN region r USING (r_regionkey)
    WHERE false ORDER BY 1`.replace('USING (r_regionkey)', 'ON r.r_regionkey = n.n_regionkey'),
  `SELECT l_linestatus, count(*) AS n, sum(l_quantity * l_extendedprice * (1 - l_discount))::numeric(20, 2) AS weighted FROM lineitem NATURAL JOIN (SELECT 'O'::char(1) AS l_linestatus) s GROUP BY 1`,
  `SELECT o_orderkey, o_clerk, o_totalprice FROM orders WHERE o_clerk IN (SELECT o_clerk FROM orders GROUP BY o_clerk ORDER BY sum(o_totalprice) DESC, o_clerk LIMIT 2) ORDER BY 1`,
  `SELECT COUNT(*) AS n, SUM(CASE WHEN l_discount > 0.05 THEN 1 ELSE 0 END) AS discounted FROM LINEITEM WHERE L_SHIPDATE BETWEEN '1994-01-01' AND '1994-12-31'`,
  `SELECT "o_orderkey", "o_totalprice" FROM "orders" WHERE "o_orderkey" < 4 ORDER BY 1`,
  `SELECT n_name, array_to_string(array_agg(s_name ORDER BY s_name), '; ') AS suppliers FROM nation JOIN supplier ON s_nationkey = n_nationkey GROUP BY 1 ORDER BY 1`,
  `SELECT o_orderpriority, count(*) * 100.0 / sum(count(*)) OVER () AS pct FROM orders GROUP BY 1 ORDER BY 1`,
  `SELECT l_orderkey, count(*) FROM lineitem GROUP BY l_orderkey HAVING count(*) = (SELECT max(c) FROM (SELECT count(*) AS c FROM lineitem GROUP BY l_orderkey) t) ORDER BY 1`,
  `SELECT p_container, round(avg(p_size)) AS mean_size, count(*) FROM part WHERE p_container IS NOT NULL GROUP BY 1 ORDER BY 1`,
  `SELECT extract(month FROM l_shipdate) AS month, count(*) FILTER (WHERE l_returnflag = 'R')::float / greatest(count(*), 1) AS return_rate FROM lineitem GROUP BY 1 ORDER BY 1`,
  `SELECT s_suppkey, count(DISTINCT l_partkey) AS parts_shipped, count(DISTINCT l_orderkey) AS orders_served FROM supplier LEFT JOIN lineitem ON l_suppkey = s_suppkey GROUP BY 1 ORDER BY 1`,
  `SELECT o_custkey FROM orders GROUP BY o_custkey HAVING bool_and(o_orderstatus = 'F') ORDER BY 1`,
].map((sql) => sql.replace(/\s+/g, ' ').trim());
