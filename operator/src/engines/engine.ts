import type { DatabaseEngine } from '@dbwarden/api';
import type { TlsMode, TlsSettings } from '@dbwarden/api/tls';
import { ReconcileError } from '../errors.js';

export type { TlsMode, TlsSettings };
/**
 * One interface for the database engines the operator provisions users in. Implementations:
 * postgres/engine.ts (PostgreSQL 13+) and mysql/engine.ts (MySQL 8 and MariaDB 10.11+).
 *
 * Rules every implementation keeps:
 * - Identifiers are validated (identifiers.ts) and quoted by the engine's own rules; values are passed
 *   as parameters (or the engine's literal escaping where the server cannot take parameters, e.g. DDL).
 * - Passwords never appear in logs, errors or thrown messages.
 * - A principal the operator did not create is never altered, granted to, or dropped (EngineError
 *   'UsernameTaken').
 * - Validation (tables and columns exist) happens before any change, so bad input changes nothing.
 */

export type Access = 'read-only' | 'read-write';
export type RotationStrategy = 'in-place' | 'alternating';


export interface ConnectionSettings {
  engine: DatabaseEngine;
  host: string;
  port: number;
  /** The database policies grant in. */
  database: string;
  tls: TlsSettings;
  /** The provisioning account (PostgreSQL: CREATEROLE; MySQL: CREATE USER + GRANT OPTION). */
  admin: { username: string; password: string };
}

export interface ServerFacts {
  product: 'PostgreSQL' | 'MySQL' | 'MariaDB';
  /** e.g. "PostgreSQL 15.18", "MariaDB 10.11.19", "MySQL 8.0.36". */
  serverVersion: string;
  tls: { encrypted: boolean; verified: boolean; protocol?: string };
  admin: {
    /** PostgreSQL superuser, or MySQL SUPER / ALL PRIVILEGES ON *.*: more than provisioning needs. */
    superuser: boolean;
    /** Can it create users at all (CREATEROLE / CREATE USER)? */
    canCreateUsers: boolean;
    /** A sentence for the posture check, e.g. "admin is a superuser; a CREATEROLE role is enough". */
    message: string;
  };
  /** MySQL 8.0.14+: ALTER USER ... RETAIN CURRENT PASSWORD. False on PostgreSQL and MariaDB. */
  dualPasswords: boolean;
  /**
   * Does the server log who connects (AccessLogged)? undefined: the admin may not read the settings. `detail`
   * says what is logged (statements, an audit plugin) and how to turn on what is not, for this engine.
   */
  accessLog: { connections: boolean | undefined; detail: string };
  /** What every login may do without being granted it (DefaultPrivileges): each finding with the statement or setting that removes it. */
  defaultPrivileges: Array<{ finding: string; fix: string }>;
}

export interface TableSpec {
  /** PostgreSQL schema; ignored on MySQL (the connection's database is the schema). Default "public". */
  schema?: string;
  name: string;
  /** Only these columns (column-level privileges). */
  columns?: string[];
}

export interface GrantSpec {
  access: Access;
  /** PostgreSQL: the schemas to grant in (default ["public"]). Ignored on MySQL. */
  schemas: string[];
  /**
   * Only these tables. Empty: every table in `schemas` (PostgreSQL, including tables created later, through
   * default privileges), or every table in the database (MySQL, `db`.*).
   */
  tables: TableSpec[];
}

export interface PrincipalSpec {
  /** Base user name (the policy's status.username). */
  name: string;
  /**
   * in-place: one login user named `name`.
   * alternating: two login users `name_a` and `name_b` with identical privileges; on PostgreSQL `name` is
   * a NOLOGIN group role that holds the grants and both logins are its members; on MySQL each login holds
   * the grants itself.
   */
  strategy: RotationStrategy;
  /** "namespace/name" of the AccessPolicy that owns the principal. */
  owner: string;
  /** Maximum concurrent sessions per login, enforced by the database. */
  connectionLimit?: number;
  /** MySQL: REQUIRE SSL. PostgreSQL cannot require TLS per role (pg_hba.conf does); ignored there. */
  requireTls: boolean;
}

export type OwnershipState = 'absent' | 'ours' | 'foreign';

export interface Ownership {
  /** absent: none of the principal's roles/users exist; ours: every existing one is ours; foreign: some exist that are not. */
  state: OwnershipState;
  /** Existing roles/users the operator did not create (when foreign). */
  foreign: string[];
  /** Which of the principal's logins exist. */
  existing: string[];
  /** The existing logins proven ours (every account or role of that name was made by the operator for this owner). */
  ours: string[];
}

export interface GrantReport {
  /** Tables the principal has any privilege on, qualified ("public.orders" / "shop.orders"). */
  tables: string[];
  /** Normalised privileges, sorted, e.g. "SELECT ON public.orders (customer_id, id)", "USAGE ON SCHEMA public". */
  privileges: string[];
}

export interface SyncResult {
  /** Privileges added this pass (same notation as GrantReport.privileges). */
  granted: string[];
  /** Privileges and attributes removed this pass (extra grants, memberships, role attributes). */
  revoked: string[];
  /** What the database holds after the pass. */
  report: GrantReport;
}

export interface LoginAudit {
  login: string;
  exists: boolean;
  /** Findings that break least privilege, e.g. "SUPERUSER", "CREATEROLE", "global SELECT", "FILE". Empty when clean. */
  findings: string[];
}

