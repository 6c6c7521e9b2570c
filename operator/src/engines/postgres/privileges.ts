/**
 * One privilege a role holds, in a form that can be compared (desired vs actual), written as GRANT/REVOKE,
 * and shown in the normalised notation of GrantReport ("SELECT ON public.orders (customer_id, id)").
 */
import { ident, qualified, type Write } from './sql.js';

export type DefaultObjects = 'TABLES' | 'SEQUENCES' | 'FUNCTIONS' | 'TYPES' | 'SCHEMAS';

export type Target =
  | { kind: 'database'; name: string; owner?: string }
  | { kind: 'schema'; name: string; owner?: string }
  | { kind: 'table'; schema: string; name: string; owner?: string }
  | { kind: 'sequence'; schema: string; name: string; owner?: string }
  | { kind: 'routine'; routine: 'FUNCTION' | 'PROCEDURE'; schema: string; name: string; args: string }
  /** Objects no policy grants on: found only to be revoked. */
  | { kind: 'tablespace' | 'fdw' | 'server' | 'language' | 'parameter'; name: string; owner?: string }
  | { kind: 'type'; schema: string; name: string; owner?: string }
  /** `name` is the large object's OID. */
  | { kind: 'largeobject'; name: string; owner?: string }
  | { kind: 'default'; objects: DefaultObjects; schema?: string; owner: string }
  /** Membership of the holder in role `name`. */
  | { kind: 'role'; name: string }
  /** The holder's role granted to another role `name`. */
  | { kind: 'member'; name: string }
  /** A role attribute; the privilege is its keyword (SUPERUSER, LOGIN, NOINHERIT, CONNECTION LIMIT 5). */
  | { kind: 'attribute' };

export interface Privilege {
  holder: string;
  privilege: string;
  target: Target;
  column?: string;
  /** Only the WITH GRANT/ADMIN OPTION part of the privilege. */
  option?: boolean;
  /** Who granted it (actual privileges only; not part of its identity). */
  grantor?: string;
}

/** Privileges that differ only in column, merged for one statement and one line of a report. */
export interface PrivilegeGroup {
  holder: string;
  privilege: string;
  target: Target;
  columns: string[];
  option: boolean;
}

function targetKey(target: Target): string {
  switch (target.kind) {
    case 'database':
    case 'schema':
    case 'role':
    case 'member':
    case 'tablespace':
    case 'fdw':
    case 'server':
    case 'language':
    case 'parameter':
    case 'largeobject':
      return `${target.kind}:${target.name}`;
    case 'table':
    case 'sequence':
    case 'type':
      return `${target.kind}:${target.schema}.${target.name}`;
    case 'routine':
      return `routine:${target.schema}.${target.name}(${target.args})`;
    case 'default':
      return `default:${target.objects}:${target.schema ?? ''}:${target.owner}`;
    case 'attribute':
      return 'attribute';
  }
}

export const groupKey = (p: { holder: string; privilege: string; target: Target; option?: boolean }): string =>
  [p.holder, p.option ? 'option' : '', p.privilege, targetKey(p.target)].join('\u0000');

export const atomKey = (p: Privilege): string => `${groupKey(p)}\u0000${p.column ?? ''}`;

export function groupPrivileges(privileges: Iterable<Privilege>): PrivilegeGroup[] {
  const groups = new Map<string, PrivilegeGroup>();
  for (const p of privileges) {
    const key = groupKey(p);
    const group = groups.get(key) ?? { holder: p.holder, privilege: p.privilege, target: p.target, columns: [], option: p.option ?? false };
    if (p.column !== undefined && !group.columns.includes(p.column)) group.columns.push(p.column);
    groups.set(key, group);
  }
  for (const group of groups.values()) group.columns.sort();
  return [...groups.values()];
}

const objectKeyword = {
  tablespace: 'TABLESPACE',
  fdw: 'FOREIGN DATA WRAPPER',
  server: 'FOREIGN SERVER',
  language: 'LANGUAGE',
  parameter: 'PARAMETER',
  largeobject: 'LARGE OBJECT',
} as const;

