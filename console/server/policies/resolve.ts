import type { AccessPolicy, DatabaseConnection, DatabaseEngine } from '@dbwarden/api';
import { defaultPorts } from '@dbwarden/api';
import { parseDuration } from '@dbwarden/api/duration';
import { ConsoleDisabled, NotFound, PolicyNotReady } from '../errors.js';
import type { Dialect, GuardPolicy } from '../guard/index.js';
import type { KubeCatalog } from '../kube/catalog.js';
import type { CredentialCache } from '../kube/credentials.js';
import type { RunOptions, Target, TlsMode } from '../runner/index.js';

export const defaultRowLimit = 1000;
export const defaultStatementTimeout = '15s';
export const defaultConnectionLimit = 5;

/** A policy the console may query through, with everything but its credentials. */
export interface ResolvedPolicy {
  namespace: string;
  name: string;
  /** namespace/name */
  key: string;
  policy: AccessPolicy;
  connection: DatabaseConnection;
  engine: DatabaseEngine;
  dialect: Dialect;
  /** What the SQL guard lets through. */
  guard: GuardPolicy;
  run: RunOptions;
  /** Queries go to the connection's read replica. */
  replica: boolean;
  /**
   * Where and as whom to connect, from the policy's Secret (as read within the credentials TTL).
   * `rejected`: the database refused this target's credentials, so the Secret is read again.
   */
  target(options?: { rejected?: Target }): Promise<Target>;
}

const tlsModes: readonly TlsMode[] = ['disable', 'require', 'verify-ca', 'verify-full'];

/**
 * Loads a policy the caller has already been authorised for and checks that the console may use it:
 * `spec.console.enabled` must be true (403 console_disabled), and the operator must have provisioned it.
 */
export async function resolvePolicy(catalog: KubeCatalog, credentials: CredentialCache, namespace: string, name: string): Promise<ResolvedPolicy> {
  const policy = await catalog.getPolicy(namespace, name);
  if (!policy) throw new NotFound(`AccessPolicy ${namespace}/${name} not found.`);
  const consoleSpec = policy.spec.console ?? {};
  if (consoleSpec.enabled !== true) throw new ConsoleDisabled(namespace, name);
  const connectionName = policy.spec.connectionRef.name;
  const connection = await catalog.getConnection(namespace, connectionName);
  if (!connection) throw new PolicyNotReady(`DatabaseConnection ${namespace}/${connectionName}, which AccessPolicy ${namespace}/${name} uses, does not exist.`);
  const engine = connection.spec.engine;
  const replicaSpec = connection.spec.readReplica;
  const replica = consoleSpec.useReadReplica !== false && replicaSpec !== undefined;
  const access = policy.spec.access ?? 'read-only';
  const guard: GuardPolicy = {
    access,
    database: connection.spec.database,
    ...(policy.spec.tables ? { tables: policy.spec.tables.map((t) => ({ schema: t.schema ?? 'public', name: t.name })) } : {}),
    ...(policy.spec.schemas ? { schemas: [...policy.spec.schemas] } : {}),
  };
  const run: RunOptions = {
    rowLimit: consoleSpec.rowLimit ?? defaultRowLimit,
    timeoutMs: parseDuration(consoleSpec.statementTimeout ?? defaultStatementTimeout),
    readOnly: access !== 'read-write',
  };
  const key = `${namespace}/${name}`;
  return {
    namespace, name, key, policy, connection, engine, dialect: engine, guard, run, replica,
    async target(options: { rejected?: Target } = {}): Promise<Target> {
      const secretName = policy.status?.secretName;
      if (!secretName) throw new PolicyNotReady(`AccessPolicy ${key} has no credentials yet (status.secretName is empty); wait until it is Ready.`);
      const read = await credentials.get(namespace, secretName, options.rejected?.version);
      if (!read) throw new PolicyNotReady(`The credentials Secret ${namespace}/${secretName} of AccessPolicy ${key} does not exist (yet).`);
      const secret = read.fields;
      const missing = (['username', 'password', 'host', 'port', 'database'] as const).filter((k) => !secret[k]);
      if (missing.length > 0) throw new PolicyNotReady(`The credentials Secret ${namespace}/${secretName} lacks ${missing.join(', ')}.`);
      const mode = tlsModes.find((m) => m === (secret.sslmode ?? connection.spec.tls?.mode ?? 'verify-full')) ?? 'verify-full';
      const primaryPort = Number(secret.port) || connection.spec.port || defaultPorts[engine];
      const serverName = connection.spec.tls?.serverName;
      return {
        owner: key,
        version: read.version,
        engine,
        host: replicaSpec && replica ? replicaSpec.host : secret.host!,
        port: replicaSpec && replica ? (replicaSpec.port ?? primaryPort) : primaryPort,
        database: secret.database!,
        user: secret.username!,
        password: secret.password!,
        // The replica is verified against its own host name; serverName describes the primary.
        tls: { mode, ...(secret['ca.crt'] ? { ca: secret['ca.crt'] } : {}), ...(serverName && !replica ? { serverName } : {}) },
        maxConnections: policy.spec.connectionLimit ?? defaultConnectionLimit,
      };
    },
  };
}
