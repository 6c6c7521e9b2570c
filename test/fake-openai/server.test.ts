import OpenAI, { APIConnectionTimeoutError, APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { answer, FakeOpenAI } from './server.js';

let fake: FakeOpenAI;
let client: OpenAI;

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  client = new OpenAI({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0, timeout: 2000 });
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => fake.reset());

describe('fake OpenAI server, through the real openai client', () => {
  it('answers queued replies in order and records the requests', async () => {
    fake.reply({ content: 'first' }, answer('SELECT 1'));
    const one = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    const two = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'again' }] });
    expect(one.choices[0]?.message.content).toBe('first');
    expect(JSON.parse(two.choices[0]?.message.content ?? '{}')).toEqual({ sql: 'SELECT 1', explanation: 'Explained.' });
    expect(fake.requests.map((r) => r.body.messages[0]?.content)).toEqual(['hi', 'again']);
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer test-key');
  });

  it('answers from a function of the request when the queue is empty', async () => {
    fake.respondWith((req) => ({ content: `echo: ${req.body.messages.at(-1)?.content ?? ''}` }));
    const res = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'ping' }] });
    expect(res.choices[0]?.message.content).toBe('echo: ping');
  });

  it('returns API errors the client understands', async () => {
    fake.reply({ status: 401, message: 'Incorrect API key provided', code: 'invalid_api_key' }, { status: 429, message: 'Rate limit reached', type: 'requests' });
    const unauthorised = await client.chat.completions.create({ model: 'm', messages: [] }).catch((e: unknown) => e);
    expect(unauthorised).toBeInstanceOf(APIError);
    expect((unauthorised as APIError).status).toBe(401);
    expect((unauthorised as APIError).message).toContain('Incorrect API key provided');
    const limited = await client.chat.completions.create({ model: 'm', messages: [] }).catch((e: unknown) => e);
    expect((limited as APIError).status).toBe(429);
  });

  it('fails without a scripted reply, and can stall until the client times out', async () => {
    expect(((await client.chat.completions.create({ model: 'm', messages: [] }).catch((e: unknown) => e)) as APIError).status).toBe(500);
    fake.reply({ hang: true });
    const quick = new OpenAI({ apiKey: 'k', baseURL: fake.baseURL, maxRetries: 0, timeout: 200 });
    expect(await quick.chat.completions.create({ model: 'm', messages: [] }).catch((e: unknown) => e)).toBeInstanceOf(APIConnectionTimeoutError);
  });
});
