import type { Answer, AskRequest, Connection, Identity, Info, Policy, PolicyRef, QueryRequest, QueryResult, Schema, WritePreview } from './types.js';

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

/** 409 preview_required: a write that was previewed (in a transaction rolled back) and not run; it carries the preview. */
export class PreviewRequired extends ApiError {
  constructor(message: string, readonly preview: WritePreview) {
    super(409, 'preview_required', message);
    this.name = 'PreviewRequired';
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

  /** A write is not run: it is answered 409 preview_required, thrown as PreviewRequired with its preview. */
  query(policy: PolicyRef, sql: string, signal?: AbortSignal): Promise<QueryResult> {
    const body: QueryRequest = { sql };
    return this.request('POST', `${policyPath(policy)}/query`, body, signal);
  }

  /** Runs a previewed write: exactly the previewed statement, with the preview's token (refusals are ApiErrors). */
  confirm(policy: PolicyRef, sql: string, previewToken: string, signal?: AbortSignal): Promise<QueryResult> {
    const body: QueryRequest = { sql, previewToken };
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
      const body = parsed as { error?: { code?: unknown; message?: unknown }; preview?: WritePreview } | undefined;
      const error = body?.error;
      const message = typeof error?.message === 'string' ? error.message : `The console answered ${res.status} ${res.statusText}.`;
      if (res.status === 409 && error?.code === 'preview_required' && body?.preview && typeof body.preview.token === 'string') {
        throw new PreviewRequired(message, body.preview);
      }
      throw new ApiError(res.status, typeof error?.code === 'string' ? error.code : `http_${res.status}`, message);
    }
    if (parsed === undefined) throw new ApiError(res.status, 'invalid_response', 'The console sent an answer that is not JSON.');
    return parsed as T;
  }
}

const policyPath = (p: PolicyRef): string => `/api/v1/namespaces/${encodeURIComponent(p.namespace)}/policies/${encodeURIComponent(p.name)}`;
