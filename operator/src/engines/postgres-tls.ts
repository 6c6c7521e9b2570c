import { isIP } from 'node:net';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import type { TlsSettings } from './engine.js';

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
      return {
        ...ca,
        ...sni,
        rejectUnauthorized: true,
        checkServerIdentity: (_host, cert) => checkServerIdentity(expectedName, cert),
      };
    }
  }
}

export const verifiesCertificate = (tls: TlsSettings): boolean => tls.mode === 'verify-ca' || tls.mode === 'verify-full';
