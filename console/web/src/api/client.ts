import type { Answer, AskRequest, Connection, Identity, Info, Policy, PolicyRef, QueryRequest, QueryResult, Schema } from './types.js';

/** An error from the console's API (`{"error": {"code", "message"}}`), or from reaching it (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** True when the error is the caller's own cancellation. */
export const isAbort = (err: unknown): boolean =>
  err instanceof DOMException ? err.name === 'AbortError' : (err as { name?: string } | null)?.name === 'AbortError';

/**
 * The console's JSON API, with the bearer token held in a private field: it is sent in the Authorization
 * header only, never put in a URL, an attribute or the DOM.
 */
export class ConsoleApi {
  readonly #token: string;

  constructor(token: string, private readonly base = '') {
    this.#token = token;
  }

  me(signal?: AbortSignal): Promise<Identity> {
    return this.request('GET', '/api/v1/me', undefined, signal);
  }

  info(signal?: AbortSignal): Promise<Info> {
    return this.request('GET', '/api/v1/info', undefined, signal);
  }

  async policies(signal?: AbortSignal): Promise<Policy[]> {
    return (await this.request<{ items: Policy[] }>('GET', '/api/v1/policies', undefined, signal)).items;
  }

  async connections(signal?: AbortSignal): Promise<Connection[]> {
    return (await this.request<{ items: Connection[] }>('GET', '/api/v1/connections', undefined, signal)).items;
  }

  schema(policy: PolicyRef, signal?: AbortSignal): Promise<Schema> {
    return this.request('GET', `${policyPath(policy)}/schema`, undefined, signal);
  }

  /** A write is answered 409 preview_required (an ApiError): the web app does not confirm writes yet. */
  query(policy: PolicyRef, sql: string, signal?: AbortSignal): Promise<QueryResult> {
    const body: QueryRequest = { sql };
    return this.request('POST', `${policyPath(policy)}/query`, body, signal);
  }

  ask(policy: PolicyRef, question: string, conversationId: string | undefined, signal?: AbortSignal): Promise<Answer> {
    const body: AskRequest = { question, ...(conversationId ? { conversationId } : {}) };
    return this.request('POST', `${policyPath(policy)}/ask`, body, signal);
  }

  private async request<T>(method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal | undefined): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${this.#token}`,
          Accept: 'application/json',
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        cache: 'no-store',
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (isAbort(err)) throw err;
      throw new ApiError(0, 'network_error', 'The console cannot be reached. Check your connection, or whether the console is running, and try again.');
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const error = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      throw new ApiError(res.status,
        typeof error?.code === 'string' ? error.code : `http_${res.status}`,
        typeof error?.message === 'string' ? error.message : `The console answered ${res.status} ${res.statusText}.`);
    }
    if (parsed === undefined) throw new ApiError(res.status, 'invalid_response', 'The console sent an answer that is not JSON.');
    return parsed as T;
  }
}

const policyPath = (p: PolicyRef): string => `/api/v1/namespaces/${encodeURIComponent(p.namespace)}/policies/${encodeURIComponent(p.name)}`;