export interface Engine {
  readonly kind: DatabaseEngine;
  /** Connects as the admin and reports version, TLS and the admin's privileges. */
  facts(): Promise<ServerFacts>;
  /** The login user names of a principal, in order (in-place: [name]; alternating: [name_a, name_b]). */
  loginNames(principal: PrincipalSpec): string[];
  /**
   * Whether the principal's roles/users exist and were created by the operator. PostgreSQL reads the role
   * comment the operator sets; MySQL/MariaDB (which have no user comments) prove ownership by logging in
   * with one of the known passwords (per login name).
   */
  ownership(principal: PrincipalSpec, knownPasswords: Record<string, string[]>): Promise<Ownership>;
  /**
   * Creates the missing roles/users (logins with the given passwords; a login missing from `passwords` is
   * not created) and brings attributes to the spec on the existing ones: LOGIN/NOLOGIN, no SUPERUSER,
   * CREATEROLE, CREATEDB, REPLICATION, BYPASSRLS; connection limit; REQUIRE SSL. Throws UsernameTaken
   * before changing anything when any existing one is foreign. Returns the names it created.
   */
  ensurePrincipal(principal: PrincipalSpec, passwords: Record<string, string>): Promise<string[]>;
  /**
   * Makes the principal's privileges exactly `grants`: validates that schemas, tables and columns exist
   * (TableNotFound / ColumnNotFound / SchemaNotFound before any change), reads what the database holds,
   * revokes anything extra (other tables, columns, schemas, database-level or global privileges, role
   * memberships), grants anything missing (PostgreSQL: USAGE on the schemas, CONNECT on the database,
   * default privileges for future tables when `tables` is empty; USAGE on the sequences of granted
   * tables for read-write), and reports the result.
   */
  syncGrants(principal: PrincipalSpec, grants: GrantSpec): Promise<SyncResult>;
  // syncGrants trusts that the caller established ownership with ownership() first (the controller does).
  /** Reads what the principal holds without changing anything. */
  readGrants(principal: PrincipalSpec): Promise<GrantReport>;
  /** Sets a login's password. retainCurrent (MySQL 8 only) keeps the old one valid as a secondary password. */
  setPassword(login: string, password: string, options?: { retainCurrent?: boolean }): Promise<void>;
  /** MySQL 8: DISCARD OLD PASSWORD. A no-op elsewhere. */
  discardOldPassword(login: string): Promise<void>;
  /** True when `password` authenticates `login` (a real login attempt, with the connection's TLS settings). */
  canLogin(login: string, password: string): Promise<boolean>;
  /** Ends the login's sessions; returns how many were ended. */
  terminateSessions(login: string): Promise<number>;
  /**
   * Revokes everything, ends sessions and drops the principal's logins (and group role). On PostgreSQL,
   * objects the principal owns in this database are reassigned to the admin and its privileges dropped;
   * if it still cannot be dropped (e.g. objects in another database), throws DropBlocked saying what.
   * Only principals the operator created are touched; absent ones are fine (idempotent). knownPasswords
   * (per login) lets MySQL/MariaDB prove ownership, as in ownership(); PostgreSQL reads its role marker.
   */
  drop(principal: PrincipalSpec, knownPasswords?: Record<string, string[]>): Promise<void>;
  /**
   * Revokes whatever the principal holds in system schemas or databases (pg_catalog, information_schema, any
   * pg_* schema; mysql, sys, performance_schema), default privileges there included: the repair for a spec
   * that is refused because it names one, so that what an earlier version granted does not outlive the refusal.
   * Touches only principals proven ours (knownPasswords as in ownership()); returns what it revoked.
   */
  revokeSystemPrivileges(principal: PrincipalSpec, knownPasswords: Record<string, string[]>): Promise<string[]>;
  /** Least-privilege findings for a login (for the posture report). */
  audit(login: string): Promise<LoginAudit>;
  /** Closes the admin pool. */
  close(): Promise<void>;
}

export type EngineErrorReason =
  | 'Unreachable'
  | 'AuthenticationFailed'
  | 'TlsFailed'
  | 'DatabaseNotFound'
  | 'InsufficientPrivileges'
  | 'SchemaNotFound'
  | 'TableNotFound'
  | 'ColumnNotFound'
  | 'InvalidIdentifier'
  | 'UsernameTaken'
  | 'ReservedUsername'
  | 'SystemSchemaRefused'
  | 'DropBlocked'
  | 'Unsupported'
  | 'DatabaseError';

/** A database failure: a ReconcileError whose reason is one an engine can give (never a password in its message). */
export class EngineError extends ReconcileError {
  constructor(
    override readonly reason: EngineErrorReason,
    message: string,
    /** False when retrying cannot help until the spec changes (e.g. InvalidIdentifier). */
    retryable = true,
    /** Privileges the principal holds beyond its policy that this failure left in place (for the least-privilege audit). */
    readonly excess: readonly string[] = [],
  ) {
    super(reason, message, retryable);
    this.name = 'EngineError';
  }
}

/** Optional hooks to observe what an engine does (metrics, benchmarks). Never given a password. */
export interface EngineObserver {
  /** Called once per statement that changes the database (CREATE/ALTER/DROP/GRANT/REVOKE...). */
  onWrite?(engine: DatabaseEngine, kind: 'ddl' | 'grant' | 'revoke' | 'password' | 'session'): void;
}
