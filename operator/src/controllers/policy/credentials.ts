import type { V1Secret } from '@kubernetes/client-node';
import { accessPolicies, apiVersion, managedByLabel, type AccessPolicy, type Credentials, type DatabaseEngine } from '@dbwarden/api';
import type { ConnectionSettings, TlsSettings } from '../../engines/engine.js';
import { decodeSecretData, encodeSecretData } from '../../kube/secret-data.js';

/**
 * Keys the operator keeps in the credentials Secret while a password is being set in the database, so the
 * new password always exists somewhere durable before the database learns it (crash-safe protocol).
 */
export const pendingUsernameKey = 'pending-username';
export const pendingPasswordKey = 'pending-password';
/** Rotation state, kept on the Secret so it survives with the password it describes. */
export const annotations = {
  /** When the Secret's password last changed (RFC 3339). */
  rotatedAt: 'dbwarden.io/rotated-at',
  /** The policy's dbwarden.io/rotate value the last rotation answered. */
  rotateHandled: 'dbwarden.io/rotate-handled',
  /** The dbwarden.io/rotate value the pending password answers (moved to rotateHandled on promotion). */
  pendingRequest: 'dbwarden.io/pending-rotate-request',
  /** The login whose previous password stays valid until previousUntil (then it is retired). */
  previousUsername: 'dbwarden.io/previous-username',
  previousUntil: 'dbwarden.io/previous-until',
} as const;
/** The policy the Secret belongs to (for lookups; ownership is the ownerReference). */
export const policyLabel = 'dbwarden.io/policy';

export interface StoredCredentials {
  username?: string;
  password?: string;
  pendingUsername?: string;
  pendingPassword?: string;
  rotatedAt?: string;
  rotateHandled?: string;
  pendingRequest?: string;
  previousUsername?: string;
  previousUntil?: string;
}

/** The credentials and rotation state in a Secret's decoded data and its annotations. */
export function readCredentials(secret: V1Secret | undefined, data = decodeSecretData(secret)): StoredCredentials {
  return {
    username: data.username,
    password: data.password,
    pendingUsername: data[pendingUsernameKey],
    pendingPassword: data[pendingPasswordKey],
    rotatedAt: secret?.metadata?.annotations?.[annotations.rotatedAt],
    rotateHandled: secret?.metadata?.annotations?.[annotations.rotateHandled],
    pendingRequest: secret?.metadata?.annotations?.[annotations.pendingRequest],
    previousUsername: secret?.metadata?.annotations?.[annotations.previousUsername],
    previousUntil: secret?.metadata?.annotations?.[annotations.previousUntil],
  };
}

const hostInUri = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/** `auth` is `user:password` and `where` is `host:port/database`, both URL-encoded. */
type UriBuilder = (auth: string, where: string, tls: TlsSettings) => string;

/** The URL each engine's usual clients take as-is: psql and pg for PostgreSQL; mysql2 for MySQL/MariaDB. */
const uriBuilders = {
  postgres: (auth, where, { mode }) => `postgresql://${auth}@${where}?sslmode=${mode}`,
  mysql: (auth, where, { mode, ca }) => {
    if (mode === 'disable') return `mysql://${auth}@${where}`;
    const ssl = mode === 'require' ? { rejectUnauthorized: false } : { rejectUnauthorized: true, ...(ca ? { ca } : {}) };
    return `mysql://${auth}@${where}?ssl=${encodeURIComponent(JSON.stringify(ssl))}`;
  },
} satisfies Record<DatabaseEngine, UriBuilder>;

export function uriFor(settings: ConnectionSettings, username: string, password: string): string {
  const auth = `${encodeURIComponent(username)}:${encodeURIComponent(password)}`;
  const where = `${hostInUri(settings.host)}:${settings.port}/${encodeURIComponent(settings.database)}`;
  return uriBuilders[settings.engine](auth, where, settings.tls);
}

/** The keys DESIGN.md promises consumers (plus ca.crt when the connection has a CA). */
export function credentialData(settings: ConnectionSettings, username: string, password: string): Credentials {
  return {
    username,
    password,
    host: settings.host,
    port: String(settings.port),
    database: settings.database,
    engine: settings.engine,
    sslmode: settings.tls.mode,
    uri: uriFor(settings, username, password),
    ...(settings.tls.ca ? { 'ca.crt': settings.tls.ca } : {}),
  };
}

export interface SecretContent {
  data: Record<string, string>;
  /** Annotations to set; undefined removes one. Others on the Secret are kept. */
  annotations?: Record<string, string | undefined>;
}

/** The Secret as the policy wants it: owned by the policy (garbage-collected with it), labelled, values encoded. */
export function secretManifest(policy: AccessPolicy, name: string, content: SecretContent, existing?: V1Secret): V1Secret {
  const data = encodeSecretData(content.data);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      ...(existing?.metadata ?? {}),
      name,
      namespace: policy.metadata?.namespace,
      labels: { ...(existing?.metadata?.labels ?? {}), ...managedByLabel, [policyLabel]: policy.metadata?.name ?? '' },
      annotations: mergeAnnotations(existing?.metadata?.annotations, content.annotations),
      ownerReferences: [{
        apiVersion,
        kind: accessPolicies.kind,
        name: policy.metadata?.name ?? '',
        uid: policy.metadata?.uid ?? '',
        controller: true,
        blockOwnerDeletion: true,
      }],
    },
    data,
  };
}

function mergeAnnotations(existing: Record<string, string> | undefined, changes: Record<string, string | undefined> = {}): Record<string, string> {
  const merged: Record<string, string> = { ...(existing ?? {}) };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  return merged;
}

/** True when the Secret belongs to this policy (its controller ownerReference is the policy's uid). */
export function ownedBy(secret: V1Secret, policy: AccessPolicy): boolean {
  return secret.metadata?.ownerReferences?.some((r) => r.controller && r.uid === policy.metadata?.uid) ?? false;
}