/** The schema an object lives in (for a schema, itself), or undefined for objects outside schemas. */
export function schemaOf(target: Target): string | undefined {
  switch (target.kind) {
    case 'schema':
      return target.name;
    case 'table':
    case 'sequence':
    case 'routine':
    case 'type':
    case 'default':
      return target.schema;
    default:
      return undefined;
  }
}

function objectText(target: Target): string {
  switch (target.kind) {
    case 'database':
      return `DATABASE ${target.name}`;
    case 'schema':
      return `SCHEMA ${target.name}`;
    case 'table':
      return `${target.schema}.${target.name}`;
    case 'sequence':
      return `SEQUENCE ${target.schema}.${target.name}`;
    case 'routine':
      return `${target.routine} ${target.schema}.${target.name}(${target.args})`;
    case 'type':
      return `TYPE ${target.schema}.${target.name}`;
    case 'tablespace':
    case 'fdw':
    case 'server':
    case 'language':
    case 'parameter':
    case 'largeobject':
      return `${objectKeyword[target.kind]} ${target.name}`;
    case 'default':
      return `${target.objects}${target.schema === undefined ? '' : ` IN SCHEMA ${target.schema}`} FOR ROLE ${target.owner}`;
    case 'role':
    case 'member':
    case 'attribute':
      return '';
  }
}

/** The notation of GrantReport, e.g. "SELECT ON public.orders (customer_id, id)", "MEMBER OF pg_read_all_data". */
export function describeGroup(group: PrivilegeGroup, principalName: string): string {
  const prefix = group.holder === principalName ? '' : `${group.holder}: `;
  const { target } = group;
  if (target.kind === 'role') return `${prefix}${group.option ? 'ADMIN OPTION FOR ' : ''}MEMBER OF ${target.name}`;
  if (target.kind === 'member') return `${prefix}GRANTED TO ${target.name}`;
  if (target.kind === 'attribute') return `${prefix}ATTRIBUTE ${group.privilege}`;
  const columns = group.columns.length > 0 ? ` (${group.columns.join(', ')})` : '';
  const option = group.option ? 'GRANT OPTION FOR ' : '';
  const defaults = target.kind === 'default' ? 'DEFAULT ' : '';
  return `${prefix}${option}${defaults}${group.privilege} ON ${objectText(target)}${columns}`;
}

function objectSql(target: Target): string {
  switch (target.kind) {
    case 'database':
      return `DATABASE ${ident(target.name)}`;
    case 'schema':
      return `SCHEMA ${ident(target.name)}`;
    case 'table':
      return `TABLE ${qualified(target.schema, target.name)}`;
    case 'sequence':
      return `SEQUENCE ${qualified(target.schema, target.name)}`;
    case 'routine':
      // args is the server's own pg_get_function_identity_arguments() text, already quoted by its rules.
      return `${target.routine} ${qualified(target.schema, target.name)}(${target.args})`;
    case 'type':
      return `TYPE ${qualified(target.schema, target.name)}`;
    case 'tablespace':
    case 'fdw':
    case 'server':
    case 'language':
    case 'parameter':
      return `${objectKeyword[target.kind]} ${ident(target.name)}`;
    case 'largeobject':
      // An OID from pg_largeobject_metadata, written as a number.
      if (!/^[0-9]+$/.test(target.name)) throw new Error(`not a large object OID: ${target.name}`);
      return `LARGE OBJECT ${target.name}`;
    case 'default':
    case 'role':
    case 'member':
    case 'attribute':
      throw new Error(`no object for ${target.kind}`);
  }
}

const attributeRevocation: Record<string, string> = {
  SUPERUSER: 'NOSUPERUSER',
  CREATEROLE: 'NOCREATEROLE',
  CREATEDB: 'NOCREATEDB',
  REPLICATION: 'NOREPLICATION',
  BYPASSRLS: 'NOBYPASSRLS',
  LOGIN: 'NOLOGIN',
  NOINHERIT: 'INHERIT',
};

/** Who may run a grant for the admin, for the message when the server refuses. */
export interface Authority {
  admin: string;
  superusers: ReadonlySet<string>;
}

