import { createHash } from 'node:crypto';
import type { DatabaseConnection } from '@dbwarden/api';
import type { Engine, ServerFacts } from '../../engines/engine.js';
import type { ConnectionSettings } from '../../engines/engine.js';
import { resolveConnection, type ResolvedConnection, type SecretReader } from './desired.js';
import { keyOf } from '../../runtime/object-key.js';

export interface ConnectionHandle {
  resolved: ResolvedConnection;
  engine: Engine;
  facts: ServerFacts;
}

interface Entry {
  uid: string;
  generation: number;
  fingerprint?: string;
  engine?: Engine;
  outcome: { handle: ConnectionHandle } | { error: unknown };
}

const fingerprintOf = (s: ConnectionSettings): string => createHash('sha256').update(JSON.stringify(s)).digest('hex');

/**
 * The operator's live view of each DatabaseConnection: resolved settings, one admin engine (pool) and the
 * server facts. The connection controller refreshes an entry on every pass; the policy controller reuses
 * it, and sees the same failure (without reconnecting) while the connection is broken.
 */
export class ConnectionRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<ConnectionHandle>>();

  constructor(
    private readonly readSecret: SecretReader,
    private readonly makeEngine: (settings: ConnectionSettings) => Engine,
  ) {}

  /** Re-reads the Secrets, replaces the engine when what it connects with changed, and asks the server for its facts. */
  refresh(connection: DatabaseConnection): Promise<ConnectionHandle> {
    const key = keyOf(connection);
    const running = this.inflight.get(key);
    if (running) return running;
    const work = this.doRefresh(key, connection).finally(() => this.inflight.delete(key));
    this.inflight.set(key, work);
    return work;
  }

  /** The handle for this generation of the connection; a failure is rethrown until the next refresh. */
  async get(connection: DatabaseConnection): Promise<ConnectionHandle> {
    const entry = this.entries.get(keyOf(connection));
    if (entry && entry.uid === connection.metadata?.uid && entry.generation === connection.metadata?.generation) {
      if ('handle' in entry.outcome) return entry.outcome.handle;
      throw entry.outcome.error;
    }
    return this.refresh(connection);
  }

  async remove(key: string): Promise<void> {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    await entry?.engine?.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((key) => this.remove(key)));
  }

  private async doRefresh(key: string, connection: DatabaseConnection): Promise<ConnectionHandle> {
    const previous = this.entries.get(key);
    const entry: Entry = {
      uid: connection.metadata?.uid ?? '',
      generation: connection.metadata?.generation ?? 0,
      fingerprint: previous?.uid === connection.metadata?.uid ? previous?.fingerprint : undefined,
      engine: previous?.uid === connection.metadata?.uid ? previous?.engine : undefined,
      outcome: { error: new Error('not checked yet') },
    };
    if (previous?.engine && previous.engine !== entry.engine) await previous.engine.close();
    try {
      const resolved = await resolveConnection(connection, this.readSecret);
      const fingerprint = fingerprintOf(resolved.settings);
      if (!entry.engine || entry.fingerprint !== fingerprint) {
        await entry.engine?.close();
        entry.engine = this.makeEngine(resolved.settings);
        entry.fingerprint = fingerprint;
      }
      const facts = await entry.engine.facts();
      const handle = { resolved, engine: entry.engine, facts };
      entry.outcome = { handle };
      return handle;
    } catch (error) {
      entry.outcome = { error };
      throw error;
    } finally {
      this.entries.set(key, entry);
    }
  }
}
