/**
 * Shared by the operator's and the console's loggers: field names whose values may be credentials,
 * connection strings or Secret contents are censored wherever they appear in a log record (top level, nested
 * objects, arrays, an Error's own fields), before pino serializes it.
 *
 * pino's own `redact` option does the same with paths; covering every depth takes a wildcard path per field
 * and depth (`*.*.*.password`), and those cost about 0.3 ms a line (measured: 10 µs a line without them),
 * which a console query paid twice. This walk is proportional to the record's size and copies only what it
 * censors, so the caller's objects are never changed.
 */

/** Matched without regard to letter case (`Authorization` and `authorization` alike). */
export const sensitiveFields = [
  'password',
  'pass',
  'passwd',
  'uri',
  'connectionString',
  'token',
  'authorization',
  'cookie',
  'apiKey',
  'data',
  'stringData',
] as const;

export const censored = '[REDACTED]';

/**
 * For pino's `redact` option: the sensitive fields at the top level (cheap, unlike wildcard paths). pino
 * passes a child logger's bindings through `redact` but not through `formatters`, so this covers
 * `logger.child({ token })`; `formatters.log: redactSensitive` covers every record at every depth.
 */
export const topLevelRedactPaths: string[] = [...new Set(sensitiveFields.flatMap((f) => [f, f[0]!.toUpperCase() + f.slice(1)]))];

/** Objects nested deeper than this are logged as they are (log records are shallow; this bounds cycles). */
const maxDepth = 10;

const sensitive = new Set(sensitiveFields.map((f) => f.toLowerCase()));

/** `value` with every sensitive field censored; the same object when it has none. */
export function redactSensitive<T>(value: T): T {
  return walk(value, maxDepth) as T;
}

function walk(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth < 0) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = walk(value[i], depth - 1);
      if (next !== value[i]) (copy ??= value.slice())[i] = next;
    }
    return copy ?? value;
  }
  const isError = value instanceof Error;
  const proto: unknown = Object.getPrototypeOf(value);
  // Class instances other than errors (requests, sockets, buffers, dates) are left to pino's serializers.
  if (!isError && proto !== Object.prototype && proto !== null) return value;
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const current = record[key];
    const next = sensitive.has(key.toLowerCase()) ? (current === undefined ? current : censored) : walk(current, depth - 1);
    if (next !== current) (copy ??= isError ? errorCopy(value) : { ...record })[key] = next;
  }
  if (isError && value.cause !== undefined) {
    const cause = walk(value.cause, depth - 1);
    if (cause !== value.cause) Object.defineProperty(copy ??= errorCopy(value), 'cause', { value: cause, writable: true, configurable: true });
  }
  return copy ?? value;
}

/** An Error of the same class with the same message, stack and own fields, to censor without changing the original. */
function errorCopy(err: Error): Record<string, unknown> {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(err) as object) as Error, err);
  Object.defineProperty(copy, 'message', { value: err.message, writable: true, configurable: true });
  Object.defineProperty(copy, 'stack', { value: err.stack, writable: true, configurable: true });
  if (err.cause !== undefined) Object.defineProperty(copy, 'cause', { value: err.cause, writable: true, configurable: true });
  return copy as unknown as Record<string, unknown>;
}
