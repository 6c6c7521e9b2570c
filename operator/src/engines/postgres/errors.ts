import { EngineError, type EngineErrorReason } from '../engine.js';
import type { Write } from './sql.js';

const unreachableCodes = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNRESET']);
const tlsCode = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_/;
const tlsMessage = /certificate|does not support SSL|SSL connection|ssl/i;
const timeoutMessage = /timeout expired|connection timeout|Connection terminated unexpectedly/i;

const sqlstateReasons: Record<string, EngineErrorReason> = {
  '28P01': 'AuthenticationFailed',
  '28000': 'AuthenticationFailed',
  '3D000': 'DatabaseNotFound',
  '42501': 'InsufficientPrivileges',
  '2BP01': 'DropBlocked',
};

interface ErrorFields {
  code?: unknown;
  detail?: unknown;
  message?: unknown;
}

const fieldsOf = (err: unknown): ErrorFields => (typeof err === 'object' && err !== null ? err : {});
const isSqlstate = (code: unknown): code is string => typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);

/** Replaces every secret in a message; defence in depth, since no message should hold one anyway. */
export function redact(message: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s.length >= 4).reduce((text, secret) => text.split(secret).join('***'), message);
}

function reasonOf(err: unknown): EngineErrorReason {
  const { code, message } = fieldsOf(err);
  const text = typeof message === 'string' ? message : '';
  if (isSqlstate(code)) return sqlstateReasons[code] ?? 'DatabaseError';
  if (typeof code === 'string' && unreachableCodes.has(code)) return 'Unreachable';
  if ((typeof code === 'string' && tlsCode.test(code)) || tlsMessage.test(text)) return 'TlsFailed';
  if (timeoutMessage.test(text)) return 'Unreachable';
  if (/^SASL|password/i.test(text)) return 'AuthenticationFailed';
  return 'DatabaseError';
}

/** The server's message and detail, or the client's message. */
function describe(err: unknown): string {
  const { message, detail } = fieldsOf(err);
  const text = typeof message === 'string' && message !== '' ? message : String(err);
  return typeof detail === 'string' && detail !== '' ? `${text} (${detail})` : text;
}

/** Maps a failure to connect or to query to an EngineError whose message says where and why. */
export function toEngineError(err: unknown, where: string, secrets: readonly string[] = []): EngineError {
  if (err instanceof EngineError) return err;
  return new EngineError(reasonOf(err), redact(`${where}: ${describe(err)}`, secrets));
}

/**
 * PostgreSQL keeps an object's privileges in its catalog row, and pg_class and pg_attribute have no TOAST table:
 * a table's or a column's ACL fits in about 8 kB, some 2,400 roles with a direct grant (measured on PostgreSQL 15).
 */
const aclFullHint = 'PostgreSQL holds at most about 2,400 direct grants on one table or column (its ACL must fit in one ' +
  '8 kB catalog row); spread the policies over fewer shared users or over other tables';
const isAclFull = (err: unknown): boolean => {
  const { code, message } = fieldsOf(err);
  return code === '54000' && typeof message === 'string' && /row is too big/.test(message);
};

/** Maps a failed write, naming what it tried and what the admin lacks (never the SQL). */
export function writeError(err: unknown, write: Write, secrets: readonly string[] = []): EngineError {
  if (err instanceof EngineError) return err;
  const hint = reasonOf(err) === 'InsufficientPrivileges' && write.hint ? `; ${write.hint}`
    : isAclFull(err) ? `; ${aclFullHint}` : '';
  return new EngineError(reasonOf(err), redact(`cannot ${write.what}: ${describe(err)}${hint}`, secrets));
}
