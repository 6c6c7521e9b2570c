/**
 * The Streamable HTTP transport of one MCP session, answering every request with JSON (never an event
 * stream), on Node's own request and response.
 *
 * The SDK's StreamableHTTPServerTransport does the same with `enableJsonResponse`, but through its web
 * standard transport: each HTTP request becomes a fetch Request (@hono/node-server) and each answer a fetch
 * Response whose body is read back through a web stream before Node writes it. Measured on a small
 * run_query, that conversion was most of what MCP cost over the HTTP API (bench:console), for nothing the
 * console uses: it serves no event streams (GET answers 405), no resumability, no server-initiated requests.
 *
 * What the client sees is the SDK transport's JSON mode, checked in the same order with the same statuses and
 * JSON-RPC errors: 406 without `Accept: application/json, text/event-stream`, 415 unless the body is JSON,
 * 400 for a malformed message, a batch of more than 100, a second initialize or a missing Mcp-Session-Id,
 * 404 for another session's id, 400 for an unsupported MCP-Protocol-Version, 202 for notifications and
 * responses alone, and the answers to a batch's requests together once all are ready.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_BATCH_SIZE } from '@modelcontextprotocol/sdk/server/requestBody.js';
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isInitializeRequest, isJSONRPCErrorResponse, isJSONRPCRequest, isJSONRPCResultResponse, JSONRPCMessageSchema,
  SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage, type MessageExtraInfo, type RequestId,
} from '@modelcontextprotocol/sdk/types.js';

export interface JsonTransportOptions {
  sessionIdGenerator: () => string;
  /** Called with the new session's id when its initialize request arrives, before it is answered. */
  onsessioninitialized?: (sessionId: string) => void;
}

/** One HTTP request's JSON-RPC requests, and the answers gathered for them so far. */
interface Exchange {
  res: ServerResponse;
  ids: RequestId[];
  batch: boolean;
  answers: Map<RequestId, JSONRPCMessage>;
}

const writeJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
};

export class JsonResponseTransport implements Transport {
  sessionId?: string;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

  private initialized = false;
  private closed = false;
  /** The exchange waiting for each JSON-RPC request id of this session. */
  private readonly pending = new Map<RequestId, Exchange>();

  constructor(private readonly options: JsonTransportOptions) {}

  start(): Promise<void> {
    return Promise.resolve();
  }

  /** A POST: one JSON-RPC message or a batch, already parsed by express.json() (undefined when it was not JSON). */
  handlePost(req: IncomingMessage, res: ServerResponse, body: unknown): void {
    if (this.closed) return this.fail(res, 404, -32001, 'Session not found');
    const accept = req.headers.accept;
    if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) {
      return this.fail(res, 406, -32000, 'Not Acceptable: Client must accept both application/json and text/event-stream');
    }
    if (!isJsonContentType(req.headers['content-type'])) {
      return this.fail(res, 415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
    }
    if (Array.isArray(body) && body.length > MAX_BATCH_SIZE) {
      return this.fail(res, 400, -32600, `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`);
    }
    let messages: JSONRPCMessage[];
    try {
      messages = Array.isArray(body) ? body.map((m) => JSONRPCMessageSchema.parse(m)) : [JSONRPCMessageSchema.parse(body)];
    } catch {
      return this.fail(res, 400, -32700, 'Parse error: Invalid JSON-RPC message');
    }
    // The method first: a schema check that fails costs ten times one that passes.
    const initializing = messages.some((m) => 'method' in m && m.method === 'initialize' && isInitializeRequest(m));
    if (initializing) {
      if (this.initialized) return this.fail(res, 400, -32600, 'Invalid Request: Server already initialized');
      if (messages.length > 1) return this.fail(res, 400, -32600, 'Invalid Request: Only one initialization request is allowed');
      this.sessionId = this.options.sessionIdGenerator();
      this.initialized = true;
      this.options.onsessioninitialized?.(this.sessionId);
    } else if (!this.checkSession(req, res)) {
      return;
    }
    const extra: MessageExtraInfo = { requestInfo: { headers: req.headers } };
    const requests = messages.filter(isJSONRPCRequest);
    if (requests.length === 0) {
      res.writeHead(202).end();
      for (const message of messages) this.onmessage?.(message, extra);
      return;
    }
    const exchange: Exchange = { res, ids: requests.map((r) => r.id), batch: Array.isArray(body), answers: new Map() };
    for (const id of exchange.ids) this.pending.set(id, exchange);
    // A client that goes away is answered no more; its requests' answers are dropped when they come.
    res.once('close', () => this.forget(exchange));
    for (const message of messages) this.onmessage?.(message, extra);
  }

  /** A DELETE: ends the session. */
  async handleDelete(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.closed) return this.fail(res, 404, -32001, 'Session not found');
    if (!this.checkSession(req, res)) return;
    res.writeHead(200).end();
    await this.close();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    // Only answers go anywhere: no event stream carries notifications or server requests.
    if (!isJSONRPCResultResponse(message) && !isJSONRPCErrorResponse(message)) return Promise.resolve();
    const id = message.id ?? options?.relatedRequestId;
    const exchange = id === undefined ? undefined : this.pending.get(id);
    if (id === undefined || !exchange) return Promise.resolve();
    exchange.answers.set(id, message);
    if (exchange.answers.size < exchange.ids.length) return Promise.resolve();
    this.forget(exchange);
    const headers: Record<string, string> = this.sessionId === undefined ? {} : { 'mcp-session-id': this.sessionId };
    const answers = exchange.ids.map((id) => exchange.answers.get(id));
    writeJson(exchange.res, 200, exchange.batch ? answers : answers[0], headers);
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const waiting = new Set(this.pending.values());
    this.pending.clear();
    for (const exchange of waiting) if (!exchange.res.headersSent) this.fail(exchange.res, 404, -32001, 'Session not found');
    this.onclose?.();
    return Promise.resolve();
  }

  private forget(exchange: Exchange): void {
    for (const id of exchange.ids) if (this.pending.get(id) === exchange) this.pending.delete(id);
  }

  /** The checks of every request after initialize: this session's id, and a protocol version it speaks. */
  private checkSession(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.initialized) {
      this.fail(res, 400, -32000, 'Bad Request: Server not initialized');
      return false;
    }
    const sessionId = req.headers['mcp-session-id'];
    if (!sessionId) {
      this.fail(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return false;
    }
    if (sessionId !== this.sessionId) {
      this.fail(res, 404, -32001, 'Session not found');
      return false;
    }
    const version = req.headers['mcp-protocol-version'];
    if (typeof version === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      this.fail(res, 400, -32000, `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`);
      return false;
    }
    return true;
  }

  private fail(res: ServerResponse, status: number, code: number, message: string): void {
    this.onerror?.(new Error(message));
    writeJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null });
  }
}
