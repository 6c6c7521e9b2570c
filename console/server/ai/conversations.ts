import { randomUUID } from 'node:crypto';
import { NotFound } from '../errors.js';
import type { ChatMessage } from './model.js';

interface Conversation {
  id: string;
  /** The user and policy it belongs to: nobody else continues it. */
  owner: string;
  policy: string;
  messages: ChatMessage[];
  touched: number;
}

/** Questions and answers kept per conversation (older turns are dropped). */
const maxMessages = 20;

/**
 * Conversation memory, in this process only: questions and the model's answers (SQL and explanation),
 * never result rows. A conversation expires after `ttlMs` without use; the oldest go past `maxConversations`.
 */
export class ConversationStore {
  private readonly conversations = new Map<string, Conversation>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxConversations = 1000,
  ) {}

  /** The conversation's history; a new one when `id` is undefined; 404 for an unknown, expired or foreign one. */
  open(id: string | undefined, owner: string, policy: string): { id: string; history: ChatMessage[] } {
    this.expire();
    if (id === undefined) return { id: randomUUID(), history: [] };
    const c = this.conversations.get(id);
    if (!c || c.owner !== owner || c.policy !== policy) {
      throw new NotFound(`Conversation ${id} does not exist for you and this policy (it may have expired); omit conversationId to start a new one.`);
    }
    return { id, history: [...c.messages] };
  }

  /** Appends one turn (the question and the answer the model settled on). */
  append(id: string, owner: string, policy: string, turn: ChatMessage[]): void {
    const existing = this.conversations.get(id);
    const messages = [...(existing?.messages ?? []), ...turn].slice(-maxMessages);
    this.conversations.delete(id);
    this.conversations.set(id, { id, owner, policy, messages, touched: Date.now() });
    while (this.conversations.size > this.maxConversations) {
      const oldest = this.conversations.keys().next().value;
      if (oldest === undefined) break;
      this.conversations.delete(oldest);
    }
  }

  get size(): number {
    return this.conversations.size;
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, c] of this.conversations) if (now - c.touched > this.ttlMs) this.conversations.delete(id);
  }
}
