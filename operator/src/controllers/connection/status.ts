import type { AccessPolicy, DatabaseConnection, DatabaseConnectionStatus } from '@dbwarden/api';
import { policyChecks } from './posture-policies.js';
import { setCondition } from '../conditions.js';
import type { Failure } from '../failure.js';
import type { ConnectionHandle } from './registry.js';
import { posture } from './posture.js';


/** The status after a successful check of the server. */
export function connectedStatus(connection: DatabaseConnection, handle: ConnectionHandle, policies: AccessPolicy[], now = new Date()): DatabaseConnectionStatus {
  const generation = connection.metadata?.generation ?? 0;
  const { facts, resolved } = handle;
  const score = posture({ mode: resolved.settings.tls.mode, facts, extra: policyChecks(connection, policies, now) });
  const failing = score.checks?.filter((c) => !c.passed).map((c) => c.name) ?? [];
  const tls = facts.tls.encrypted ? `over ${facts.tls.protocol ?? 'TLS'}${facts.tls.verified ? ' (verified)' : ' (NOT verified)'}` : 'WITHOUT TLS';
  return {
    observedGeneration: generation,
    serverVersion: facts.serverVersion,
    tls: { encrypted: facts.tls.encrypted, verified: facts.tls.verified, ...(facts.tls.protocol ? { protocol: facts.tls.protocol } : {}) },
    posture: score,
    conditions: setCondition(connection.status?.conditions, {
      type: 'Ready',
      status: 'True',
      reason: 'Connected',
      message: `connected to ${facts.serverVersion} ${tls} as the admin account${failing.length ? `; posture warnings: ${failing.join(', ')}` : ''}`,
    }, generation, now),
  };
}

/** The status when the connection cannot be used; the last observed facts stay for reference. */
export function failedStatus(connection: DatabaseConnection, failure: Failure, now = new Date()): DatabaseConnectionStatus {
  const generation = connection.metadata?.generation ?? 0;
  return {
    ...connection.status,
    observedGeneration: generation,
    conditions: setCondition(connection.status?.conditions, { type: 'Ready', status: 'False', reason: failure.reason, message: failure.message }, generation, now),
  };
}
