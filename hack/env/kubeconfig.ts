import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { KeyPair } from './pki.js';

const b64 = (path: string): string => readFileSync(path).toString('base64');

/**
 * Writes a kubeconfig with the CA and client certificate embedded, usable by kubectl and client-node.
 * tlsServerName: the name to verify the server's certificate for, when `server` is an address it lacks.
 */
export function writeKubeconfig(path: string, server: string, ca: string, client: KeyPair, user: string, tlsServerName?: string): void {
  const cluster = { server, 'certificate-authority-data': b64(ca), ...(tlsServerName ? { 'tls-server-name': tlsServerName } : {}) };
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'dbwarden-local', cluster }],
    users: [{ name: user, user: { 'client-certificate-data': b64(client.cert), 'client-key-data': b64(client.key) } }],
    contexts: [{ name: 'dbwarden-local', context: { cluster: 'dbwarden-local', user, namespace: 'default' } }],
    'current-context': 'dbwarden-local',
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}
