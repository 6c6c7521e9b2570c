import type { DatabaseEngine } from '@dbwarden/api';
import type { SchemaDescription, SchemaTable } from '../schema/describe.js';
import type { ChatMessage } from './model.js';

export interface PromptContext {
  schema: SchemaDescription;
  access: 'read-only' | 'read-write';
  rowLimit: number;
}

/** What the model is told differently per engine. */
interface PromptDialect {
  label: string;
  /** A table as the model should write it. */
  tableName(table: SchemaTable): string;
  /** The rule on names and strings. */
  quoting: string;
}

const dialects = {
  postgres: {
    label: 'PostgreSQL',
    tableName: (t) => `${t.schema}.${t.name}`,
    quoting: '- Qualify tables with their schema (for example public.orders); write strings in single quotes.',
  },
  mysql: {
    label: 'MySQL/MariaDB',
    tableName: (t) => t.name,
    quoting: '- Write strings in single quotes, never double quotes; quote names with backticks when they are keywords.',
  },
} satisfies Record<DatabaseEngine, PromptDialect>;

/**
 * The instructions the model gets: the dialect, the rules the guard enforces, and the schema the policy's
 * own user can see; nothing else (no data, no credentials, no other tables).
 */
export function systemPrompt({ schema, access, rowLimit }: PromptContext): string {
  const { label: dialect, tableName, quoting } = dialects[schema.engine];
  const tables = schema.tables.map((t) => `${tableName(t)}(${t.columns.map((c) => `${c.name} ${c.type}`).join(', ')})`);
  return [
    `You write SQL for the dbwarden console. People ask questions in plain language about a ${dialect} database; ` +
      'you answer each with one SQL statement and a short explanation.',
    '',
    'Rules (a guard refuses anything else):',
    access === 'read-write'
      ? '- Exactly one statement: SELECT, or INSERT, UPDATE or DELETE only when the person asks to change data.'
      : '- Exactly one SELECT statement (WITH ... SELECT is fine). This access is read-only.',
    '- Use only the tables and columns listed below; nothing else exists for you.',
    '- No comments, no semicolons, no backslashes, no variables or parameters, no FOR UPDATE, no SELECT ... INTO.',
    '- Call only aggregate, window, math, text, date/time and JSON functions; no table functions in FROM.',
    quoting,
    `- At most ${rowLimit} rows are returned; use ORDER BY and LIMIT for "top" questions.`,
    '- If the question cannot be answered from these tables, set "sql" to null and say why.',
    '',
    'Answer with a JSON object and nothing else: {"sql": "<one statement, or null>", "explanation": "<one or two sentences>"}',
    '',
    `Tables (${dialect}, database ${schema.database}):`,
    ...(tables.length > 0 ? tables : ['(none: this policy shows no tables)']),
  ].join('\n');
}

export interface ModelAnswer {
  sql: string | null;
  explanation: string;
}

export class AnswerFormatError extends Error {}

/** Reads the model's answer: the JSON object asked for, leniently (code fences, text around it, a bare SQL block). */
export function parseAnswer(content: string): ModelAnswer {
  const text = content.trim();
  const unfenced = text.replace(/^```(?:json)?\s*/i, '').replace(/\s*```$/, '');
  for (const candidate of [unfenced, jsonObjectIn(text)]) {
    if (!candidate) continue;
    try {
      const parsed = JSON.parse(candidate) as unknown;
      if (parsed && typeof parsed === 'object' && 'sql' in parsed) {
        const { sql, explanation } = parsed as { sql?: unknown; explanation?: unknown };
        if (sql !== null && typeof sql !== 'string') break;
        return { sql: typeof sql === 'string' && sql.trim() !== '' ? sql.trim() : null, explanation: typeof explanation === 'string' ? explanation : '' };
      }
    } catch {
      // try the next form
    }
  }
  const block = /```sql\s*([\s\S]*?)```/i.exec(text);
  if (block?.[1]?.trim()) return { sql: block[1].trim(), explanation: text.replace(block[0], '').trim() };
  throw new AnswerFormatError('The answer was not the JSON object {"sql": ..., "explanation": ...} that was asked for.');
}

function jsonObjectIn(text: string): string | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  return start >= 0 && end > start ? text.slice(start, end + 1) : undefined;
}

/** What goes back to the model when its SQL was refused, so it can try again. */
export function feedback(kind: 'guard' | 'database' | 'format', message: string): ChatMessage {
  const who = kind === 'guard' ? 'The console\'s SQL guard refused that statement' : kind === 'database' ? 'The database refused that statement' : 'That answer could not be used';
  return { role: 'user', content: `${who}: ${message}\nWrite a corrected statement that follows the rules, and answer with the JSON object only.` };
}
