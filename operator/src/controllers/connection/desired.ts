import type { V1Secret } from '@kubernetes/client-node';
import { defaultPorts, type DatabaseConnection } from '@dbwarden/api';
import type { ConnectionSettings, TlsMode } from '../../engines/engine.js';
import { decodeSecretData } from '../../kube/secret-data.js';
import { ReconcileError } from '../../errors.js';

export type SecretReader = (namespace: string, name: string) => Promise<V1Secret | undefined>;

export interface ResolvedConnection {
  settings: ConnectionSettings;
  /** The CA bundle (PEM) from tls.caSecretRef, handed on to the credentials Secrets as ca.crt. */
  ca?: string;
}

function secretValue(secret: V1Secret, key: string): string | undefined {
  return decodeSecretData(secret)[key] ?? secret.stringData?.[key];
}

const secretReasons = {
  admin: { missing: 'AdminSecretNotFound', invalid: 'AdminSecretInvalid' },
  CA: { missing: 'CASecretNotFound', invalid: 'CASecretInvalid' },
} as const;

async function requireKey(read: SecretReader, namespace: string, name: string, key: string, what: keyof typeof secretReasons): Promise<string> {
  const secret = await read(namespace, name);
  if (!secret) {
    throw new ReconcileError(secretReasons[what].missing, `${what} Secret ${namespace}/${name} does not exist`);
  }
  const value = secretValue(secret, key);
  if (!value) {
    throw new ReconcileError(secretReasons[what].invalid, `${what} Secret ${namespace}/${name} has no key "${key}"`);
  }
  return value;
}

/** What the operator connects with, from the spec and the Secrets it references. */
export async function resolveConnection(connection: DatabaseConnection, read: SecretReader): Promise<ResolvedConnection> {
  const namespace = connection.metadata?.namespace ?? 'default';
  const { spec } = connection;
  const ref = spec.adminSecretRef;
  const username = await requireKey(read, namespace, ref.name, ref.usernameKey ?? 'username', 'admin');
  const password = await requireKey(read, namespace, ref.name, ref.passwordKey ?? 'password', 'admin');
  const mode: TlsMode = spec.tls?.mode ?? 'verify-full';
  let ca: string | undefined;
  if (spec.tls?.caSecretRef) {
    const caRef = spec.tls.caSecretRef;
    ca = await requireKey(read, namespace, caRef.name, caRef.key ?? 'ca.crt', 'CA');
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
      throw new ReconcileError('CASecretInvalid', `CA Secret ${namespace}/${caRef.name} key "${caRef.key ?? 'ca.crt'}" is not a PEM certificate bundle`);
    }
  }
  return {
    ca,
    settings: {
      engine: spec.engine,
      host: spec.host,
      port: spec.port ?? defaultPorts[spec.engine],
      database: spec.database,
      tls: { mode, ...(ca ? { ca } : {}), ...(spec.tls?.serverName ? { serverName: spec.tls.serverName } : {}) },
      admin: { username, password },
    },
  };
}

/** Names of the Secrets a connection reads, so a change to one of them triggers a reconcile. */
export function referencedSecrets(connection: DatabaseConnection): string[] {
  const names = [connection.spec.adminSecretRef.name];
  if (connection.spec.tls?.caSecretRef) names.push(connection.spec.tls.caSecretRef.name);
  return names;
}
