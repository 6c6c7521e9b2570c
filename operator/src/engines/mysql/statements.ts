/** GRANT and REVOKE statements that move a login from what it holds to what it should hold. */
import mysql from 'mysql2/promise';
import { statement, type Statement } from './connection.js';
import { outsideDatabaseDml, type Held } from './privileges.js';

type ObjectHeld = Extract<Held, { level: 'database' | 'table' | 'column' }>;

/** Every account the operator makes is 'login'@'%'; the login is a value, escaped by mysql2. */
const account = "?@'%'";

/**
 * Whether removing `extras` needs REVOKE ALL PRIVILEGES, GRANT OPTION: the admin can revoke one by one only
 * what it may grant itself (SELECT, INSERT, UPDATE, DELETE in `database`), and REVOKE ALL needs just CREATE USER.
 */
export function needsRevokeAll(extras: readonly Held[], database: string): boolean {
  return extras.some((held) => outsideDatabaseDml(held, database));
}

export function revokeAllStatement(login: string): Statement {
  return statement('revoke', `REVOKE ALL PRIVILEGES, GRANT OPTION FROM ${account}`, [login]);
}

/** MySQL 8 keeps granted roles through REVOKE ALL; MariaDB drops them with it. */
export function revokeRoleStatement(login: string, role: string): Statement {
  return statement('revoke', `REVOKE ${mysql.escapeId(role)} FROM ${account}`, [login]);
}

/** One REVOKE per object (database or table), e.g. REVOKE SELECT (`a`, `b`), DELETE ON `shop`.`orders` FROM ... */
export function revokeStatements(login: string, extras: readonly Held[]): Statement[] {
  return [...byObject(extras)].map(([object, entries]) =>
    statement('revoke', `REVOKE ${privilegeList(entries)} ON ${object} FROM ${account}`, [login]),
  );
}

/** One GRANT per object (database or table), e.g. GRANT SELECT (`a`, `b`), DELETE ON `shop`.`orders` TO ... */
export function grantStatements(login: string, missing: readonly Held[]): Statement[] {
  return [...byObject(missing)].map(([object, entries]) =>
    statement('grant', `GRANT ${privilegeList(entries)} ON ${object} TO ${account}`, [login]),
  );
}

function byObject(held: readonly Held[]): Map<string, ObjectHeld[]> {
  const groups = new Map<string, ObjectHeld[]>();
  for (const entry of held) {
    if (entry.level === 'global' || entry.level === 'role') continue;
    const object = objectName(entry);
    groups.set(object, [...(groups.get(object) ?? []), entry]);
  }
  return groups;
}

function objectName(held: ObjectHeld): string {
  return held.level === 'database'
    ? `${mysql.escapeId(held.stored)}.*`
    : `${mysql.escapeId(held.database)}.${mysql.escapeId(held.table)}`;
}

/** "SELECT, INSERT (`a`, `b`)": object-wide privileges first, then one column list per privilege. */
function privilegeList(entries: readonly ObjectHeld[]): string {
  const whole = new Set<string>();
  const columns = new Map<string, string[]>();
  for (const entry of entries) {
    if (entry.level === 'column') columns.set(entry.privilege, [...(columns.get(entry.privilege) ?? []), entry.column]);
    else whole.add(entry.privilege);
  }
  const columnLists = [...columns].map(([privilege, names]) => `${privilege} (${names.map((n) => mysql.escapeId(n)).join(', ')})`);
  return [...whole, ...columnLists].join(', ');
}
