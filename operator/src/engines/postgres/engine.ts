/**
 * The PostgreSQL engine (13+). Principals are roles marked by a comment; grants are made exactly what the spec
 * says by comparing the catalogs with the desired state and writing only the difference, in one transaction.
 *
 * Passwords are sent as SCRAM-SHA-256 verifiers computed here, never in plaintext. PostgreSQL has no dual
 * passwords: setPassword with retainCurrent throws Unsupported (use the alternating strategy instead).
 */
import pg from 'pg';
import {
  EngineError,
  type ConnectionSettings,
  type Engine,
  type EngineObserver,
  type GrantReport,
  type GrantSpec,
  type LoginAudit,
  type Ownership,
  type PrincipalSpec,
  type ServerFacts,
  type SyncResult,
} from '../engine.js';
import { assertUsername } from '../identifiers.js';
import { auditLogin } from './audit.js';
import { readCatalog, type Catalog, type CatalogRequest } from './catalog.js';
import { catalogRequest, desiredPrivileges, desiredRoleShape, normaliseGrants, validateGrants } from './desired.js';
import { toEngineError } from './errors.js';
import { actualPrivileges, grantReport, leftovers, planChanges, type GrantChanges } from './grants.js';
import { describeGroup, grantWrite, revokeWrite, schemaOf, type Authority, type PrivilegeGroup, type Target } from './privileges.js';
import {
  assertOurs,
  isManagedComment,
  missingRoleWrites,
  ownershipOf,
  principalRoles,
  readRoles,
  type PrincipalRoles,
  type RoleRow,
} from './roles.js';
import { scramSha256Verifier } from './scram.js';
import { ident, literal, type Write } from './sql.js';
import { readServerDefaults } from './server-defaults.js';
import { postgresSsl, verifiesCertificate } from '@dbwarden/api/tls';
import { inTransaction, runWrite } from './writes.js';
import { assertNotReserved, systemObjects } from '../system-objects.js';

const adminConnectTimeoutMs = 10_000;
const loginConnectTimeoutMs = 5_000;

interface FactsRow {
  version: string;
  admin: string;
  superuser: boolean;
  createrole: boolean;
  ssl: boolean | null;
  protocol: string | null;
}

const factsSql = `SELECT current_setting('server_version') AS version, current_user AS admin, r.rolsuper AS superuser,
  r.rolcreaterole AS createrole, s.ssl, s.version AS protocol
  FROM pg_roles r LEFT JOIN pg_stat_ssl s ON s.pid = pg_backend_pid() WHERE r.rolname = current_user`;

// The inner query keeps the planner from calling pg_terminate_backend on rows the filter would reject.
const terminateSql = `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS ended
  FROM (SELECT pid FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid() OFFSET 0) sessions`;

interface PlannedWrites {
  writes: Write[];
  granted: string[];
  revoked: string[];
}

/**
 * The transaction-scoped advisory lock every dbwarden write transaction on a database takes first, so they run
 * one at a time: PostgreSQL rewrites an object's ACL in place, and two sessions granting on the same database,
 * schema or table at once fail with "tuple concurrently updated" (the operator reconciles many policies of one
 * connection concurrently, and a second replica or a restart may overlap). ('dbwd', 1)
 */
const privilegeLock = [0x64627764, 1];

/**
 * Makes a new admin connection keep one generic plan per named statement. The catalog reads of every pass are
 * named (prepared once per connection), but the server would still plan them again on each execution with
 * the parameters' values (its default for the first executions, and whenever the generic plan does not look
 * cheaper): about 4 ms of server CPU per pass against about 2 ms to run them. A server older than 12 has no
 * plan_cache_mode and refuses the SET, which changes nothing else.
 */
export async function planOnce(client: pg.ClientBase): Promise<void> {
  // pg-pool waits for this before it hands the connection out.
  await client.query('SET plan_cache_mode = force_generic_plan').catch(() => undefined);
}

