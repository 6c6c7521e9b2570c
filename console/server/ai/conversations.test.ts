import { describe, expect, it } from 'vitest';
import { NotFound } from '../errors.js';
import { ConversationStore } from './conversations.js';

describe('ConversationStore', () => {
  it('keeps turns per conversation, for its owner and policy only', () => {
    const store = new ConversationStore(60_000);
    const { id, history } = store.open(undefined, 'alice', 'shop/ai');
    expect(history).toEqual([]);
    store.append(id, 'alice', 'shop/ai', [{ role: 'user', content: 'q1' }, { role: 'assistant', content: 'a1' }]);
    expect(store.open(id, 'alice', 'shop/ai').history.map((m) => m.content)).toEqual(['q1', 'a1']);
    expect(() => store.open(id, 'bob', 'shop/ai')).toThrow(NotFound);
    expect(() => store.open(id, 'alice', 'shop/other')).toThrow(NotFound);
    expect(() => store.open('00000000-0000-4000-8000-000000000000', 'alice', 'shop/ai')).toThrow(NotFound);
  });

  it('bounds the history and the number of conversations', () => {
    const store = new ConversationStore(60_000, 2);
    const ids = [0, 1, 2].map(() => store.open(undefined, 'a', 'p').id);
    for (const id of ids) for (let i = 0; i < 30; i++) store.append(id, 'a', 'p', [{ role: 'user', content: `m${i}` }]);
    expect(store.size).toBe(2);
    expect(() => store.open(ids[0], 'a', 'p')).toThrow(NotFound);
    expect(store.open(ids[2], 'a', 'p').history).toHaveLength(20);
  });
});
