import { describe, expect, it } from 'vitest';
import type { SchemaDescription } from '../schema/describe.js';
import { AnswerFormatError, parseAnswer, systemPrompt } from './prompt.js';

const schema: SchemaDescription = {
  namespace: 'shop', policy: 'ai', engine: 'postgres', database: 'shop',
  tables: [{ schema: 'public', name: 'orders', columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'total', type: 'numeric', nullable: false }] }],
};

describe('systemPrompt', () => {
  it('carries the dialect, the rules, the row limit and only the given schema', () => {
    const prompt = systemPrompt({ schema, access: 'read-only', rowLimit: 100 });
    expect(prompt).toContain('PostgreSQL');
    expect(prompt).toContain('public.orders(id integer, total numeric)');
    expect(prompt).toContain('At most 100 rows');
    expect(prompt).toMatch(/Exactly one SELECT/);
    expect(systemPrompt({ schema: { ...schema, engine: 'mysql' }, access: 'read-write', rowLimit: 5 })).toMatch(/MySQL[\s\S]*INSERT, UPDATE or DELETE[\s\S]*orders\(id integer/);
  });
});

describe('parseAnswer', () => {
  it('reads the JSON object, fenced or surrounded by text', () => {
    expect(parseAnswer('{"sql": "SELECT 1", "explanation": "one"}')).toEqual({ sql: 'SELECT 1', explanation: 'one' });
    expect(parseAnswer('```json\n{"sql": "SELECT 2", "explanation": "two"}\n```')).toEqual({ sql: 'SELECT 2', explanation: 'two' });
    expect(parseAnswer('Here you go: {"sql": "SELECT 3", "explanation": ""} Enjoy.')).toEqual({ sql: 'SELECT 3', explanation: '' });
    expect(parseAnswer('{"sql": null, "explanation": "No such table."}')).toEqual({ sql: null, explanation: 'No such table.' });
  });

  it('falls back to a sql code block, and refuses anything else', () => {
    expect(parseAnswer('Counting:\n```sql\nSELECT count(*) FROM orders\n```')).toEqual({ sql: 'SELECT count(*) FROM orders', explanation: 'Counting:' });
    expect(() => parseAnswer('I would look at the orders table.')).toThrow(AnswerFormatError);
    expect(() => parseAnswer('{"sql": 42}')).toThrow(AnswerFormatError);
  });
});
