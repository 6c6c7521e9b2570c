import mysqlGrammar from 'node-sql-parser/build/mysql.js';
import postgresGrammar from 'node-sql-parser/build/postgresql.js';
import { reject } from './rejection.js';
import type { Dialect } from './types.js';

/** A node of node-sql-parser's AST, which has no precise types: the checker treats it as untrusted data. */
export type Node = Record<string, unknown>;

// One grammar per dialect, loaded alone (the package's index bundles every dialect). MariaDB uses the
// MySQL grammar: the MariaDB one of 5.4.0 cannot parse a column named `status`.
const parsers = {
  postgres: { parser: new postgresGrammar.Parser(), database: 'PostgresQL', label: 'PostgreSQL' },
  mysql: { parser: new mysqlGrammar.Parser(), database: 'MySQL', label: 'MySQL/MariaDB' },
} satisfies Record<Dialect, { parser: InstanceType<typeof mysqlGrammar.Parser>; database: string; label: string }>;

/** Parses in the policy's dialect; a parse failure is a rejection carrying the parser's message. */
export function parse(sql: string, dialect: Dialect): Node[] {
  const { parser, database, label } = parsers[dialect];
  let ast: unknown;
  try {
    ast = parser.astify(sql, { database });
  } catch (err) {
    reject('parse_error', `The statement could not be parsed as ${label}: ${parserMessage(err)}`);
  }
  const statements = (Array.isArray(ast) ? ast : [ast]).filter((s): s is Node => typeof s === 'object' && s !== null);
  if (statements.length === 0) reject('empty', 'The input contains no statement.');
  if (statements.length > 1) reject('multiple_statements', 'Only one statement at a time is allowed.');
  return statements;
}

function parserMessage(err: unknown): string {
  const e = err as { message?: string; location?: { start?: { line?: number; column?: number } } };
  const where = e.location?.start ? ` (line ${e.location.start.line}, column ${e.location.start.column})` : '';
  const found = /but (.+) found\.?$/.exec(e.message ?? '');
  const message = found ? `unexpected ${found[1]}` : (e.message ?? 'syntax error').slice(0, 200);
  return `${message}${where}. Some valid SQL is not supported by the console's parser (e.g. FOR UPDATE, TABLE t, EXPLAIN); rewrite it as a plain SELECT.`;
}
