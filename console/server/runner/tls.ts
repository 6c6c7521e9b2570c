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
      // mysql2 sends no SNI for an IP address and leaves the check to Node, which verifies against the name
      // the socket was dialed by, and for a socket dialed by address against "localhost": dial it here and
      // tell the socket the address to check.
      if (isIP(name) !== 0) return { host, port, ssl, stream: () => dialVerifyingAs(host, port, name) };
      if (name === host) return { host, port, ssl };
      return { host: name, port, ssl, stream: () => connect(port, host) };
    }
  }
}

/** Node's TLS client checks the certificate against `_host` of the socket it wraps when it has no servername. */
function dialVerifyingAs(host: string, port: number, address: string): Socket {
  const socket: Socket & { _host?: string | null } = connect(port, host);
  socket._host = address;
  return socket;
}
