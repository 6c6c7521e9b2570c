/**
 * Public bypasses of read-only SQL gateways (MCP database servers, text-to-SQL tools, SQL proxies), as their
 * issue trackers and advisories describe them, written against the shop corpus's policy (read-only on
 * products and orders). Each must be refused, with the rule given. Sources, by kind: the deprecated reference
 * PostgreSQL MCP server (a read-only transaction, ended by COMMIT), executeautomation/mcp-database-server
 * (GHSA-65hm-pwj5-73pw: startsWith("SELECT") with stacked statements), mcp-dbutils and pg-mcp-server (leading
 * comments, keyword checks), pgEdge's MCP server (READ WRITE transaction modes through the simple protocol),
 * awslabs' PostgreSQL MCP server (pattern checks), crystaldba/postgres-mcp (COMMIT; DROP), and the function
 * families every such report lists: files, dynamic SQL, the network, sleeping, settings.
 */
import type { Dialect } from './types.js';

export interface Bypass {
  sql: string;
  /** What it tries and why it must fail. */
  why: string;
  /** The guard's rule that refuses it (parse_error: node-sql-parser, on MySQL, cannot read the statement at all). */
  rule: string;
}

export const gatewayBypasses: Record<Dialect, Bypass[]> = {
  postgres: [
    // Transaction breakouts: end the gateway's read-only transaction, then write.
    { rule: 'multiple_statements', why: 'COMMIT ends the read-only transaction; the DROP then runs outside it', sql: 'COMMIT; DROP TABLE orders' },
    { rule: 'multiple_statements', why: 'ROLLBACK then a write in autocommit', sql: "SELECT 1; ROLLBACK; UPDATE orders SET status = 'x'" },
    { rule: 'multiple_statements', why: 'END is COMMIT by another name', sql: 'END; DELETE FROM orders' },
    { rule: 'statement', why: 'a new transaction in read-write mode', sql: 'BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ WRITE' },
    { rule: 'statement', why: 'switch the current transaction to read-write (works before the first query)', sql: 'SET TRANSACTION READ WRITE' },
    { rule: 'statement', why: 'make every later transaction of the pooled session read-write', sql: 'SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE' },
    { rule: 'statement', why: 'the read-only flag itself', sql: 'SET transaction_read_only = off' },
    { rule: 'statement', why: 'SET LOCAL of the read-only default', sql: 'SET LOCAL default_transaction_read_only TO off' },
    { rule: 'function', why: 'set_config flips the read-only flag from inside a SELECT', sql: "SELECT set_config('transaction_read_only', 'off', true)" },
    { rule: 'statement', why: 'COMMIT AND CHAIN starts a new transaction with the same (or changed) characteristics', sql: 'COMMIT AND CHAIN' },
    // Keyword checks fooled by shape.
    { rule: 'comment', why: 'a leading comment hides the first word from startsWith/first-word checks', sql: '/* report */ DELETE FROM orders' },
    { rule: 'comment', why: 'a leading line comment', sql: "-- monthly report\nUPDATE orders SET total = 0" },
    { rule: 'read_only', why: 'a write led by WITH, which first-word checks take for a query', sql: 'WITH x AS (SELECT 1) DELETE FROM orders' },
    { rule: 'nested_write', why: 'a data-modifying CTE: the statement starts with WITH and ends with SELECT', sql: 'WITH gone AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM gone' },
    { rule: 'nested_write', why: 'a data-modifying CTE with INSERT ... SELECT', sql: 'WITH copy AS (INSERT INTO orders SELECT * FROM orders RETURNING id) SELECT 1' },
    { rule: 'nested_write', why: 'a data-modifying CTE whose rows feed the outer SELECT', sql: "WITH u AS (UPDATE products SET price = 0 RETURNING id) SELECT * FROM products WHERE id IN (SELECT id FROM u)" },
    { rule: 'ddl', why: 'SELECT-shaped DDL', sql: 'CREATE TABLE loot AS SELECT * FROM orders' },
    { rule: 'select_into', why: 'SELECT INTO creates a table', sql: 'SELECT * INTO TEMP loot FROM orders' },
    { rule: 'locking_read', why: 'a SELECT that takes row locks and stalls writers', sql: 'SELECT * FROM orders FOR UPDATE NOWAIT' },
    { rule: 'locking_read', why: 'FOR KEY SHARE', sql: 'SELECT id FROM orders FOR KEY SHARE SKIP LOCKED' },
    { rule: 'statement', why: 'EXPLAIN ANALYZE runs the statement it explains', sql: 'EXPLAIN ANALYZE DELETE FROM orders' },
    // Functions that reach files, the network or other SQL.
    { rule: 'function', why: 'reads a server file', sql: "SELECT pg_read_file('/etc/passwd', 0, 200)" },
    { rule: 'function', why: 'reads a server file as bytes', sql: "SELECT pg_read_binary_file('global/pg_control')" },
    { rule: 'table_function', why: 'lists a server directory', sql: "SELECT * FROM pg_ls_dir('.') AS f" },
    { rule: 'function', why: 'stats a server file', sql: "SELECT pg_stat_file('postgresql.conf')" },
    { rule: 'function', why: 'imports a file as a large object', sql: "SELECT lo_import('/etc/passwd')" },
    { rule: 'function', why: 'reads a large object', sql: 'SELECT lo_get(16384)' },
    { rule: 'function', why: 'writes a large object to a file', sql: "SELECT lo_export(16384, '/tmp/x')" },
    { rule: 'statement', why: 'COPY ... PROGRAM runs a shell command', sql: "COPY orders FROM PROGRAM 'id'" },
    { rule: 'statement', why: 'COPY to a server file', sql: "COPY (SELECT * FROM orders) TO '/tmp/orders.csv'" },
    { rule: 'function', why: 'query_to_xml runs SQL from a string, escaping every check on the outer statement', sql: "SELECT query_to_xml('DELETE FROM orders RETURNING id', true, false, '')" },
    { rule: 'function', why: 'table_to_xml reads a table by name', sql: "SELECT table_to_xml('users', true, false, '')" },
    { rule: 'function', why: 'cursor_to_xml and database_to_xml read by name', sql: 'SELECT database_to_xml(true, false, \'\')' },
    { rule: 'table_function', why: 'dblink runs SQL on another connection, outside the read-only transaction', sql: "SELECT * FROM dblink('dbname=shop', 'DELETE FROM orders') AS t(x text)" },
    { rule: 'function', why: 'dblink_exec', sql: "SELECT dblink_exec('dbname=shop', 'DROP TABLE orders')" },
    { rule: 'table_function', why: 'a foreign server by query', sql: "SELECT * FROM postgres_fdw_get_connections() AS c" },
    { rule: 'function', why: 'xpath over a document built from a table name', sql: "SELECT xpath('/a', query_to_xml('select 1', true, true, ''))" },
    // Denial of service and the session.
    { rule: 'function', why: 'sleeps, holding a connection', sql: 'SELECT pg_sleep(3600)' },
    { rule: 'function', why: 'sleeps until a time', sql: "SELECT pg_sleep_until('tomorrow')" },
    { rule: 'function', why: 'pg_sleep_for with an interval', sql: "SELECT pg_sleep_for('1 hour')" },
    { rule: 'function', why: 'cancels other sessions', sql: 'SELECT pg_cancel_backend(pid) FROM orders' },
    { rule: 'function', why: 'reloads the server configuration', sql: 'SELECT pg_reload_conf()' },
    { rule: 'function', why: 'rotates the server log', sql: 'SELECT pg_rotate_logfile()' },
    { rule: 'function', why: 'writes despite a READ ONLY transaction (reported against read-only MCP servers)', sql: "SELECT pg_import_system_collations('pg_catalog')" },
    { rule: 'function', why: 'a sequence advances even in a rolled-back transaction', sql: "SELECT setval('orders_id_seq', 1)" },
    { rule: 'function', why: 'reads any setting, including paths', sql: "SELECT current_setting('hba_file')" },
    { rule: 'catalog', why: 'password hashes', sql: 'SELECT usename, passwd FROM pg_shadow' },
    { rule: 'catalog', why: 'other sessions\' queries', sql: 'SELECT query FROM pg_catalog.pg_stat_activity' },
    { rule: 'catalog', why: 'a catalog reached through a cast', sql: "SELECT 'pg_authid'::regclass" },
    { rule: 'dollar', why: 'a DO block runs procedural code', sql: 'DO $$ BEGIN EXECUTE \'DROP TABLE orders\'; END $$' },
    { rule: 'statement', why: 'CALL a procedure that commits', sql: 'CALL public.cleanup()' },
    { rule: 'function', why: 'schema-qualified call to dodge a name check', sql: "SELECT pg_catalog.set_config('statement_timeout', '0', false)" },
    { rule: 'function', why: 'quoted function name to dodge a keyword check', sql: 'SELECT "pg_sleep"(10)' },
    { rule: 'string_prefix', why: 'an E-string whose escapes a naive splitter reads differently', sql: "SELECT E'\\'; DROP TABLE orders; --'" },
    { rule: 'dollar', why: 'dollar quoting hides a semicolon from naive splitters', sql: 'SELECT $x$; DROP TABLE orders; $x$' },
    { rule: 'statement', why: 'PREPARE a statement to EXECUTE later', sql: 'PREPARE p AS DELETE FROM orders' },
    { rule: 'statement', why: 'NOTIFY other sessions', sql: "NOTIFY orders_changed, 'x'" },
  ],
  mysql: [
    { rule: 'multiple_statements', why: 'stacked statements through a multi-statement connection', sql: 'SELECT 1; DROP TABLE orders' },
    { rule: 'multiple_statements', why: 'COMMIT then a write', sql: 'COMMIT; DELETE FROM orders' },
    { rule: 'comment', why: 'an executable comment: the server runs what a parser skips', sql: 'SELECT 1 /*!50000 ; DROP TABLE orders */' },
    { rule: 'comment', why: 'an executable comment in a select list', sql: 'SELECT /*! SLEEP(10), */ id FROM orders' },
    { rule: 'comment', why: 'MariaDB executable comment', sql: 'SELECT /*M! SLEEP(10), */ id FROM orders' },
    { rule: 'comment', why: 'a leading comment hides the first word', sql: '/* report */ DELETE FROM orders' },
    { rule: 'comment', why: 'a hash comment', sql: "SELECT id FROM orders # ' OR 1=1" },
    { rule: 'backslash', why: 'a backslash-escaped quote that ends a string earlier than a parser thinks', sql: "SELECT * FROM orders WHERE status = '\\' OR 1=1 -- '" },
    { rule: 'select_into', why: 'writes a server file', sql: "SELECT * FROM orders INTO OUTFILE '/var/lib/mysql-files/o.csv'" },
    { rule: 'function', why: 'reads a server file', sql: "SELECT LOAD_FILE('/etc/passwd')" },
    { rule: 'statement', why: 'LOAD DATA LOCAL reads a client file', sql: "LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE orders" },
    { rule: 'function', why: 'sleeps', sql: 'SELECT SLEEP(3600)' },
    { rule: 'function', why: 'burns CPU', sql: "SELECT BENCHMARK(100000000, SHA2('x', 256))" },
    { rule: 'parse_error', why: 'make the next transaction read-write', sql: 'SET TRANSACTION READ WRITE' },
    { rule: 'statement', why: 'turn the session read-write', sql: 'SET SESSION transaction_read_only = 0' },
    { rule: 'parse_error', why: 'PREPARE runs SQL from a string', sql: "PREPARE s FROM 'DROP TABLE orders'" },
    { rule: 'parse_error', why: 'HANDLER reads rows without the usual checks', sql: 'HANDLER orders OPEN' },
    { rule: 'locking_read', why: 'a locking read', sql: 'SELECT * FROM orders FOR UPDATE' },
    { rule: 'catalog', why: 'password hashes', sql: 'SELECT user, authentication_string FROM mysql.user' },
    { rule: 'variable', why: 'server variables (paths, versions)', sql: 'SELECT @@datadir' },
    { rule: 'function', why: 'a user-defined function that runs shell commands', sql: "SELECT sys_eval('id')" },
    { rule: 'double_quote', why: 'double quotes mean a name or a string depending on sql_mode', sql: 'SELECT "authentication_string" FROM orders' },
  ],
};
