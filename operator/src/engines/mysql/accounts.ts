/** The accounts of a principal: which exist, whether they are ours, and their attributes. */
import mysql from 'mysql2/promise';
import type { Ownership, PrincipalSpec } from '../engine.js';
import { statement, text, type AdminConnection, type Statement } from './connection.js';

export interface Account {
  user: string;
  /** '%' for the accounts the operator makes; '' for a MariaDB role. */
  host: string;
  /** '' (REQUIRE NONE), 'ANY' (REQUIRE SSL), 'X509' or 'SPECIFIED'. */
  sslType: string;
  maxUserConnections: number;
  /** The stored password hash (authentication_string), '' when there is none; for LoginProofs only, never logged. */
  authentication: string;
}

/** Every account (any host) and MariaDB role named like one of `logins`. */
export async function readAccounts(admin: AdminConnection, logins: readonly string[]): Promise<Account[]> {
  const rows = await admin.read(
    'reading accounts',
    'SELECT User, Host, ssl_type, max_user_connections, authentication_string FROM mysql.user WHERE User IN (?)',
    [[...logins]],
  );
  return rows.map((row) => ({
    user: text(row, 'User'),
    host: text(row, 'Host'),
    sslType: text(row, 'ssl_type').toUpperCase(),
    maxUserConnections: Number(text(row, 'max_user_connections') || 0),
    authentication: text(row, 'authentication_string'),
  }));
}

/**
 * How to count an existing 'login'@'%' for which no password is known: 'foreign' when the question is
 * ownership itself; 'ours' when the caller has established ownership (with ownership()) and passes none.
 */
export type WithoutPasswords = 'foreign' | 'ours';

/**
 * Ownership of the logins. MariaDB has no user comments, so an account is ours when one of its known passwords
 * logs in (`login` is a real login attempt). An account of the same name on another host, or a role, is never ours.
 */
export async function ownershipOf(
  accounts: readonly Account[],
  logins: readonly string[],
  knownPasswords: Readonly<Record<string, readonly string[] | undefined>>,
  withoutPasswords: WithoutPasswords,
  login: (user: string, password: string) => Promise<boolean>,
): Promise<Ownership> {
  const existing: string[] = [];
  const foreign: string[] = [];
  const ours: string[] = [];
  for (const name of logins) {
    const named = accounts.filter((account) => account.user === name);
    if (named.length === 0) continue;
    existing.push(name);
    const elsewhere = named.filter((account) => account.host !== '%').map(describeOtherAccount);
    foreign.push(...elsewhere);
    if (!named.some((account) => account.host === '%')) continue;
    const passwords = knownPasswords[name] ?? [];
    const proven = passwords.length === 0 ? withoutPasswords === 'ours' : await anyLogsIn(name, passwords, login);
    if (!proven) foreign.push(name);
    // A name that also exists on another host (or as a role) is never ours, whatever logs in at '%'.
    else if (elsewhere.length === 0) ours.push(name);
  }
  const state = existing.length === 0 ? 'absent' : foreign.length > 0 ? 'foreign' : 'ours';
  return { state, foreign, existing, ours };
}

async function anyLogsIn(user: string, passwords: readonly string[], login: (user: string, password: string) => Promise<boolean>): Promise<boolean> {
  for (const password of passwords) if (await login(user, password)) return true;
  return false;
}

function describeOtherAccount(account: Account): string {
  return account.host === '' ? `${account.user} (a role)` : `${account.user}@${account.host}`;
}

/** MAX_USER_CONNECTIONS for the spec: 0 is unlimited. */
function connectionLimit(principal: PrincipalSpec): number {
  return Math.max(0, Math.trunc(principal.connectionLimit ?? 0));
}

function attributesSql(principal: PrincipalSpec): string {
  return `REQUIRE ${principal.requireTls ? 'SSL' : 'NONE'} WITH MAX_USER_CONNECTIONS ${connectionLimit(principal)}`;
}

export function createUserStatement(login: string, password: string, principal: PrincipalSpec): Statement {
  const attributes = attributesSql(principal);
  return {
    kind: 'ddl',
    sql: `CREATE USER ?@'%' IDENTIFIED BY ? ${attributes}`,
    values: [login, password],
    description: `CREATE USER ${mysql.escape(login)}@'%' IDENTIFIED BY *** ${attributes}`,
    secrets: [password],
  };
}

/** Whether REQUIRE or MAX_USER_CONNECTIONS differ from the spec. */
export function attributesDrifted(account: Account, principal: PrincipalSpec): boolean {
  const sslType = principal.requireTls ? 'ANY' : '';
  return account.sslType !== sslType || account.maxUserConnections !== connectionLimit(principal);
}

export function alterAttributesStatement(login: string, principal: PrincipalSpec): Statement {
  return statement('ddl', `ALTER USER ?@'%' ${attributesSql(principal)}`, [login]);
}

export function setPasswordStatement(login: string, password: string, retainCurrent: boolean): Statement {
  const retain = retainCurrent ? ' RETAIN CURRENT PASSWORD' : '';
  return {
    kind: 'password',
    sql: `ALTER USER ?@'%' IDENTIFIED BY ?${retain}`,
    values: [login, password],
    description: `ALTER USER ${mysql.escape(login)}@'%' IDENTIFIED BY ***${retain}`,
    secrets: [password],
  };
}
