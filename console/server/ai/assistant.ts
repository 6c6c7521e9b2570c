import { DatabaseError, GuardRejected, StatementTimeout } from '../errors.js';
import { NotTransactional, PreviewRequired, PreviewUnsupported, previewBody, type PreviewBody } from '../writes/errors.js';
import type { ConsoleMetrics } from '../metrics.js';
import type { QueryResponse } from '../queries.js';
import type { SchemaDescription } from '../schema/describe.js';
import type { ConversationStore } from './conversations.js';
import type { ChatMessage, ChatModel } from './model.js';
import { AnswerFormatError, feedback, parseAnswer, systemPrompt } from './prompt.js';

/** Model calls per question: the first try and up to two more with the refusal fed back. */
export const maxAttempts = 3;

export interface AskInput {
  question: string;
  conversationId?: string;
  /** The user the conversation belongs to. */
  owner: string;
  /** namespace/name of the policy. */
  policy: string;
  schema: SchemaDescription;
  access: 'read-only' | 'read-write';
  rowLimit: number;
}

export interface FailedAttempt {
  sql: string | null;
  error: { code: string; message: string };
}

export interface AskAnswer {
  conversationId: string;
  question: string;
  model: string;
  sql: string | null;
  explanation: string;
  /** The rows, when the SQL is a SELECT that passed the guard and the database; null otherwise. */
  result: QueryResponse | null;
  /** A write the model proposes: previewed in a transaction rolled back, never run here; null otherwise. */
  proposal: { sql: string; preview: PreviewBody } | null;
  /** Attempts the guard or the database refused, in order. */
  attempts: FailedAttempt[];
  /** Why there is no result after every attempt; null on success or when the model wrote no SQL. */
  error: { code: string; message: string } | null;
}

/**
 * Runs one statement through the guard and the database (QueryService.execute, audited); a write is only
 * previewed, and comes back as PreviewRequired.
 */
export type Execute = (sql: string, attempt: number, conversationId: string) => Promise<QueryResponse>;

/**
 * Plain-language questions to SQL: the model sees the policy's schema and the conversation, writes SQL,
 * and that SQL goes through the same guard and runner as typed SQL. A refusal goes back to the model for
 * another try, at most `maxAttempts` in all; then the answer says why it failed.
 */
export class Assistant {
  constructor(
    private readonly model: ChatModel,
    private readonly conversations: ConversationStore,
    private readonly metrics?: ConsoleMetrics,
  ) {}

  get modelName(): string {
    return this.model.name;
  }

  async ask(input: AskInput, execute: Execute, signal?: AbortSignal): Promise<AskAnswer> {
    const { id, history } = this.conversations.open(input.conversationId, input.owner, input.policy);
    const question: ChatMessage = { role: 'user', content: input.question };
    const messages: ChatMessage[] = [{ role: 'system', content: systemPrompt(input) }, ...history, question];
    const attempts: FailedAttempt[] = [];
    const base = { conversationId: id, question: input.question, model: this.model.name, proposal: null };
    let last = { sql: null as string | null, explanation: '', content: '' };
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let content: string;
      try {
        content = await this.model.complete(messages, signal);
        this.metrics?.aiRequests.inc({ outcome: 'ok' });
      } catch (err) {
        this.metrics?.aiRequests.inc({ outcome: 'error' });
        throw err;
      }
      messages.push({ role: 'assistant', content });
      let answer;
      try {
        answer = parseAnswer(content);
      } catch (err) {
        if (!(err instanceof AnswerFormatError)) throw err;
        attempts.push({ sql: null, error: { code: 'invalid_answer', message: err.message } });
        messages.push(feedback('format', err.message));
        continue;
      }
      last = { ...answer, content };
      if (answer.sql === null) {
        this.conversations.append(id, input.owner, input.policy, [question, { role: 'assistant', content }]);
        return { ...base, sql: null, explanation: answer.explanation, result: null, attempts, error: null };
      }
      try {
        const result = await execute(answer.sql, attempt, id);
        this.conversations.append(id, input.owner, input.policy, [question, { role: 'assistant', content }]);
        return { ...base, sql: answer.sql, explanation: answer.explanation, result, attempts, error: null };
      } catch (err) {
        if (err instanceof PreviewRequired) {
          // The model never runs a write: the person sees the proposal and its preview, and confirms it (or not).
          this.conversations.append(id, input.owner, input.policy, [question, { role: 'assistant', content }]);
          return { ...base, sql: answer.sql, explanation: answer.explanation, result: null,
            proposal: { sql: answer.sql, preview: previewBody(err.preview) }, attempts, error: null };
        }
        const refusal = refusalOf(err);
        if (!refusal) throw err;
        attempts.push({ sql: answer.sql, error: { code: refusal.code, message: refusal.message } });
        messages.push(feedback(refusal.kind, refusal.message));
      }
    }
    const final = attempts[attempts.length - 1];
    const error = {
      code: final?.error.code ?? 'invalid_answer',
      message: `The model did not write a query that passes the guard and the database in ${maxAttempts} attempts. ` +
        `Last refusal: ${final?.error.message ?? 'none'}`,
    };
    if (last.content) this.conversations.append(id, input.owner, input.policy, [question, { role: 'assistant', content: last.content }]);
    return { ...base, sql: last.sql, explanation: last.explanation, result: null, attempts, error };
  }
}

function refusalOf(err: unknown): { kind: 'guard' | 'database'; code: string; message: string } | undefined {
  if (err instanceof GuardRejected || err instanceof PreviewUnsupported) return { kind: 'guard', code: err.code, message: err.message };
  if (err instanceof NotTransactional) return { kind: 'database', code: err.code, message: err.message };
  if (err instanceof DatabaseError || err instanceof StatementTimeout) return { kind: 'database', code: err.code, message: err.message };
  return undefined;
}
