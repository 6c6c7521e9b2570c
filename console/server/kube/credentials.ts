import type { ConsoleMetrics } from '../metrics.js';
import type { SecretData } from './catalog.js';

/** The keys of a policy's Secret a query needs; `uri`, `pending-password` and anything else are not kept. */
const fields = ['username', 'password', 'host', 'port', 'database', 'sslmode', 'ca.crt'] as const;
export type CredentialField = (typeof fields)[number];

/** A policy's credentials as read from its Secret at one resourceVersion. */
export interface Credentials {
  /** The Secret's resourceVersion when read (not secret): a rotation makes a new one. */
  readonly version: string;
  readonly fields: Readonly<Partial<Record<CredentialField, string>>>;
}

export interface SecretReader {
  readSecret(namespace: string, name: string): Promise<SecretData | undefined>;
}

/** Why the Secret was read: no fresh copy (first use or past the TTL), or the database refused the copy held. */
export type ReadReason = 'expired' | 'rejected';

/**
 * Policies' credentials, read from their Secrets and reused for `ttlMs` (0: read for every query), so a
 * query does not wait for the API server. Only credentials are reused here: authentication and
 * authorisation still happen on every request, before this is asked. Past the TTL the Secret is read again
 * (one read per Secret at a time), and a read that fails fails the query: nothing stale is served. When the
 * database refuses the credentials held, `get` with `rejected` reads the Secret again at once, unless
 * another query already did.
 */
export class CredentialCache {
  private readonly entries = new Map<string, { credentials: Credentials; expires: number }>();
  private readonly reading = new Map<string, Promise<Credentials | undefined>>();

  constructor(
    private readonly reader: SecretReader,
    private readonly ttlMs: number,
    private readonly metrics?: ConsoleMetrics,
  ) {}

  /**
   * The credentials in Secret `namespace/name`, or undefined when it does not exist. `rejected`: the
   * version the database just refused.
   */
  async get(namespace: string, name: string, rejected?: string): Promise<Credentials | undefined> {
    const key = `${namespace}/${name}`;
    const entry = this.entries.get(key);
    if (entry && entry.expires > Date.now() && entry.credentials.version !== rejected) return entry.credentials;
    const pending = this.reading.get(key);
    if (pending) return pending;
    const read = this.read(namespace, name, key, rejected === undefined ? 'expired' : 'rejected');
    if (this.ttlMs <= 0) return read;
    this.reading.set(key, read);
    try {
      return await read;
    } finally {
      this.reading.delete(key);
    }
  }

  private async read(namespace: string, name: string, key: string, reason: ReadReason): Promise<Credentials | undefined> {
    this.metrics?.secretReads.inc({ reason });
    const secret = await this.reader.readSecret(namespace, name);
    this.forgetExpired();
    if (!secret) {
      this.entries.delete(key);
      return undefined;
    }
    const kept: Partial<Record<CredentialField, string>> = {};
    for (const f of fields) {
      const value = secret.data[f];
      if (value) kept[f] = value;
    }
    const credentials: Credentials = Object.freeze({ version: secret.resourceVersion, fields: Object.freeze(kept) });
    if (this.ttlMs > 0) this.entries.set(key, { credentials, expires: Date.now() + this.ttlMs });
    return credentials;
  }

  /** No password is kept past its TTL here (the pool built from it holds its own copy while open). */
  private forgetExpired(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expires <= now) this.entries.delete(key);
  }
}
