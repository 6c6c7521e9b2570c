import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type {} from 'pino-http';
import { ApiError, NotFound } from '../errors.js';
import { secrets } from '../redact.js';

export interface ErrorBody {
  error: { code: string; message: string };
  /** An ApiError's extra fields (a preview_required's `preview`). */
  [field: string]: unknown;
}

/** Unknown API paths: a JSON 404, not Express's HTML page. */
export function apiNotFound(req: Request): never {
  throw new NotFound(`No route ${req.method} ${req.path}.`);
}

/**
 * The one error middleware: typed errors become their status and `{"error": {"code", "message"}}` plus the
 * error's extra fields; body
 * parser errors become 400; anything else is a 500 whose details stay in the log. Messages are scrubbed of
 * every secret the console holds before they leave.
 */
export function errorHandler(log: Logger) {
  // Express recognises error middleware by its four parameters.
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      // A streamed response already started: cut it so the client sees an incomplete transfer.
      req.log?.warn({ err }, 'error after the response started');
      res.destroy();
      return;
    }
    let status = 500;
    let body: ErrorBody;
    const parserError = err as { type?: string; status?: number; message?: string };
    if (err instanceof ApiError) {
      status = err.status;
      // RFC 6750 (and MCP's authorization spec): say which scheme the resource expects.
      if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="dbwarden"');
      body = { ...err.extra, error: { code: err.code, message: secrets.scrub(err.message) } };
    } else if (typeof parserError.type === 'string' && parserError.status && parserError.status < 500) {
      status = parserError.status;
      body = { error: { code: 'invalid_request', message: `The request body is not acceptable: ${parserError.message ?? parserError.type}` } };
    } else {
      (req.log ?? log).error({ err }, 'unexpected error');
      body = { error: { code: 'internal_error', message: 'An unexpected error occurred; the request id in the logs has the details.' } };
    }
    if (status >= 500 && err instanceof ApiError) (req.log ?? log).warn({ code: body.error.code, message: body.error.message }, 'request failed');
    res.status(status).json(body);
  };
}
