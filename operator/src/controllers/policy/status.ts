import type { AccessPolicy, AccessPolicyStatus } from '@dbwarden/api';
import type { GrantReport } from '../../engines/engine.js';
import { setCondition, type ConditionInput } from '../conditions.js';
import type { Failure } from '../failure.js';

export interface Provisioned {
  username: string;
  activeUsername: string;
  secretName: string;
  lastRotationTime: string;
  nextRotationTime: string;
  report: GrantReport;
  /** Least-privilege findings on the users (empty when clean). */
  findings: string[];
  /** Set when this pass corrected drift (the database differed from an unchanged policy). */
  drift?: { time: string; granted: string[]; revoked: string[] };
}

function summary(policy: AccessPolicy, p: Provisioned): string {
  const verbs = policy.spec.access === 'read-write' ? 'SELECT, INSERT, UPDATE, DELETE' : 'SELECT';
  const tables = p.report.tables.length;
  const list = p.report.tables.slice(0, 5).join(', ') + (tables > 5 ? ', …' : '');
  return `user ${p.activeUsername} has ${verbs} on ${tables} table${tables === 1 ? '' : 's'}${tables ? ` (${list})` : ''}; credentials in Secret ${p.secretName}`;
}

export function provisionedStatus(policy: AccessPolicy, p: Provisioned, now = new Date()): AccessPolicyStatus {
  const generation = policy.metadata?.generation ?? 0;
  return {
    observedGeneration: generation,
    username: p.username,
    activeUsername: p.activeUsername,
    secretName: p.secretName,
    lastRotationTime: p.lastRotationTime,
    nextRotationTime: p.nextRotationTime,
    grants: { tables: p.report.tables, privileges: p.report.privileges },
    ...(p.drift ? { lastDriftCorrection: p.drift } : policy.status?.lastDriftCorrection ? { lastDriftCorrection: policy.status.lastDriftCorrection } : {}),
    conditions: setCondition(
      setCondition(policy.status?.conditions, { type: 'Ready', status: 'True', reason: 'Provisioned', message: summary(policy, p) }, generation, now),
      leastPrivilege(p.findings), generation, now),
  };
}

function leastPrivilege(findings: string[]): ConditionInput {
  return findings.length
    ? { type: 'LeastPrivilege', status: 'False', reason: 'ExcessPrivileges', message: `the database users hold more than the policy: ${findings.join('; ')}` }
    : {
      type: 'LeastPrivilege', status: 'True', reason: 'Clean',
      message: 'the users hold only what the policy grants: no superuser, role-creation, global, file or system-catalog privileges',
    };
}

/**
 * Keeps what was last observed (user, Secret, grants) and says why the policy is not ready; with the findings
 * of an audit made during the failed pass, LeastPrivilege says what the users hold now.
 */
export function failedStatus(policy: AccessPolicy, failure: Failure, now = new Date(), findings?: string[], revoked: string[] = []): AccessPolicyStatus {
  const generation = policy.metadata?.generation ?? 0;
  const ready = setCondition(policy.status?.conditions, { type: 'Ready', status: 'False', reason: failure.reason, message: failure.message }, generation, now);
  return {
    ...policy.status,
    ...(revoked.length > 0 ? { lastDriftCorrection: { time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'), revoked, granted: [] } } : {}),
    observedGeneration: generation,
    conditions: findings === undefined ? ready : setCondition(ready, leastPrivilege(findings), generation, now),
  };
}
