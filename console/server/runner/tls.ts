import { connect, isIP, type Socket } from 'node:net';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import type { SslOptions } from 'mysql2';
import type { TlsSettings } from './types.js';

/**
 * pg's `ssl` option for a TLS mode (never a connection string: pg reads `sslmode=require` as "do not
 * verify"). verify-full checks the certificate against serverName, or else the host.
 */
export function postgresSsl(tls: TlsSettings, host: string): false | ConnectionOptions {
  const ca = tls.ca ? { ca: tls.ca } : {};
  switch (tls.mode) {
    case 'disable':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { ...ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full': {
      const name = tls.serverName ?? host;
      return {
        ...ca,
        ...(isIP(name) === 0 ? { servername: name } : {}),
        rejectUnauthorized: true,
        checkServerIdentity: (_host, cert) => checkServerIdentity(name, cert),
      };
    }
  }
}

export interface MysqlTransport {
  host: string;
  port: number;
  ssl?: SslOptions;
  stream?: () => Socket;
}

/**
 * mysql2's connection options for a TLS mode. mysql2 verifies (and sends as SNI) the name in `host`, so a
 * serverName other than the host becomes `host`, and the real host is dialled by `stream`.
 */
export function mysqlTransport(tls: TlsSettings, host: string, port: number): MysqlTransport {
  const ca = tls.ca ? { ca: tls.ca } : {};
  switch (tls.mode) {
    case 'disable':
      return { host, port };
    case 'require':
      return { host, port, ssl: { rejectUnauthorized: false } };
    case 'verify-ca':
      return { host, port, ssl: { ...ca, rejectUnauthorized: true, verifyIdentity: false } };
    case 'verify-full': {
      const ssl = { ...ca, rejectUnauthorized: true, verifyIdentity: true };
      const name = tls.serverName ?? host;
      if (name === host || isIP(name) !== 0) return { host, port, ssl };
      return { host: name, port, ssl, stream: () => connect(port, host) };
    }
  }
}
