import type { AccessPolicy, DatabaseConnection, PostureCheck } from '@dbwarden/api';
import { findCondition, isReady } from '../conditions.js';
import { intervalMs } from '../policy/rotation.js';

const names = (policies: AccessPolicy[]): string => policies.map((p) => p.metadata?.name).sort().join(', ');

/** Every policy's users hold what the policy grants and nothing more (as its last pass found). */
export function usersLeastPrivilege(policies: AccessPolicy[]): PostureCheck {
  const name = 'PolicyUsersLeastPrivilege';
  if (policies.length === 0) return { name, passed: true, message: 'no AccessPolicy uses this connection yet' };
  const notReady = policies.filter((p) => !isReady(p));
  const excess = policies.filter((p) => isReady(p) && findCondition(p.status?.conditions, 'LeastPrivilege')?.status !== 'True');
  if (!notReady.length && !excess.length) {
    return { name, passed: true, message: `the users of all ${policies.length} policies hold only what their policy grants` };
  }
  const problems = [
    ...excess.map((p) => `${p.metadata?.name}: ${findCondition(p.status?.conditions, 'LeastPrivilege')?.message ?? 'not audited yet'}`),
    ...notReady.map((p) => `${p.metadata?.name} is not Ready (${findCondition(p.status?.conditions, 'Ready')?.reason ?? 'pending'}), so its users are not known to match it`),
  ].sort();
  return { name, passed: false, message: problems.join('; ') };
}

/** NetworkPolicies fence the database: the connection says where it is and every policy names its clients. */
export function networkRestricted(connection: DatabaseConnection, policies: AccessPolicy[]): PostureCheck {
  const name = 'NetworkRestricted';
  if (!connection.spec.network) {
    return { name, passed: false, message: 'spec.network is not set, so no NetworkPolicy limits who can reach the database: add its cidrs or podSelector' };
  }
  const open = policies.filter((p) => !p.spec.clients);
  if (open.length) {
    return { name, passed: false, message: `policies without spec.clients (no NetworkPolicy limits their users' clients): ${names(open)}` };
  }
  return { name, passed: true, message: `NetworkPolicies limit the database to the clients of ${policies.length} ${policies.length === 1 ? 'policy' : 'policies'}` };
}

/** No policy's credentials are older than its rotation interval. */
export function credentialsFresh(policies: AccessPolicy[], now: Date): PostureCheck {
  const name = 'CredentialsFresh';
  const overdue = policies.filter((p) => {
    const last = Date.parse(p.status?.lastRotationTime ?? '');
    return Number.isFinite(last) && last + intervalMs(p) < now.getTime();
  });
  return overdue.length
    ? { name, passed: false, message: `credentials older than their rotation interval: ${names(overdue)}; see their Ready condition for what blocks rotation` }
    : { name, passed: true, message: 'every policy\'s credentials are younger than its rotation interval' };
}

/** Console queries go to a read replica, as the guide recommends, when the console may query at all. */
export function readReplicaForConsole(connection: DatabaseConnection, policies: AccessPolicy[]): PostureCheck {
  const name = 'ConsoleUsesReadReplica';
  const consoles = policies.filter((p) => p.spec.console?.enabled);
  if (consoles.length === 0) return { name, passed: true, message: 'no policy lets the console query this database' };
  if (!connection.spec.readReplica) {
    return { name, passed: false, message: `console queries (${names(consoles)}) go to the primary: set spec.readReplica so they run on a replica` };
  }
  const primary = consoles.filter((p) => p.spec.console?.useReadReplica === false);
  return primary.length
    ? { name, passed: false, message: `console queries of ${names(primary)} go to the primary (console.useReadReplica is false)` }
    : { name, passed: true, message: 'console queries run on the read replica' };
}

export function policyChecks(connection: DatabaseConnection, policies: AccessPolicy[], now = new Date()): PostureCheck[] {
  return [usersLeastPrivilege(policies), networkRestricted(connection, policies), credentialsFresh(policies, now), readReplicaForConsole(connection, policies)];
}
