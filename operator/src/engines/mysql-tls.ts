import { isIP, type Socket, connect } from 'node:net';
import type { ConnectionOptions, SslOptions } from 'mysql2';
import { EngineError, type ConnectionSettings } from './engine.js';

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
  if (serverName === host) return { host, port, ssl };
  if (isIP(serverName)) {
    // Node verifies an IP address only against the address it dialed, so another one cannot be checked.
    throw new EngineError(
      'TlsFailed',
      `tls.serverName ${serverName} is an IP address other than the host ${host}: verify-full can check only a DNS name there`,
      false,
    );
  }
  return { host: serverName, port, ssl, stream: () => dial(host, port) };
}

function dial(host: string, port: number): Socket {
  const socket = connect(port, host);
  socket.setNoDelay(true);
  return socket;
}
