import { Checker } from './check.js';
import { scan, type Scanned } from './lexer.js';
import { parse } from './parse.js';
import { PostgresChecker } from './postgres/check.js';
import { parsePostgres } from './postgres/parse.js';
import type { Accepted, Dialect, GuardOptions, GuardPolicy } from './types.js';

export type { Accepted, Dialect, GuardOptions, GuardPolicy, StatementKind, TableName } from './types.js';
export { postgresDefaultSchema } from './types.js';
export { policyCovers } from './scope.js';

export const defaultMaxLength = 20_000;

/** Parses and checks a scanned statement in one dialect: PostgreSQL with its own parser, MySQL/MariaDB with node-sql-parser. */
const checkers: Record<Dialect, (scanned: Scanned, policy: GuardPolicy) => Accepted> = {
  postgres: (scanned, policy) => new PostgresChecker(policy, scanned.sql).check(parsePostgres(scanned.sql)),
  mysql: (scanned, policy) => new Checker('mysql', policy, scanned).check(parse(scanned.sql, 'mysql')[0]!),
};

/**
 * The SQL guard: decides whether one statement may run through a policy, or throws GuardRejected with a
 * message a person understands. Defence in depth only: the policy's database user and its grants remain the
 * real boundary, and the runner executes in a read-only transaction with the extended query protocol.
 *
 * 1. Lexical checks on the raw text (lexer.ts).
 * 2. Parsing in the policy's dialect, exactly one statement: PostgreSQL with PostgreSQL's own parser
 *    (libpg-query, postgres/parse.ts), MySQL/MariaDB with node-sql-parser (parse.ts).
 * 3. A walk over the whole tree: statement kinds, clauses, node types, functions, tables by scope
 *    (postgres/check.ts, check.ts).
 */
export function guard(input: string, options: GuardOptions): Accepted {
  const scanned = scan(input, options.dialect, options.maxLength ?? defaultMaxLength);
  return checkers[options.dialect](scanned, options.policy);
}
