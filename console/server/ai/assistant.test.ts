import { describe, expect, it } from 'vitest';
import { AiFailed, DatabaseError, DatabaseUnavailable, GuardRejected } from '../errors.js';
import type { QueryResponse } from '../queries.js';
import type { SchemaDescription } from '../schema/describe.js';
import { Assistant, maxAttempts } from './assistant.js';
import { ConversationStore } from './conversations.js';
import type { ChatMessage, ChatModel } from './model.js';

const schema: SchemaDescription = { namespace: 'ns', policy: 'p', engine: 'postgres', database: 'shop', tables: [] };
const result: QueryResponse = { columns: [{ name: 'n', type: 'int8' }], rows: [['3']], rowCount: 1, truncated: false, durationMs: 1 };
const input = { question: 'How many?', owner: 'alice', policy: 'ns/p', schema, access: 'read-only' as const, rowLimit: 10 };

/** A model that answers from a script and keeps what it was sent (the HTTP path is tested end to end). */
function scripted(...answers: Array<string | Error>): ChatModel & { calls: ChatMessage[][] } {
  const calls: ChatMessage[][] = [];
  return {
    name: 'scripted',
    calls,
    complete(messages) {
      calls.push(messages.map((m) => ({ ...m })));
      const next = answers.shift() ?? new Error('script exhausted');
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
  };
}
const json = (sql: string | null) => JSON.stringify({ sql, explanation: 'because' });

describe('Assistant', () => {
  it('feeds refusals back and stops at the first success', async () => {
    const model = scripted(json('DELETE FROM orders'), json('SELECT broken'), json('SELECT count(*) FROM orders'));
    const executed: string[] = [];
    const answer = await new Assistant(model, new ConversationStore(60_000)).ask(input, (sql) => {
      executed.push(sql);
      if (sql.startsWith('DELETE')) return Promise.reject(new GuardRejected('read_only', 'read-only'));
      if (sql === 'SELECT broken') return Promise.reject(new DatabaseError('column "broken" does not exist'));
      return Promise.resolve(result);
    });
    expect(answer).toMatchObject({ sql: 'SELECT count(*) FROM orders', result, error: null });
    expect(answer.attempts.map((a) => a.error.code)).toEqual(['guard_rejected', 'database_error']);
    expect(model.calls[1]?.at(-1)?.content).toContain('guard refused that statement: read-only');
    expect(model.calls[2]?.at(-1)?.content).toContain('database refused that statement: column "broken" does not exist');
  });

  it(`gives up after ${maxAttempts} attempts and says why`, async () => {
    const model = scripted(json('SELECT 1'), json('SELECT 2'), json('SELECT 3'), json('SELECT 4'));
    const answer = await new Assistant(model, new ConversationStore(60_000)).ask(input, () => Promise.reject(new GuardRejected('table', 'not in policy')));
    expect(answer.result).toBeNull();
    expect(answer.attempts).toHaveLength(maxAttempts);
    expect(answer.error?.message).toMatch(/3 attempts.*not in policy/);
    expect(model.calls).toHaveLength(maxAttempts);
  });

  it('lets other failures through: the model\'s, and an unreachable database', async () => {
    await expect(new Assistant(scripted(new AiFailed('down')), new ConversationStore(60_000)).ask(input, () => Promise.resolve(result))).rejects.toBeInstanceOf(AiFailed);
    await expect(new Assistant(scripted(json('SELECT 1')), new ConversationStore(60_000))
      .ask(input, () => Promise.reject(new DatabaseUnavailable('no route')))).rejects.toBeInstanceOf(DatabaseUnavailable);
  });

  it('remembers the question and the final answer for follow-ups', async () => {
    const store = new ConversationStore(60_000);
    const model = scripted(json('SELECT 1'), json('SELECT 2'));
    const assistant = new Assistant(model, store);
    const first = await assistant.ask(input, () => Promise.resolve(result));
    await assistant.ask({ ...input, question: 'And then?', conversationId: first.conversationId }, () => Promise.resolve(result));
    expect(model.calls[1]?.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(model.calls[1]?.[1]?.content).toBe('How many?');
  });
});
