import { EngineError, type Ownership, type PrincipalSpec } from '../engine.js';
import { assertUsername } from '../identifiers.js';
import { ident, literal, type Queryable, type Write } from './sql.js';

const markerPrefix = 'managed by dbwarden: ';

/** The role comment that marks a role as created by the operator for one AccessPolicy. */
export const ownerMarker = (owner: string): string => `${markerPrefix}accesspolicy ${owner}`;
export const isManagedComment = (comment: string | null): boolean => comment?.startsWith(markerPrefix) ?? false;

export interface RoleRow {
  name: string;
  comment: string | null;
  superuser: boolean;
  createrole: boolean;
  createdb: boolean;
  replication: boolean;
  bypassrls: boolean;
  login: boolean;
  inherit: boolean;
  connectionLimit: number;
}

/** The spec's connection limit as PostgreSQL takes it: a whole number, -1 for none. */
export const connectionLimitOf = (principal: PrincipalSpec): number => {
  const limit = principal.connectionLimit;
  return limit === undefined || !Number.isFinite(limit) || limit < 0 ? -1 : Math.trunc(limit);
};

/** The roles of a principal: the grantee holds the grants (in-place: the login itself; alternating: the group). */
export interface PrincipalRoles {
  grantee: string;
  logins: string[];
  /** The NOLOGIN group role (alternating only). */
  group?: string;
  /** Every role, group first. */
  all: string[];
}

export function principalRoles(principal: PrincipalSpec): PrincipalRoles {
  assertUsername('postgres', principal.name);
  if (principal.strategy === 'in-place') {
    return { grantee: principal.name, logins: [principal.name], all: [principal.name] };
  }
  const logins = [`${principal.name}_a`, `${principal.name}_b`];
  for (const login of logins) assertUsername('postgres', login);
  return { grantee: principal.name, logins, group: principal.name, all: [principal.name, ...logins] };
}

export const roleColumns = `r.rolname AS name, shobj_description(r.oid, 'pg_authid') AS comment, r.rolsuper AS superuser,
  r.rolcreaterole AS createrole, r.rolcreatedb AS createdb, r.rolreplication AS replication, r.rolbypassrls AS bypassrls,
  r.rolcanlogin AS login, r.rolinherit AS inherit, r.rolconnlimit AS "connectionLimit"`;

const rolesSql = `SELECT ${roleColumns} FROM pg_roles r WHERE r.rolname = ANY($1::text[])`;

export async function readRoles(db: Queryable, names: readonly string[]): Promise<RoleRow[]> {
  const { rows } = await db.query<RoleRow>({ name: 'dbwarden-roles', text: rolesSql, values: [names as string[]] });
  return rows;
}

export function ownershipOf(roles: PrincipalRoles, existing: readonly RoleRow[], owner: string): Ownership {
  const foreign = existing.filter((row) => row.comment !== ownerMarker(owner)).map((row) => row.name);
  const names = new Set(existing.map((row) => row.name));
  const logins = roles.logins.filter((login) => names.has(login));
  return {
    state: existing.length === 0 ? 'absent' : foreign.length > 0 ? 'foreign' : 'ours',
    foreign,
    existing: logins,
    ours: logins.filter((login) => !foreign.includes(login)),
  };
}

/** Throws UsernameTaken when any existing role of the principal was not created by the operator for its owner. */
export function assertOurs(ownership: Ownership, owner: string): void {
  if (ownership.state !== 'foreign') return;
  throw new EngineError(
    'UsernameTaken',
    `role(s) ${ownership.foreign.join(', ')} already exist and are not managed by dbwarden for accesspolicy ${owner}; ` +
      'choose another username or drop the role(s)',
    false,
  );
}

/** CREATE ROLE with every attribute spelled out, its ownership comment, and (for a login) its group. */
function createRoleWrites(role: string, options: { owner: string; login: boolean; connectionLimit: number; verifier?: string; group?: string }): Write[] {
  const password = options.verifier === undefined ? '' : ` PASSWORD ${literal(options.verifier)}`;
  const writes: Write[] = [
    {
      sql:
        `CREATE ROLE ${ident(role)} WITH ${options.login ? 'LOGIN' : 'NOLOGIN'} NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT ` +
        `NOREPLICATION NOBYPASSRLS CONNECTION LIMIT ${options.connectionLimit}${password}`,
      kind: 'ddl',
      what: `create role ${role}`,
      hint: 'the admin needs CREATEROLE',
    },
    {
      sql: `COMMENT ON ROLE ${ident(role)} IS ${literal(ownerMarker(options.owner))}`,
      kind: 'ddl',
      what: `mark role ${role} as managed by dbwarden`,
    },
  ];
  if (options.group !== undefined) {
    writes.push({ sql: `GRANT ${ident(options.group)} TO ${ident(role)}`, kind: 'grant', what: `grant ${options.group} to ${role}` });
  }
  return writes;
}

/** Creates the principal's missing roles: the group first, then each login that has a password verifier. */
export function missingRoleWrites(
  principal: PrincipalSpec,
  roles: PrincipalRoles,
  existing: ReadonlySet<string>,
  verifiers: ReadonlyMap<string, string>,
): { created: string[]; writes: Write[] } {
  const created: string[] = [];
  const writes: Write[] = [];
  const { owner } = principal;
  if (roles.group !== undefined && !existing.has(roles.group)) {
    writes.push(...createRoleWrites(roles.group, { owner, login: false, connectionLimit: -1 }));
    created.push(roles.group);
  }
  for (const login of roles.logins) {
    const verifier = verifiers.get(login);
    if (existing.has(login) || verifier === undefined) continue;
    const group = roles.group === undefined ? {} : { group: roles.group };
    writes.push(...createRoleWrites(login, { owner, login: true, connectionLimit: connectionLimitOf(principal), verifier, ...group }));
    created.push(login);
  }
  return { created, writes };
}
