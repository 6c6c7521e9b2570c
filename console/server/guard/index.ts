import { Checker } from './check.js';
import { scan } from './lexer.js';
import { parse } from './parse.js';
import type { Accepted, GuardOptions } from './types.js';

export type { Accepted, Dialect, GuardOptions, GuardPolicy, StatementKind, TableName } from './types.js';
export { postgresDefaultSchema } from './types.js';
export { policyCovers } from './scope.js';

export const defaultMaxLength = 20_000;

/**
 * The SQL guard: decides whether one statement may run through a policy, or throws GuardRejected with a
 * message a person understands. Defence in depth only: the policy's database user and its grants remain the
 * real boundary, and the runner executes in a read-only transaction with the extended query protocol.
 *
 * 1. Lexical checks on the raw text, where parser and server disagree (lexer.ts).
 * 2. Parsing in the policy's dialect with node-sql-parser; exactly one statement (parse.ts).
 * 3. A walk over the whole tree: statement kinds, clauses, node types, functions, tables by scope (check.ts).
 */
export function guard(input: string, options: GuardOptions): Accepted {
  const scanned = scan(input, options.dialect, options.maxLength ?? defaultMaxLength);
  const [root] = parse(scanned.sql, options.dialect);
  return new Checker(options.dialect, options.policy, scanned).check(root!);
}
