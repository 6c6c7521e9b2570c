import { EngineError, type EngineErrorReason } from '../engine.js';

/** The fields of a mysql2 or Node error that say what went wrong. Never `sql`: it may hold a password. */
interface DriverError {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
}

const unreachableCodes = new Set([
  'ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET',
  'PROTOCOL_CONNECTION_LOST',
]);
const tlsCodes = new Set([
  'HANDSHAKE_NO_SSL_SUPPORT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'CERT_SIGNATURE_FAILURE',
  'EPROTO',
]);

/** Server error numbers (MySQL and MariaDB share them below 2000). */
export const errno = {
  dbAccessDenied: 1044,
  accessDenied: 1045,
  badDb: 1049,
  badField: 1054,
  unknownThread: 1094,
  killDenied: 1095,
  noSuchTable: 1146,
  tableAccessDenied: 1142,
  columnAccessDenied: 1143,
  tooManyUserConnections: 1226,
  specificAccessDenied: 1227,
  cantCreateUserWithGrant: 1410,
  accessDeniedNoPassword: 1698,
  mysqlAccountLocked: 3118,
  mysqlSecureTransportRequired: 3159,
  mariadbAccountLocked: 4151,
} as const;

const privilegeErrors = new Set<number>([
  errno.dbAccessDenied, errno.tableAccessDenied, errno.columnAccessDenied, errno.specificAccessDenied,
  errno.killDenied, errno.cantCreateUserWithGrant, 1370 /* routine */, 1211 /* not allowed to create user */,
]);
const authErrors = new Set<number>([
  errno.accessDenied, errno.accessDeniedNoPassword, errno.mysqlAccountLocked, errno.mariadbAccountLocked,
]);

export function errorNumber(err: unknown): number | undefined {
  const value = (err as DriverError | undefined)?.errno;
  return typeof value === 'number' ? value : undefined;
}

function errorCode(err: unknown): string {
  const value = (err as DriverError | undefined)?.code;
  return typeof value === 'string' ? value : '';
}

/** Whether the failure is about the TLS channel: certificate, hostname, or a server without TLS. */
export function isTlsError(err: unknown): boolean {
  const code = errorCode(err);
  if (tlsCodes.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return true;
  if (errorNumber(err) === errno.mysqlSecureTransportRequired) return true;
  return errorNumber(err) === undefined && /certificate|secure (connection|transport)|\b(ssl|tls)\b/i.test(messageOf(err));
}

function messageOf(err: unknown): string {
  const message = (err as DriverError | undefined)?.message;
  return typeof message === 'string' ? message : String(err);
}

function reasonFor(err: unknown, phase: Phase): EngineErrorReason {
  const number = errorNumber(err);
  if (unreachableCodes.has(errorCode(err))) return 'Unreachable';
  if (isTlsError(err)) return 'TlsFailed';
  if (number === undefined) return 'DatabaseError';
  if (number === errno.badDb) return 'DatabaseNotFound';
  if (authErrors.has(number)) return phase === 'connecting' ? 'AuthenticationFailed' : 'InsufficientPrivileges';
  if (privilegeErrors.has(number)) return 'InsufficientPrivileges';
  if (number === errno.noSuchTable) return 'TableNotFound';
  if (number === errno.badField) return 'ColumnNotFound';
  return 'DatabaseError';
}

/** Replaces every secret (and its SQL-escaped spelling) in a text, so no password reaches a message. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const spelling of new Set([secret, secret.replace(/[\\']/g, (c) => `\\${c}`)])) {
      out = out.split(spelling).join('***');
    }
  }
  return out;
}

/** Whether the failure came while opening a connection (handshake, TLS, authentication) or from a statement. */
export type Phase = 'connecting' | 'statement';

/**
 * An EngineError for a driver failure: the reason from the error's code or number and the phase, what was being
 * done (`doing`, never holding a password), and the driver's message with every secret blanked out.
 */
export function toEngineError(err: unknown, phase: Phase, doing: string, secrets: readonly string[]): EngineError {
  if (err instanceof EngineError) return err;
  const reason = reasonFor(err, phase);
  const code = errorCode(err);
  const message = messageOf(err);
  const detail = redact(message, secrets) + (code && !message.includes(code) ? ` (${code})` : '');
  return new EngineError(reason, `${doing}: ${detail}${hint(reason)}`);
}

function hint(reason: EngineErrorReason): string {
  switch (reason) {
    case 'InsufficientPrivileges':
      return '; the admin needs CREATE USER, PROCESS and CONNECTION ADMIN on *.*, SELECT on mysql.*, and SELECT, INSERT, UPDATE, DELETE on the database WITH GRANT OPTION';
    case 'AuthenticationFailed':
      return '; check the admin user name and password';
    default:
      return '';
  }
}