export class PostgresEngine implements Engine {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private closed = false;
  private version: Promise<number> | undefined;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly observer?: EngineObserver,
  ) {
    this.pool = new pg.Pool({
      ...this.clientConfig(settings.admin.username, settings.admin.password, adminConnectTimeoutMs),
      max: 4,
      // @types/pg says onConnect returns void; pg-pool (3.14) awaits the promise it returns before handing the client out.
      // eslint-disable-next-line @typescript-eslint/no-misused-promises -- see above
      onConnect: planOnce,
    });
    // A pooled connection that breaks while idle is replaced on the next query; the error must not crash the process.
    this.pool.on('error', () => undefined);
  }

  async facts(): Promise<ServerFacts> {
    return this.guard('read server facts', async () => {
      const [{ rows }, defaults] = await Promise.all([this.pool.query<FactsRow>(factsSql), readServerDefaults(this.pool)]);
      const row = rows[0];
      if (row === undefined) throw new EngineError('DatabaseError', `the admin role ${this.settings.admin.username} is not in pg_roles`);
      const encrypted = row.ssl === true;
      return {
        product: 'PostgreSQL',
        serverVersion: `PostgreSQL ${row.version.split(' ')[0] ?? row.version}`,
        tls: { encrypted, verified: encrypted && verifiesCertificate(this.settings.tls), ...(row.protocol ? { protocol: row.protocol } : {}) },
        admin: {
          superuser: row.superuser,
          canCreateUsers: row.superuser || row.createrole,
          message: adminMessage(row),
        },
        dualPasswords: false,
        ...defaults,
      };
    });
  }

  loginNames(principal: PrincipalSpec): string[] {
    return principalRoles(principal).logins;
  }

  /** Reads the ownership comment; PostgreSQL needs no passwords to prove ownership. */
  async ownership(principal: PrincipalSpec, _knownPasswords: Record<string, string[]>): Promise<Ownership> {
    const roles = principalRoles(principal);
    return this.guard('read role ownership', async () => ownershipOf(roles, await readRoles(this.pool, roles.all), principal.owner));
  }

  async ensurePrincipal(principal: PrincipalSpec, passwords: Record<string, string>): Promise<string[]> {
    const roles = principalRoles(principal);
    assertNotReserved(roles.all, this.settings.admin.username);
    const verifiers = await verifiersFor(roles.logins, passwords);
    const secrets = [...Object.values(passwords), ...verifiers.values()];
    return this.guard('ensure the principal', async () => {
      const catalog = await this.readCatalog(catalogRequest(roles));
      assertOurs(ownershipOf(roles, catalog.roles, principal.owner), principal.owner);
      const existing = new Set(catalog.roles.map((r) => r.name));
      const creation = missingRoleWrites(principal, roles, existing, verifiers);
      // Existing roles: only attributes and the group membership here; syncGrants owns every other privilege.
      const shape = actualPrivileges(catalog).filter(
        (p) => p.target.kind === 'attribute' || (p.target.kind === 'role' && p.target.name === roles.group),
      );
      const repairs = this.writesFor(planChanges(desiredRoleShape(principal, roles, existing), shape), roles, authorityOf(catalog));
      await this.apply([...creation.writes, ...repairs.writes], secrets);
      return creation.created;
    }, secrets);
  }

  async syncGrants(principal: PrincipalSpec, grants: GrantSpec): Promise<SyncResult> {
    const roles = principalRoles(principal);
    assertNotReserved(roles.all, this.settings.admin.username);
    const plan = normaliseGrants(grants);
    return this.guard('sync grants', async () => {
      const catalog = await this.readCatalog(catalogRequest(roles, plan));
      this.assertReady(principal, roles, catalog);
      validateGrants(plan, catalog);
      const changes = planChanges(desiredPrivileges(principal, roles, plan, catalog), actualPrivileges(catalog));
      const planned = this.writesFor(changes, roles, authorityOf(catalog));
      if (planned.writes.length === 0) return { granted: [], revoked: [], report: this.report(catalog, roles) };
      await this.applyPlanned(planned);
      const after = await this.readCatalog(catalogRequest(roles));
      this.assertNoLeftovers(changes, after, roles);
      return { granted: planned.granted, revoked: planned.revoked, report: this.report(after, roles) };
    });
  }

  async revokeSystemPrivileges(principal: PrincipalSpec, _knownPasswords: Record<string, string[]>): Promise<string[]> {
    const roles = principalRoles(principal);
    return this.guard('revoke privileges on system catalogs', async () => {
      const catalog = await this.readCatalog(catalogRequest(roles));
      if (ownershipOf(roles, catalog.roles, principal.owner).state !== 'ours') return [];
      const actual = actualPrivileges(catalog);
      const kept = actual.filter((p) => !inSystemSchema(p.target));
      if (kept.length === actual.length) return [];
      // Everything else is kept as it is: the spec that is refused says nothing reliable about it.
      const changes = planChanges(kept, actual);
      const planned = this.writesFor(changes, roles, authorityOf(catalog));
      await this.applyPlanned(planned);
      this.assertNoLeftovers(changes, await this.readCatalog(catalogRequest(roles)), roles);
      return planned.revoked;
    });
  }

  async readGrants(principal: PrincipalSpec): Promise<GrantReport> {
    const roles = principalRoles(principal);
    return this.guard('read grants', async () => {
      const catalog = await this.readCatalog(catalogRequest(roles));
      assertOurs(ownershipOf(roles, catalog.roles, principal.owner), principal.owner);
      return this.report(catalog, roles);
    });
  }

  async setPassword(login: string, password: string, options?: { retainCurrent?: boolean }): Promise<void> {
    assertUsername('postgres', login);
    assertNotReserved([login], this.settings.admin.username);
    if (options?.retainCurrent) {
      throw new EngineError('Unsupported', 'PostgreSQL has no dual passwords: use the alternating rotation strategy', false);
    }
    const verifier = await scramSha256Verifier(password);
    const secrets = [password, verifier];
    await this.guard(`set the password of ${login}`, async () => {
      await this.assertManagedLogin(login);
      const write: Write = { sql: `ALTER ROLE ${ident(login)} WITH PASSWORD ${literal(verifier)}`, kind: 'password', what: `set the password of ${login}` };
      await this.apply([write], secrets);
    }, secrets);
  }

  /** PostgreSQL has no secondary passwords, so there is nothing to discard. */
  async discardOldPassword(login: string): Promise<void> {
    assertUsername('postgres', login);
    return Promise.resolve();
  }

  /**
   * A real login with the connection's TLS settings. False when the server rejects the credentials (or the role
   * may not log in); true when it accepts them, even if the session is then refused for a reason that comes
   * after authentication (the role's connection limit, no CONNECT on the database). Throws when the server
   * cannot be reached or TLS fails, since that says nothing about the password.
   */
  async canLogin(login: string, password: string): Promise<boolean> {
    assertUsername('postgres', login);
    const client = new pg.Client(this.clientConfig(login, password, loginConnectTimeoutMs));
    client.on('error', () => undefined);
    try {
      await client.connect();
      return true;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const message = err instanceof Error ? err.message : '';
      if (code === '28P01' || code === '28000') return false;
      if ((code === '53300' && /too many connections for role/.test(message)) || code === '42501') return true;
      throw toEngineError(err, `log in as ${login} to ${this.location()}`, [password, this.settings.admin.password]);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async terminateSessions(login: string): Promise<number> {
    assertUsername('postgres', login);
    return this.guard(`end the sessions of ${login}`, async () => {
      if (!(await this.assertManagedLogin(login, { absentOk: true }))) return 0;
      return this.endSessions(login);
    });
  }

  async drop(principal: PrincipalSpec): Promise<void> {
    const roles = principalRoles(principal);
    await this.guard('drop the principal', async () => {
      const existing = await readRoles(this.pool, roles.all);
      if (existing.length === 0) return;
      assertOurs(ownershipOf(roles, existing, principal.owner), principal.owner);
      // Logins first, the group last: the order DROP ROLE takes them in.
      const names = [...roles.logins, ...(roles.group === undefined ? [] : [roles.group])].filter((n) => existing.some((r) => r.name === n));
      const disableLogins = existing
        .filter((role) => role.login)
        .map((role): Write => ({ sql: `ALTER ROLE ${ident(role.name)} WITH NOLOGIN`, kind: 'ddl', what: `disable login for ${role.name}` }));
      await this.apply(disableLogins);
      for (const login of roles.logins.filter((l) => names.includes(l))) await this.endSessions(login);
      await this.releaseOwnedObjects(names);
      await this.apply([{ sql: `DROP ROLE ${names.map(ident).join(', ')}`, kind: 'ddl', what: `drop role(s) ${names.join(', ')}` }]);
    });
  }

  async audit(login: string): Promise<LoginAudit> {
    assertUsername('postgres', login);
    return this.guard(`audit ${login}`, async () => auditLogin(this.pool, login));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private clientConfig(user: string, password: string, connectionTimeoutMillis: number): pg.ClientConfig {
    const { host, port, database, tls } = this.settings;
    return {
      host,
      port,
      database,
      user,
      password,
      ssl: postgresSsl(tls, host),
      connectionTimeoutMillis,
      application_name: 'dbwarden-operator',
      statement_timeout: 60_000,
      lock_timeout: 15_000,
    };
  }

  /** The catalog as the server's version can read it (its version is asked once per engine). */
  private async readCatalog(request: CatalogRequest): Promise<Catalog> {
    if (this.version === undefined) {
      const asked = this.pool.query<{ version: string }>("SELECT current_setting('server_version_num') AS version")
        .then(({ rows }) => Number(rows[0]?.version ?? 0));
      // A failure is not remembered: the next pass asks again.
      asked.catch(() => { if (this.version === asked) this.version = undefined; });
      this.version = asked;
    }
    return readCatalog(this.pool, request, await this.version);
  }

  /** Applies planned grants and revokes; rolled back whole on failure, so every extra privilege it meant to revoke counts as excess. */
  private async applyPlanned(planned: PlannedWrites): Promise<void> {
    try {
      await this.apply(planned.writes);
    } catch (err) {
      if (!(err instanceof EngineError)) throw err;
      throw new EngineError(err.reason, err.message, err.retryable, planned.revoked);
    }
  }

  /** After a committed sync: what it meant to change and did not is an error naming it (and counted as excess). */
  private assertNoLeftovers(changes: GrantChanges, after: Catalog, roles: PrincipalRoles): void {
    const describe = (group: PrivilegeGroup): string => describeGroup(group, roles.grantee);
    const left = leftovers(changes, actualPrivileges(after), describe);
    if (left.length === 0) return;
    throw new EngineError(
      'InsufficientPrivileges',
      `the sync changed what it could but left ${left.join('; ')}: a privilege granted by a role other than the owner can only be revoked by its grantor`,
      true,
      left.filter((line) => !line.startsWith('missing ')),
    );
  }

  private location(): string {
    const { host, port, database } = this.settings;
    return `PostgreSQL ${host}:${port}/${database}`;
  }

  /** Runs work as the admin, turning any failure into an EngineError that says what was being done, and where. */
  private async guard<T>(what: string, work: () => Promise<T>, secrets: readonly string[] = []): Promise<T> {
    try {
      return await work();
    } catch (err) {
      const where = `${what} on ${this.location()} as ${this.settings.admin.username}`;
      throw toEngineError(err, where, [this.settings.admin.password, ...secrets]);
    }
  }

  private async apply(writes: Write[], secrets: readonly string[] = []): Promise<void> {
    if (writes.length === 0) return;
    const allSecrets = [this.settings.admin.password, ...secrets];
    await inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', privilegeLock);
      for (const write of writes) await runWrite(client, write, this.observer, allSecrets);
    });
  }

  private writesFor(changes: GrantChanges, roles: PrincipalRoles, authority: Authority): PlannedWrites {
    const describe = (group: PrivilegeGroup): string => describeGroup(group, roles.grantee);
    const revokes = changes.revokes.flatMap((group) => {
      const write = revokeWrite(group, roles.grantee, authority);
      return write === null ? [] : [{ write, text: describe(group) }];
    });
    const grants = changes.grants.map((group) => ({ write: grantWrite(group, roles.grantee, authority), text: describe(group) }));
    return {
      writes: [...revokes, ...grants].map((change) => change.write),
      granted: grants.map((change) => change.text).sort(),
      revoked: revokes.map((change) => change.text).sort(),
    };
  }

  private report(catalog: Catalog, roles: PrincipalRoles): GrantReport {
    return grantReport(actualPrivileges(catalog), roles, (group) => describeGroup(group, roles.grantee));
  }

  /** The principal's roles are ours and its grantee exists (ensurePrincipal runs first). */
  private assertReady(principal: PrincipalSpec, roles: PrincipalRoles, catalog: Catalog): void {
    assertOurs(ownershipOf(roles, catalog.roles, principal.owner), principal.owner);
    if (!catalog.roles.some((r) => r.name === roles.grantee)) {
      throw new EngineError('DatabaseError', `role ${roles.grantee} does not exist in ${this.location()}: ensurePrincipal creates it`);
    }
  }

  /** A login the operator created (any policy's); false when absent and absentOk, UsernameTaken when foreign. */
  private async assertManagedLogin(login: string, options: { absentOk?: boolean } = {}): Promise<boolean> {
    const [role]: (RoleRow | undefined)[] = await readRoles(this.pool, [login]);
    if (role === undefined) {
      if (options.absentOk) return false;
      throw new EngineError('DatabaseError', `role ${login} does not exist in ${this.location()}`);
    }
    if (!isManagedComment(role.comment)) {
      throw new EngineError('UsernameTaken', `role ${login} is not managed by dbwarden; the operator does not touch it`, false);
    }
    return true;
  }

  /**
   * Ends a login's sessions. Signalling another role's backend needs membership in it (or pg_signal_backend);
   * a CREATEROLE admin lends itself that membership inside a transaction that is rolled back afterwards.
   */
  private async endSessions(login: string): Promise<number> {
    return inTransaction(
      this.pool,
      async (client) => {
        const { rows: access } = await client.query<{ allowed: boolean }>(
          `SELECT pg_has_role(current_user, $1, 'USAGE') OR pg_has_role(current_user, 'pg_signal_backend', 'USAGE') AS allowed`,
          [login],
        );
        if (access[0]?.allowed !== true) await client.query(`GRANT ${ident(login)} TO CURRENT_USER`);
        const { rows } = await client.query<{ ended: number }>(terminateSql, [login]);
        this.observer?.onWrite?.('postgres', 'session');
        return rows[0]?.ended ?? 0;
      },
      { rollback: true },
    );
  }

  /**
   * REASSIGN OWNED to the admin and DROP OWNED (which also revokes every privilege the roles hold in this
   * database and on shared objects). Both need membership in the roles, which a CREATEROLE admin lends itself
   * for the transaction.
   */
  private async releaseOwnedObjects(names: string[]): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      // DROP OWNED rewrites the ACLs of every object the roles hold privileges on, as grants do: without the
      // lock, deleting many policies at once failed with "tuple concurrently updated" and was retried.
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', privilegeLock);
      const { rows } = await client.query<{ name: string }>(
        `SELECT rolname AS name FROM pg_roles WHERE rolname = ANY($1::text[]) AND NOT pg_has_role(current_user, oid, 'USAGE')`,
        [names],
      );
      const borrowed = rows.map((r) => r.name);
      const list = names.map(ident).join(', ');
      const secrets = [this.settings.admin.password];
      const writes: Write[] = [
        ...borrowed.map((name): Write => ({ sql: `GRANT ${ident(name)} TO CURRENT_USER`, kind: 'grant', what: `lend the admin membership in ${name}` })),
        { sql: `REASSIGN OWNED BY ${list} TO CURRENT_USER`, kind: 'ddl', what: `reassign objects owned by ${names.join(', ')} to the admin` },
        { sql: `DROP OWNED BY ${list}`, kind: 'revoke', what: `revoke the privileges of ${names.join(', ')}` },
        ...borrowed.map((name): Write => ({ sql: `REVOKE ${ident(name)} FROM CURRENT_USER`, kind: 'revoke', what: `return the admin's membership in ${name}` })),
      ];
      for (const write of writes) await runWrite(client, write, this.observer, secrets);
    });
  }
}

/** SCRAM verifiers for the logins that have a password. */
async function verifiersFor(logins: string[], passwords: Record<string, string>): Promise<Map<string, string>> {
  const verifiers = new Map<string, string>();
  for (const login of logins) {
    const password = passwords[login];
    if (password !== undefined) verifiers.set(login, await scramSha256Verifier(password));
  }
  return verifiers;
}

const inSystemSchema = (target: Target): boolean => {
  const schema = schemaOf(target);
  return schema !== undefined && systemObjects.postgres.systemSchema(schema) !== undefined;
};

const authorityOf = (catalog: Catalog): Authority => ({ admin: catalog.admin, superusers: new Set(catalog.superusers) });

function adminMessage(row: FactsRow): string {
  if (row.superuser) {
    return `admin ${row.admin} is a superuser: a role with CREATEROLE (and membership in the table owners) is enough`;
  }
  if (row.createrole) return `admin ${row.admin} has CREATEROLE and is not a superuser`;
  return `admin ${row.admin} cannot create roles: it needs CREATEROLE`;
}
