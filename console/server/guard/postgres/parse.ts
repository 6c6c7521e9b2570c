import { loadModule, parseSync } from 'libpg-query';
import { reject } from '../rejection.js';

/** A node of libpg-query's JSON AST: `{ TypeName: { field: value, ... } }` or, in typed fields, the bare struct. */
export type Fields = Record<string, unknown>;

// The parser is PostgreSQL's own, compiled to WebAssembly: the module loads once, when the guard is imported;
// every parse after that is synchronous.
await loadModule();

/** Parses with PostgreSQL's grammar; invalid SQL is a refusal carrying the server's message and position. */
export function parsePostgres(sql: string): Fields {
  let result: { stmts?: { stmt?: unknown }[] };
  try {
    result = parseSync(sql);
  } catch (err) {
    // The parse tree is handed over as JSON; one nested deeper than JavaScript's stack is not read.
    if (err instanceof RangeError) reject('too_complex', 'The statement nests too deeply; split it into simpler parts (for example with WITH).');
    reject('parse_error', `The statement is not valid PostgreSQL: ${parserMessage(err, sql)}`);
  }
  const statements = result.stmts ?? [];
  if (statements.length === 0) reject('empty', 'The input contains no statement.');
  if (statements.length > 1) reject('multiple_statements', 'Only one statement at a time is allowed.');
  const stmt = statements[0]?.stmt;
  if (typeof stmt !== 'object' || stmt === null) reject('empty', 'The input contains no statement.');
  return stmt as Fields;
}

function parserMessage(err: unknown, sql: string): string {
  const e = err as { message?: string; sqlDetails?: { cursorPosition?: number } };
  const message = (e.message ?? 'syntax error').slice(0, 200);
  // "memory exhausted" is bison's stack limit: the statement nests deeper than the grammar can follow.
  if (/memory exhausted/.test(message)) return 'it is nested too deeply for the parser.';
  const position = e.sqlDetails?.cursorPosition;
  if (position === undefined || position < 0) return `${message}.`;
  const before = sql.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `${message} (line ${line}, column ${column}).`;
}
