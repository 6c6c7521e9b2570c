/**
 * The console's typed errors. Every error a route can meet is one of these; the error middleware turns them
 * into `{"error": {"code", "message"}}` (and their `extra` fields) with the status they carry. Anything else is a 500 whose details go
 * to the log only.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** More fields of the error's JSON body, next to `error` (a 409 preview_required carries its `preview`). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: the request body or parameters are invalid. */
export class InvalidRequest extends ApiError {
  constructor(message: string) {
    super(400, 'invalid_request', message);
  }
}

/** 401: no bearer token, or one the API server does not accept. */
export class Unauthenticated extends ApiError {
  constructor(message = 'A valid bearer token is required (Authorization: Bearer <token>).') {
    super(401, 'unauthenticated', message);
  }
}

/** 403: Kubernetes RBAC does not allow the caller to query this policy. */
export class Forbidden extends ApiError {
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}

/** 403: the policy exists but does not allow the console (`spec.console.enabled` is not true). */
export class ConsoleDisabled extends ApiError {
  constructor(namespace: string, name: string) {
    super(403, 'console_disabled',
      `AccessPolicy ${namespace}/${name} does not allow console queries; set spec.console.enabled: true to allow them.`);
  }
}

/** 404. */
export class NotFound extends ApiError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

/** 409: the policy is not provisioned yet (no Secret, or the Secret is incomplete). */
export class PolicyNotReady extends ApiError {
  constructor(message: string) {
    super(409, 'policy_not_ready', message);
  }
}

/** 422: the SQL guard refused the statement. `rule` names the rule for the audit log and metrics. */
export class GuardRejected extends ApiError {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(422, 'guard_rejected', message);
  }
}

/** 400: the database refused or failed the statement; the message is the database's own. */
export class DatabaseError extends ApiError {
  constructor(
    message: string,
    readonly sqlState?: string,
  ) {
    super(400, 'database_error', message);
  }
}

/** 400: the statement ran longer than the policy's statementTimeout and was cancelled. */
export class StatementTimeout extends ApiError {
  constructor(message: string) {
    super(400, 'statement_timeout', message);
  }
}

/**
 * 499 (the client closed the request): the client went away — the console's Cancel aborts its fetch — so
 * the statement was cancelled in the database too. Nobody reads the answer; the status is for logs.
 */
export class QueryCancelled extends ApiError {
  constructor(message = 'The query was cancelled because the client went away; the database stopped the statement.') {
    super(499, 'cancelled', message);
  }
}

/** 502: the database cannot be reached or refused the policy's credentials. */
export class DatabaseUnavailable extends ApiError {
  constructor(message: string) {
    super(502, 'database_unavailable', message);
  }
}

/**
 * 502: the database refused the policy's credentials while connecting (before any statement ran), so the
 * query may be retried once with credentials read from the Secret again.
 */
export class CredentialsRejected extends DatabaseUnavailable {}

/** 429: too many queries are waiting for this policy's connections. */
export class TooManyRequests extends ApiError {
  constructor(message: string) {
    super(429, 'too_many_requests', message);
  }
}

/** 503: the ask endpoint without a configured model. */
export class AiNotConfigured extends ApiError {
  constructor() {
    super(503, 'ai_not_configured',
      'AI is not configured. Set OPENAI_API_KEY (from a Secret), and OPENAI_BASE_URL and OPENAI_MODEL for any ' +
      'OpenAI-compatible server (OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp), then restart the console. ' +
      'Listing, schemas and SQL queries work without it.');
  }
}

/** 502: the model's server failed or answered something unusable. */
export class AiFailed extends ApiError {
  constructor(message: string, status = 502) {
    super(status, 'ai_error', message);
  }
}

/** 503: the console is shutting down. */
export class ShuttingDown extends ApiError {
  constructor() {
    super(503, 'shutting_down', 'The console is shutting down; retry on another replica.');
  }
}

/** 503: the Kubernetes API server cannot answer (TokenReview, SubjectAccessReview, reads). */
export class KubernetesUnavailable extends ApiError {
  constructor(message: string) {
    super(503, 'kubernetes_unavailable', message);
  }
}