function membershipHint(owner: string, authority: Authority, purpose: string): string {
  const { admin } = authority;
  if (authority.superusers.has(owner)) {
    return `${owner} is a superuser, so a non-superuser admin cannot act for it: give the objects a non-superuser owner that ${admin} is a member of`;
  }
  return `the admin ${admin} must be a member of ${owner}${purpose} (GRANT ${ident(owner)} TO ${ident(admin)})`;
}

function ownerHint(target: Target, authority: Authority): string | undefined {
  if (target.kind === 'default') return membershipHint(target.owner, authority, ' to set its default privileges');
  if ('owner' in target && target.owner !== undefined) {
    return `${membershipHint(target.owner, authority, ', the owner,')}, or hold the privilege WITH GRANT OPTION`;
  }
  if (target.kind === 'attribute') return `the admin ${authority.admin} needs CREATEROLE, and superuser to change SUPERUSER, REPLICATION or BYPASSRLS`;
  if (target.kind === 'role' || target.kind === 'member') return `the admin ${authority.admin} needs CREATEROLE (or ADMIN OPTION on the role)`;
  return undefined;
}

const columnList = (group: PrivilegeGroup): string => (group.columns.length > 0 ? ` (${group.columns.map(ident).join(', ')})` : '');

const alterDefaults = (target: Extract<Target, { kind: 'default' }>): string =>
  `ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(target.owner)}${target.schema === undefined ? '' : ` IN SCHEMA ${ident(target.schema)}`}`;

function grantSql(group: PrivilegeGroup): string {
  const { target } = group;
  const holder = ident(group.holder);
  switch (target.kind) {
    case 'role':
      return `GRANT ${ident(target.name)} TO ${holder}`;
    case 'attribute':
      return `ALTER ROLE ${holder} WITH ${group.privilege}`;
    case 'default':
      return `${alterDefaults(target)} GRANT ${group.privilege} ON ${target.objects} TO ${holder}`;
    case 'member':
      throw new Error('granting the principal to other roles is never desired');
    default:
      return `GRANT ${group.privilege}${columnList(group)} ON ${objectSql(target)} TO ${holder}`;
  }
}

/** The REVOKE for a group; null when nothing needs to run (a connection limit is replaced, not revoked). */
function revokeSql(group: PrivilegeGroup): string | null {
  const { target } = group;
  const holder = ident(group.holder);
  const option = group.option ? 'GRANT OPTION FOR ' : '';
  switch (target.kind) {
    case 'role':
      return `REVOKE ${group.option ? 'ADMIN OPTION FOR ' : ''}${ident(target.name)} FROM ${holder}`;
    case 'member':
      return `REVOKE ${holder} FROM ${ident(target.name)}`;
    case 'attribute': {
      const opposite = attributeRevocation[group.privilege];
      return opposite === undefined ? null : `ALTER ROLE ${holder} WITH ${opposite}`;
    }
    case 'default':
      return `${alterDefaults(target)} REVOKE ${option}${group.privilege} ON ${target.objects} FROM ${holder} CASCADE`;
    default:
      return `REVOKE ${option}${group.privilege}${columnList(group)} ON ${objectSql(target)} FROM ${holder} CASCADE`;
  }
}

const writeKind = (group: PrivilegeGroup, grant: boolean): Write['kind'] =>
  group.target.kind === 'attribute' ? 'ddl' : grant ? 'grant' : 'revoke';

export function grantWrite(group: PrivilegeGroup, principalName: string, authority: Authority): Write {
  const hint = ownerHint(group.target, authority);
  return {
    sql: grantSql(group),
    kind: writeKind(group, true),
    what: `grant ${describeGroup(group, principalName)} to ${group.holder}`,
    ...(hint === undefined ? {} : { hint }),
  };
}

export function revokeWrite(group: PrivilegeGroup, principalName: string, authority: Authority): Write | null {
  const sql = revokeSql(group);
  if (sql === null) return null;
  const hint = ownerHint(group.target, authority);
  return {
    sql,
    kind: writeKind(group, false),
    what: `revoke ${describeGroup(group, principalName)} from ${group.holder}`,
    ...(hint === undefined ? {} : { hint }),
  };
}
