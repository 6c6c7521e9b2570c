/**
 * A fake OpenAI-compatible HTTP server for tests: `POST /v1/chat/completions` answers in the shape the real
 * `openai` client expects (including error bodies), from a queue of scripted replies or from a function of
 * the request, and records every request it gets. The console talks to it over HTTP with the real client.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequestBody {
  model: string;
  messages: Array<{ role: string; content: string }>;
  [key: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: ChatRequestBody;
}

/** What the fake answers: the assistant's text, an API error, a raw body, or a stall. */
export type Reply =
  | { content: string; delayMs?: number }
  | { status: number; message: string; type?: string; code?: string }
  | { raw: string; status?: number; contentType?: string }
  | { hang: true };

export type Responder = (request: RecordedRequest) => Reply | Promise<Reply>;

export class FakeOpenAI {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: Reply[] = [];
  private responder?: Responder;
  private readonly hanging = new Set<ServerResponse>();

  private constructor(private readonly server: Server, readonly port: number) {}

  /** Starts on a free port of 127.0.0.1. */
  static async start(): Promise<FakeOpenAI> {
    const holder: { fake?: FakeOpenAI } = {};
    const server = createServer((req, res) => {
      void holder.fake?.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.fake = new FakeOpenAI(server, (server.address() as AddressInfo).port);
    return holder.fake;
  }

  /** The base URL for the `openai` client (OPENAI_BASE_URL). */
  get baseURL(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** Queues replies, answered in order (before the responder). */
  reply(...replies: Reply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** Answers every request the queue does not, from the request. */
  respondWith(responder: Responder): this {
    this.responder = responder;
    return this;
  }

  /** Forgets the queue, the responder and the recorded requests. */
  reset(): void {
    this.queue.length = 0;
    this.responder = undefined;
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (req.method === 'GET' && path === '/v1/models') {
      send(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'tests' }] });
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      send(res, 404, { error: { message: `fake-openai: no route ${req.method ?? ''} ${path}`, type: 'invalid_request_error', param: null, code: null } });
      return;
    }
    let body: ChatRequestBody;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequestBody;
    } catch {
      send(res, 400, { error: { message: 'fake-openai: the body is not JSON', type: 'invalid_request_error', param: null, code: null } });
      return;
    }
    const recorded: RecordedRequest = { method: req.method, path, headers: req.headers, body };
    this.requests.push(recorded);
    const reply = this.queue.shift() ?? (this.responder ? await this.responder(recorded) : undefined);
    if (!reply) {
      send(res, 500, { error: { message: 'fake-openai: no scripted reply for this request', type: 'server_error', param: null, code: null } });
      return;
    }
    if ('hang' in reply) {
      this.hanging.add(res);
      res.once('close', () => this.hanging.delete(res));
      return;
    }
    if ('raw' in reply) {
      res.writeHead(reply.status ?? 200, { 'Content-Type': reply.contentType ?? 'application/json' });
      res.end(reply.raw);
      return;
    }
    if ('status' in reply) {
      send(res, reply.status, { error: { message: reply.message, type: reply.type ?? 'invalid_request_error', param: null, code: reply.code ?? null } });
      return;
    }
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    send(res, 200, completion(body.model, reply.content));
  }
}

/** A chat.completion object as OpenAI returns it. */
export function completion(model: string, content: string): object {
  return {
    id: `chatcmpl-fake-${Math.random().toString(36).slice(2, 10)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
    system_fingerprint: 'fake',
  };
}

/** A model answer in the JSON shape the console asks for. */
export function answer(sql: string | null, explanation = 'Explained.'): Reply {
  return { content: JSON.stringify({ sql, explanation }) };
}

function send(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'x-request-id': 'req_fake' });
  res.end(text);
}
