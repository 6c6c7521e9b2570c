/**
 * Proves the local databases are real PostgreSQL and MariaDB servers that speak TLS, and that clients
 * verify their certificates (a wrong CA is refused).
 */
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2';
import { describe, expect, it } from 'vitest';
import { mariadbAdmin, postgresAdmin } from '../support/databases.js';
import { required } from '../support/env.js';

/** A CA that did not sign the database servers' certificates: verification against it must fail. */
const wrongCa = (): string => join(required('KUBECONFIG'), '..', 'kube', 'pki', 'ca.crt');

describe('PostgreSQL', () => {
  it('accepts the admin over TLS verified against the local CA', async () => {
    const client = postgresAdmin();
    await client.connect();
    try {
      const { rows } = await client.query<{ version: string; ssl: boolean; tls: string }>(
        'SELECT version() AS version, s.ssl, s.version AS tls FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()',
      );
      console.log(`${rows[0]?.version.split(' on ')[0]} over ${rows[0]?.tls}`);
      expect(rows[0]?.ssl).toBe(true);
      expect(rows[0]?.version).toMatch(/^PostgreSQL 15\./);
    } finally {
      await client.end();
    }
  });

  it('is refused when the certificate does not verify', async () => {
    const client = postgresAdmin(wrongCa());
    await expect(client.connect()).rejects.toThrow(/certificate/i);
    await client.end().catch(() => undefined);
  });
});

describe('MariaDB', () => {
  it('accepts the admin over TLS verified against the local CA', async () => {
    const conn = await mariadbAdmin();
    try {
      const [rows] = await conn.query<RowDataPacket[]>(
        "SELECT VERSION() AS version, VARIABLE_VALUE AS tls FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_version'",
      );
      console.log(`MariaDB ${rows[0]?.version} over ${rows[0]?.tls}`);
      expect(rows[0]?.version).toMatch(/MariaDB/);
      expect(rows[0]?.tls).toMatch(/^TLSv1\.[23]$/);
    } finally {
      await conn.end();
    }
  });

  it('is refused when the certificate does not verify', async () => {
    await expect(mariadbAdmin(wrongCa())).rejects.toThrow(/certificate/i);
  });
});
