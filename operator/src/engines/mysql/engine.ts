/**
 * The MySQL 8 / MariaDB 10.11+ engine. Accounts are 'login'@'%'; an alternating principal is two logins that
 * each hold the grants (no roles). Ownership is proven by logging in with a known password, because MariaDB
 * has no user comments.
 *
 * What the admin account needs (the recommended production setup, and what the tests use):
 *   GRANT CREATE USER, PROCESS, CONNECTION ADMIN ON *.* TO admin;   -- MySQL: CONNECTION_ADMIN
 *   GRANT SELECT ON mysql.* TO admin;                               -- read accounts and grants (SHOW GRANTS FOR)
 *   GRANT SELECT, INSERT, UPDATE, DELETE ON `shop`.* TO admin WITH GRANT OPTION;
 * CREATE USER covers CREATE/ALTER/DROP USER and REVOKE ALL; PROCESS and CONNECTION ADMIN let it see and end
 * other users' sessions; the privileges on the database are the ones it grants. Nothing else.
 */
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
import { assertIdentifier, assertUsername } from '../identifiers.js';
import { assertNotReserved, assertNotSystemSchema, mysqlSystemDatabases, systemObjects } from '../system-objects.js';
import {
  alterAttributesStatement,
  attributesDrifted,
  createUserStatement,
  ownershipOf,
  readAccounts,
  setPasswordStatement,
  type Account,
  type WithoutPasswords,
} from './accounts.js';
import { AdminConnection, statement, text, tryLogin } from './connection.js';
import { errno } from './errors.js';
import { LoginProofs } from './login-proofs.js';
import { readFacts } from './facts.js';
import { desiredHeld, grantReport, readHeld, resolveTables, type HeldByLogin } from './grants.js';
import { notation, outsideDatabaseDml, storedPatternMatches, uniqueHeld, without, type Held } from './privileges.js';
import { hasDualPasswords, readServer } from './server.js';
import { grantStatements, needsRevokeAll, revokeAllStatement, revokeRoleStatement, revokeStatements } from './statements.js';
import { mysqlTransport, type MysqlTransport } from '@dbwarden/api/tls';

export type KnownPasswords = Record<string, string[]>;

export class MysqlEngine implements Engine {
  readonly kind = 'mysql' as const;
  readonly #settings: ConnectionSettings;
  readonly #admin: AdminConnection;
  #transport: MysqlTransport | undefined;
  readonly #proofs = new LoginProofs();

  constructor(settings: ConnectionSettings, observer?: EngineObserver) {
    this.#settings = settings;
    this.#admin = new AdminConnection(settings, () => this.#transportOptions(), observer);
  }

