import { reject } from './rejection.js';
import type { Dialect } from './types.js';

export interface Scanned {
  /** The statement without surrounding whitespace and without one trailing semicolon. */
  sql: string;
  /** PostgreSQL: the contents of every double-quoted identifier (case-sensitive names). */
  quoted: Set<string>;
  /** Every unquoted word, lowercased. */
  words: Set<string>;
}

const allowedControl = new Set(['\t', '\n', '\r']);
/** Invisible or direction-changing characters (Unicode category Cf), used to hide text from reviewers. */
const formatChar = /\p{Cf}/u;
const wordChar = /[A-Za-z0-9_$]/;
/** Deeper nesting and longer operator chains are refused before parsing: parsers spend super-linear time on them. */
const maxParentheses = 100;
const maxOperators = 500;
const operatorChar = /[-+*/%^|&<>=~!]/;

/** Where the dialects' lexical rules differ; everything else is refused or accepted alike. */
interface LexicalRules {
  /** E'...', U&'...', B'...', X'...' exist (and are refused: a prefix changes how the string is read). */
  stringPrefixes: boolean;
  /** "..." quotes a name; otherwise it is refused (on MySQL/MariaDB its meaning depends on sql_mode). */
  doubleQuotedNames: boolean;
  /** `...` quotes a name. */
  backtickNames: boolean;
  /** # starts a comment. */
  hashComments: boolean;
  /** $ starts a dollar-quoted string or a $n parameter. */
  dollarQuoting: boolean;
}

const lexicalRules = {
  postgres: { stringPrefixes: true, doubleQuotedNames: true, backtickNames: false, hashComments: false, dollarQuoting: true },
  mysql: { stringPrefixes: false, doubleQuotedNames: false, backtickNames: true, hashComments: true, dollarQuoting: false },
} satisfies Record<Dialect, LexicalRules>;

/**
 * The checks made before parsing, on the raw text, because the parser and the server disagree about them
 * (see docs/console.md): NUL and control characters, backslashes, comments of every kind (including MySQL's
 * executable `/*! *\/`), dollar quoting and parameters, several statements, non-ASCII outside literals,
 * unterminated literals, and over-long input.
 */
export function scan(input: string, dialect: Dialect, maxLength: number): Scanned {
  if (input.length > maxLength) reject('too_long', `The statement is ${input.length} characters long; at most ${maxLength} are allowed.`);
  const sql = input.trim();
  if (sql === '') reject('empty', 'The statement is empty.');
  const rules = lexicalRules[dialect];
  const quoted = new Set<string>();
  const words = new Set<string>();
  let end = sql.length;
  let i = 0;
  let depth = 0;
  let operators = 0;
  while (i < end) {
    const c = sql[i] ?? '';
    const next = sql[i + 1] ?? '';
    checkCharacter(c);
    if (c === '\\') reject('backslash', 'Backslashes are not allowed: the parser and the database read them differently inside strings.');
    if (c === "'") {
      if (rules.stringPrefixes && /[A-Za-z0-9_&]/.test(sql[i - 1] ?? ' ')) {
        reject('string_prefix', "String prefixes (E'...', U&'...', B'...', X'...') are not allowed; use a plain '...' string.");
      }
      i = skipQuoted(sql, i, "'");
      continue;
    }
    if (c === '"') {
      if (!rules.doubleQuotedNames) reject('double_quote', 'Double quotes are not allowed on MySQL/MariaDB (their meaning depends on sql_mode): use single quotes for strings and backticks for names.');
      if (sql[i - 1] === '&') reject('string_prefix', 'Unicode-escaped names (U&"...") are not allowed; write the name plainly.');
      const close = skipQuoted(sql, i, '"');
      quoted.add(sql.slice(i + 1, close - 1).replaceAll('""', '"'));
      i = close;
      continue;
    }
    if (c === '`' && rules.backtickNames) {
      i = skipQuoted(sql, i, '`');
      continue;
    }
    if ((c === '-' && next === '-') || (c === '/' && next === '*') || (c === '#' && rules.hashComments)) {
      reject('comment', c === '/' && sql[i + 2] === '!'
        ? 'MySQL executable comments (/*! ... */) are not allowed: the server runs what the parser skips.'
        : 'Comments are not allowed in console queries.');
    }
    if (c === '$' && rules.dollarQuoting) reject('dollar', 'Dollar-quoted strings and $n parameters are not allowed; use single-quoted strings.');
    if (c === '{' || c === '}') reject('braces', 'Braces outside strings (ODBC escapes) are not allowed.');
    if (c === ';') {
      if (sql.slice(i + 1).trim() !== '') reject('multiple_statements', 'Only one statement at a time is allowed.');
      end = i;
      break;
    }
    if (c === '(' && ++depth > maxParentheses) reject('too_complex', `Parentheses nest more than ${maxParentheses} deep; simplify the statement.`);
    if (c === ')') depth--;
    if (operatorChar.test(c) && ++operators > maxOperators) reject('too_complex', `The statement has more than ${maxOperators} operators; simplify it.`);
    if (c.charCodeAt(0) > 0x7e) reject('non_ascii', `The character ${JSON.stringify(c)} is only allowed inside quoted strings and names.`);
    if (wordChar.test(c)) {
      let j = i;
      while (j < end && wordChar.test(sql[j] ?? '')) j++;
      words.add(sql.slice(i, j).toLowerCase());
      i = j;
      continue;
    }
    i++;
  }
  const statement = sql.slice(0, end).trim();
  if (statement === '') reject('empty', 'The statement is empty.');
  return { sql: statement, quoted, words };
}

function checkCharacter(c: string): void {
  const code = c.charCodeAt(0);
  if (code === 0) reject('nul', 'NUL bytes are not allowed.');
  if ((code < 0x20 && !allowedControl.has(c)) || code === 0x7f) reject('control', `Control character U+${code.toString(16).padStart(4, '0')} is not allowed.`);
  if (formatChar.test(c)) reject('control', `Invisible formatting character U+${code.toString(16).padStart(4, '0')} is not allowed.`);
}

/** Index just past the literal that opens at `start`; a doubled quote is an escaped quote. */
function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i] ?? '';
    checkCharacter(c);
    if (c === '\\') reject('backslash', 'Backslashes are not allowed: the parser and the database read them differently inside strings.');
    if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return reject('unterminated', `A ${quote === "'" ? 'string' : 'quoted name'} is not closed.`);
}
