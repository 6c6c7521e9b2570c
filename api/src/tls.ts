import { connect, isIP, type Socket } from 'node:net';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';

/** spec.tls.mode of a DatabaseConnection. */
export type TlsMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

export interface TlsSettings {
  mode: TlsMode;
  /** PEM CA bundle to verify the server against (verify-ca / verify-full); the system roots otherwise. */
  ca?: string;
  /** Name to verify the certificate for (verify-full) and to send as SNI; defaults to the host. */
  serverName?: string;
}

export const verifiesCertificate = (tls: TlsSettings): boolean => tls.mode === 'verify-ca' || tls.mode === 'verify-full';

/**
 * pg's `ssl` option for a TLS mode. Never a connection string: pg reads `sslmode=require` as "do not verify".
 * Without a CA bundle, verify-ca and verify-full verify against the system roots.
 */
export function postgresSsl(tls: TlsSettings, host: string): false | ConnectionOptions {
  const ca = tls.ca === undefined ? {} : { ca: tls.ca };
  switch (tls.mode) {
    case 'disable':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { ...ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full': {
      const expectedName = tls.serverName ?? host;
      // SNI must not carry an IP address (RFC 6066). pg itself sets SNI to `host` when that is a DNS name.
      const sni = isIP(expectedName) === 0 ? { servername: expectedName } : {};
      return { ...ca, ...sni, rejectUnauthorized: true, checkServerIdentity: (_host, cert) => checkServerIdentity(expectedName, cert) };
    }
  }
}

/** The subset of mysql2's `ssl` option (its SslOptions) dbwarden sets. */
export interface MysqlSsl {
  ca?: string;
  rejectUnauthorized: boolean;
  verifyIdentity?: boolean;
}

/** The part of mysql2's connection options that decides where to dial and how the server is verified. */
export interface MysqlTransport {
  host: string;
  port: number;
  ssl?: MysqlSsl;
  stream?: () => Socket;
}

/**
 * mysql2's connection options for a TLS mode. mysql2 takes the name it verifies (and sends as SNI) from `host`
 * and ignores `servername` and `checkServerIdentity`; so verify-ca turns its identity check off, and verify-full
 * with a serverName other than the host gives mysql2 that name and dials the real host itself.
 * Build it once per pool: mysql2 keys its TLS session cache on the `ssl` object.
 */
export function mysqlTransport(tls: TlsSettings, host: string, port: number): MysqlTransport {
  const ca = tls.ca === undefined ? {} : { ca: tls.ca };
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
      // mysql2 sends no SNI for an IP address and leaves the check to Node, which verifies the certificate
      // against the name the socket was dialed by, and for a socket dialed by address against "localhost" (so a
      // certificate for localhost passed for any address): dial it here and tell the socket the address to check.
      if (isIP(name) !== 0) return { host, port, ssl, stream: () => dial(host, port, name) };
      if (name === host) return { host, port, ssl };
      return { host: name, port, ssl, stream: () => dial(host, port) };
    }
  }
}

/** Node's TLS client checks the certificate against `_host` of the socket it wraps when it has no servername. */
type NamedSocket = Socket & { _host?: string | null };

function dial(host: string, port: number, verifyAs?: string): Socket {
  const socket: NamedSocket = connect(port, host);
  if (verifyAs !== undefined) socket._host = verifyAs;
  socket.setNoDelay(true);
  return socket;
}
