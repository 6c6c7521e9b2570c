import { join } from 'node:path';
import { devDir } from './paths.js';
import { nodeNetwork } from './node/network.js';
import { ensureCa, ensureLeaf, type KeyPair } from './pki.js';

export const dbPkiDir = join(devDir, 'db-pki');

/**
 * One local CA for both database servers, so clients can verify them (sslmode=verify-full). The certificate
 * also names the host's address on the local node's link, where pods reach these servers (env:up --node).
 */
export async function ensureDatabasePki(): Promise<{ ca: KeyPair; server: KeyPair }> {
  const ca = await ensureCa(dbPkiDir, 'ca', 'dbwarden-local-database-ca');
  const server = await ensureLeaf(ca, dbPkiDir, 'server', {
    commonName: 'localhost',
    usage: 'server',
    altNames: ['DNS:localhost', 'IP:127.0.0.1', `IP:${nodeNetwork().hostIp}`],
  });
  return { ca, server };
}