  async facts(): Promise<ServerFacts> {
    return readFacts(this.#admin, this.#settings.tls.mode, this.#database(), this.#settings.admin.username);
  }

  loginNames(principal: PrincipalSpec): string[] {
    assertUsername('mysql', principal.name);
    const logins = principal.strategy === 'alternating' ? [`${principal.name}_a`, `${principal.name}_b`] : [principal.name];
    for (const login of logins) assertUsername('mysql', login);
    return logins;
  }

  async ownership(principal: PrincipalSpec, knownPasswords: Record<string, string[]>): Promise<Ownership> {
    const logins = this.loginNames(principal);
    return this.#ownershipOf(logins, await readAccounts(this.#admin, logins), knownPasswords, 'foreign');
  }

  /**
   * Existing logins are proven ours with `passwords` (a login that exists and is given no password is taken
   * as checked by the caller through ownership()); then the missing ones are created and attributes corrected.
   */
  async ensurePrincipal(principal: PrincipalSpec, passwords: Record<string, string>): Promise<string[]> {
    const logins = this.loginNames(principal);
    assertNotReserved(logins, this.#settings.admin.username);
    const known = Object.fromEntries(Object.entries(passwords).map(([login, password]) => [login, [password]]));
    const accounts = await this.#ourAccounts(logins, known);
    const created: string[] = [];
    for (const login of logins) {
      const account = accounts.find((candidate) => candidate.user === login);
      const password = passwords[login];
      if (!account && password !== undefined) {
        await this.#admin.write(createUserStatement(login, password, principal));
        created.push(login);
      } else if (account && attributesDrifted(account, principal)) {
        await this.#admin.write(alterAttributesStatement(login, principal));
      }
    }
    return created;
  }

  /**
   * `knownPasswords` (beyond the Engine interface) lets this call prove ownership itself; without it, the
   * caller must have established ownership with ownership().
   */
  async syncGrants(principal: PrincipalSpec, grants: GrantSpec, knownPasswords: KnownPasswords = {}): Promise<SyncResult> {
    const logins = this.loginNames(principal);
    assertNotReserved(logins, this.#settings.admin.username);
    const database = this.#database();
    assertNotSystemSchema('mysql', database, `database ${database}`);
    const desired = desiredHeld(grants.access, database, await resolveTables(this.#admin, database, grants.tables));
    const existing = (await this.#ourAccounts(logins, knownPasswords)).map((account) => account.user);
    const before = await readHeld(this.#admin, database, existing);
    const afterRevokes = await this.#revokeExtras(before, desired, database);
    const grantedAny = await this.#grantMissing(afterRevokes, desired);
    const after = grantedAny ? await readHeld(this.#admin, database, existing) : afterRevokes;
    return {
      granted: notation(changes(after, before)),
      revoked: notation(changes(before, after)),
      report: await grantReport(this.#admin, [...after.values()].flat()),
    };
  }

  async readGrants(principal: PrincipalSpec): Promise<GrantReport> {
    const logins = this.loginNames(principal);
    const existing = (await readAccounts(this.#admin, logins)).filter((a) => a.host === '%').map((a) => a.user);
    const held = await readHeld(this.#admin, this.#database(), existing);
    return grantReport(this.#admin, [...held.values()].flat());
  }

  async setPassword(login: string, password: string, options: { retainCurrent?: boolean } = {}): Promise<void> {
    assertUsername('mysql', login);
    assertNotReserved([login], this.#settings.admin.username);
    const retainCurrent = options.retainCurrent === true;
    if (retainCurrent) {
      const server = await readServer(this.#admin);
      if (!hasDualPasswords(server)) {
        throw new EngineError(
          'Unsupported',
          `${server.product} ${server.version} has no dual passwords (RETAIN CURRENT PASSWORD needs MySQL 8.0.14+): use the alternating strategy`,
          false,
        );
      }
    }
    await this.#admin.write(setPasswordStatement(login, password, retainCurrent));
  }

  async discardOldPassword(login: string): Promise<void> {
    assertUsername('mysql', login);
    if (!hasDualPasswords(await readServer(this.#admin))) return;
    await this.#admin.write(statement('password', "ALTER USER ?@'%' DISCARD OLD PASSWORD", [login]));
  }

  async canLogin(login: string, password: string): Promise<boolean> {
    assertUsername('mysql', login);
    return tryLogin(this.#settings, this.#transportOptions(), login, password);
  }

  async terminateSessions(login: string): Promise<number> {
    assertUsername('mysql', login);
    const sessions = await this.#admin.read(
      `listing the sessions of ${login}`,
      // A session already killed stays listed (COMMAND 'Killed') until its thread has ended: not counted again.
      "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? AND COMMAND <> 'Killed'",
      [login],
    );
    let ended = 0;
    for (const session of sessions) {
      const kill = statement('session', 'KILL CONNECTION ?', [Number(text(session, 'ID'))]);
      if (await this.#admin.write(kill, [errno.unknownThread])) ended++;
    }
    return ended;
  }

  /**
   * Revokes everything, drops the accounts, then ends their sessions: once the account is gone no new session
   * can start, and a session that outlives DROP USER would keep database privileges it has already loaded.
   */
  async drop(principal: PrincipalSpec, knownPasswords: KnownPasswords = {}): Promise<void> {
    const logins = this.loginNames(principal);
    const accounts = await this.#ourAccounts(logins, knownPasswords);
    for (const login of logins) {
      if (accounts.some((account) => account.user === login)) {
        await this.#admin.write(revokeAllStatement(login));
        await this.#admin.write(statement('ddl', "DROP USER IF EXISTS ?@'%'", [login]));
      }
      await this.terminateSessions(login);
    }
  }

  /**
   * The admin may revoke one by one only what it grants (DML on the connection's database), so a login that holds
   * anything in a system database loses everything with REVOKE ALL; its spec is refused anyway.
   */
  async revokeSystemPrivileges(principal: PrincipalSpec, knownPasswords: KnownPasswords): Promise<string[]> {
    const logins = this.loginNames(principal);
    const accounts = await readAccounts(this.#admin, logins);
    const { ours } = await this.#ownershipOf(logins, accounts, knownPasswords, 'foreign');
    const database = this.#database();
    const before = await readHeld(this.#admin, database, ours);
    const revoked: Held[] = [];
    for (const [login, held] of before) {
      if (!held.some(inSystemDatabase)) continue;
      await this.#admin.write(revokeAllStatement(login));
      revoked.push(...held);
    }
    if (revoked.length > 0) await this.#revokeRoles(await readHeld(this.#admin, database, ours), [...before.keys()]);
    return notation(uniqueHeld(revoked));
  }

  async audit(login: string): Promise<LoginAudit> {
    assertUsername('mysql', login);
    const exists = (await readAccounts(this.#admin, [login])).some((account) => account.host === '%');
    if (!exists) return { login, exists, findings: [] };
    const database = this.#database();
    const held = (await readHeld(this.#admin, database, [login])).get(login) ?? [];
    return { login, exists, findings: notation(held.filter((entry) => inSystemDatabase(entry) || outsideDatabaseDml(entry, database))) };
  }

  async close(): Promise<void> {
    await this.#admin.close();
  }

  #transportOptions(): MysqlTransport {
    this.#transport ??= mysqlTransport(this.#settings.tls, this.#settings.host, this.#settings.port);
    return this.#transport;
  }

  #database(): string {
    assertIdentifier('mysql', 'database', this.#settings.database);
    return this.#settings.database;
  }

  /** Known passwords are proven by logging in, unless this engine proved the same one while the account's hash was the same. */
  #ownershipOf(logins: string[], accounts: Account[], known: KnownPasswords, withoutPasswords: WithoutPasswords): Promise<Ownership> {
    const hashes = new Map(accounts.filter((account) => account.host === '%').map((account) => [account.user, account.authentication]));
    return ownershipOf(accounts, logins, known, withoutPasswords, async (user, password) => {
      const hash = hashes.get(user) ?? '';
      if (this.#proofs.holds(user, password, hash)) return true;
      const proven = await tryLogin(this.#settings, this.#transportOptions(), user, password);
      if (proven) this.#proofs.record(user, password, hash);
      else this.#proofs.forget(user);
      return proven;
    });
  }

  /** The logins' 'login'@'%' accounts after proving them ours; UsernameTaken (and no change) when any is not. */
  async #ourAccounts(logins: string[], known: KnownPasswords): Promise<Account[]> {
    const accounts = await readAccounts(this.#admin, logins);
    const ownership = await this.#ownershipOf(logins, accounts, known, 'ours');
    if (ownership.state === 'foreign') {
      throw new EngineError(
        'UsernameTaken',
        `not created by dbwarden: ${ownership.foreign.join(', ')} (no known password logs in, or the account is on another host or a role); choose another username`,
        false,
      );
    }
    return accounts.filter((account) => account.host === '%');
  }

  /**
   * Revokes what the logins hold beyond `desired` before anything is granted, so a failure midway leaves less
   * privilege, never more. Returns what they hold afterwards (`before` itself when nothing was revoked).
   */
  async #revokeExtras(before: HeldByLogin, desired: Held[], database: string): Promise<HeldByLogin> {
    const revokedAll: string[] = [];
    let revoked = false;
    for (const [login, held] of before) {
      const extras = without(held, desired);
      if (extras.length === 0) continue;
      revoked = true;
      if (needsRevokeAll(extras, database)) {
        await this.#admin.write(revokeAllStatement(login));
        revokedAll.push(login);
      } else {
        for (const revoke of revokeStatements(login, extras)) await this.#admin.write(revoke);
      }
    }
    if (!revoked) return before;
    const after = await readHeld(this.#admin, database, [...before.keys()]);
    return (await this.#revokeRoles(after, revokedAll)) ? readHeld(this.#admin, database, [...before.keys()]) : after;
  }

  /** MySQL 8 keeps roles through REVOKE ALL: revoke those still granted. True when there were any. */
  async #revokeRoles(held: HeldByLogin, logins: string[]): Promise<boolean> {
    let revoked = false;
    for (const login of logins) {
      for (const entry of held.get(login) ?? []) {
        if (entry.level !== 'role') continue;
        await this.#admin.write(revokeRoleStatement(login, entry.role));
        revoked = true;
      }
    }
    return revoked;
  }

  /** Grants what each login lacks of `desired`. True when anything was granted. */
  async #grantMissing(held: HeldByLogin, desired: Held[]): Promise<boolean> {
    let granted = false;
    for (const [login, entries] of held) {
      for (const grant of grantStatements(login, without(desired, entries))) {
        await this.#admin.write(grant);
        granted = true;
      }
    }
    return granted;
  }
}

/**
 * Whether an entry grants anything in a system database. A wildcard database grant counts when its pattern
 * matches one (`m%` matches mysql).
 */
function inSystemDatabase(held: Held): boolean {
  if (held.level === 'global' || held.level === 'role') return false;
  if (held.level !== 'database' || !held.wildcard) return systemObjects.mysql.systemSchema(held.database) !== undefined;
  return mysqlSystemDatabases.some((name) => storedPatternMatches(held.stored, name));
}

/** What the logins hold in `from` and not in `other`, together. */
function changes(from: HeldByLogin, other: HeldByLogin): Held[] {
  return uniqueHeld([...from].flatMap(([login, held]) => without(held, other.get(login) ?? [])));
}
