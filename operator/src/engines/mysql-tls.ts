import { isIP, type Socket, connect } from 'node:net';
import type { ConnectionOptions, SslOptions } from 'mysql2';
import type { ConnectionSettings } from './engine.js';

/** The part of mysql2's connection options that decides where to dial and how the server is verified. */
export type TransportOptions = Pick<ConnectionOptions, 'host' | 'port' | 'ssl' | 'stream'>;

/**
 * Connection options for the TLS mode. mysql2 takes the name it verifies (and sends as SNI) from `host` and
 * ignores `servername` and `checkServerIdentity`; so verify-ca turns its identity check off and verify-full
 * with a serverName other than the host gives mysql2 that name and dials the real host itself.
 * Build it once per engine: mysql2 keys its TLS session cache on the `ssl` object.
 */
export function transportOptions(settings: ConnectionSettings): TransportOptions {
  const { host, port, tls } = settings;
  switch (tls.mode) {
    case 'disable':
      return { host, port };
    case 'require':
      return { host, port, ssl: { rejectUnauthorized: false } };
    case 'verify-ca':
      return { host, port, ssl: verified(tls.ca, false) };
    case 'verify-full':
      return verifyFull(host, port, tls.ca, tls.serverName ?? host);
  }
}

function verified(ca: string | undefined, verifyIdentity: boolean): SslOptions {
  return { ...(ca === undefined ? {} : { ca }), rejectUnauthorized: true, verifyIdentity };
}

function verifyFull(host: string, port: number, ca: string | undefined, serverName: string): TransportOptions {
  const ssl = verified(ca, true);
  if (isIP(serverName) === 0) {
    return serverName === host ? { host, port, ssl } : { host: serverName, port, ssl, stream: () => dial(host, port) };
  }
  // mysql2 sends no SNI for an IP address and leaves the check to Node, which verifies the certificate against
  // the host name the socket was dialed by, and for a socket dialed by address against "localhost" (so a
  // certificate for localhost passed for any address). The socket is dialed here and told the address to check.
  return { host, port, ssl, stream: () => dial(host, port, serverName) };
}

/** Node's TLS client checks the certificate against `_host` of the socket it wraps when it has no servername. */
type NamedSocket = Socket & { _host?: string | null };

function dial(host: string, port: number, verifyAs?: string): Socket {
  const socket: NamedSocket = connect(port, host);
  if (verifyAs !== undefined) socket._host = verifyAs;
  socket.setNoDelay(true);
  return socket;
}
