import { describe, expect, it } from 'vitest';
import type { ConnectionSettings } from '../../engines/engine.js';
import { credentialData, uriFor } from './credentials.js';

const settings = (engine: 'postgres' | 'mysql', mode: ConnectionSettings['tls']['mode'], ca?: string): ConnectionSettings => ({
  engine, host: 'db.example.com', port: engine === 'postgres' ? 5432 : 3306, database: 'shop',
  tls: { mode, ...(ca ? { ca } : {}) }, admin: { username: 'admin', password: 'x' },
});

describe('credentials', () => {
  it('builds a PostgreSQL URL with the TLS mode', () => {
    expect(uriFor(settings('postgres', 'verify-full'), 'ai_a', 'p-._~w')).toBe('postgresql://ai_a:p-._~w@db.example.com:5432/shop?sslmode=verify-full');
  });
  it('builds a mysql2 URL whose ssl option carries the CA', () => {
    const uri = uriFor(settings('mysql', 'verify-full', '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n'), 'u', 'p');
    const ssl = JSON.parse(new URL(uri).searchParams.get('ssl')!) as { ca: string; rejectUnauthorized: boolean };
    expect(ssl).toEqual({ rejectUnauthorized: true, ca: '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n' });
    expect(uriFor(settings('mysql', 'disable'), 'u', 'p')).toBe('mysql://u:p@db.example.com:3306/shop');
  });
  it('has every key DESIGN.md promises', () => {
    const data = credentialData(settings('postgres', 'verify-ca', 'PEM'), 'u', 'p');
    expect(Object.keys(data).sort()).toEqual(['ca.crt', 'database', 'engine', 'host', 'password', 'port', 'sslmode', 'uri', 'username']);
  });
});
