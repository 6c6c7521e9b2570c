/** The actual state from the catalog, the difference to the desired state, and the report. */
import type { GrantReport } from '../engine.js';
import type { AclRow, Catalog } from './catalog.js';
import { atomKey, groupKey, groupPrivileges, type DefaultObjects, type Privilege, type PrivilegeGroup, type Target } from './privileges.js';
import type { PrincipalRoles, RoleRow } from './roles.js';

const defaultObjects: Record<string, DefaultObjects> = { r: 'TABLES', S: 'SEQUENCES', f: 'FUNCTIONS', T: 'TYPES', n: 'SCHEMAS' };

function aclTarget(row: AclRow): Target {
  const owner = row.owner ?? undefined;
  const withOwner = owner === undefined ? {} : { owner };
  switch (row.kind) {
    case 'database':
    case 'schema':
      return { kind: row.kind, name: row.name, ...withOwner };
    case 'table':
    case 'sequence':
      return { kind: row.kind, schema: row.schema ?? '', name: row.name, ...withOwner };
    case 'routine':
      return { kind: 'routine', routine: row.objtype === 'p' ? 'PROCEDURE' : 'FUNCTION', schema: row.schema ?? '', name: row.name, args: row.args ?? '' };
    case 'default':
      return {
        kind: 'default',
        objects: defaultObjects[row.objtype ?? ''] ?? 'TABLES',
        ...(row.schema === null ? {} : { schema: row.schema }),
        owner: row.owner ?? '',
      };
    case 'role':
    case 'member':
      return { kind: row.kind, name: row.name };
    case 'tablespace':
    case 'fdw':
    case 'server':
    case 'language':
    case 'parameter':
    case 'largeobject':
      return { kind: row.kind, name: row.name, ...withOwner };
    case 'type':
      return { kind: 'type', schema: row.schema ?? '', name: row.name, ...withOwner };
  }
}

function aclPrivileges(row: AclRow): Privilege[] {
  const privilege: Privilege = {
    holder: row.holder,
    privilege: row.privilege ?? (row.kind === 'member' ? 'GRANTED' : 'MEMBER'),
    target: aclTarget(row),
    ...(row.column === null ? {} : { column: row.column }),
    ...(row.grantor === null ? {} : { grantor: row.grantor }),
  };
  return row.grantable && row.kind !== 'member' ? [privilege, { ...privilege, option: true }] : [privilege];
}

function attributePrivileges(role: RoleRow): Privilege[] {
  const held: [boolean, string][] = [
    [role.superuser, 'SUPERUSER'],
    [role.createrole, 'CREATEROLE'],
    [role.createdb, 'CREATEDB'],
    [role.replication, 'REPLICATION'],
    [role.bypassrls, 'BYPASSRLS'],
    [role.login, 'LOGIN'],
    [!role.inherit, 'NOINHERIT'],
    [true, `CONNECTION LIMIT ${role.connectionLimit}`],
  ];
  return held.filter(([has]) => has).map(([, privilege]) => ({ holder: role.name, privilege, target: { kind: 'attribute' } }));
}

/** Everything the principal's roles hold directly, atom by atom (one column, one privilege, one object). */
export function actualPrivileges(catalog: Catalog): Privilege[] {
  return [...catalog.acl.flatMap(aclPrivileges), ...catalog.roles.flatMap(attributePrivileges)];
}

export interface GrantChanges {
  revokes: PrivilegeGroup[];
  grants: PrivilegeGroup[];
}

const byKey = (privileges: Privilege[]): Map<string, Privilege> => new Map(privileges.map((p) => [atomKey(p), p]));

export function planChanges(desired: Privilege[], actual: Privilege[]): GrantChanges {
  const desiredAtoms = byKey(desired);
  const actualAtoms = byKey(actual);
  const extra = [...actualAtoms.values()].filter((p) => !desiredAtoms.has(atomKey(p)));
  const revokedWhole = new Set(extra.filter((p) => !p.option).map(atomKey));
  // Revoking a privilege takes its grant option with it, so the option needs no statement of its own.
  const revokes = extra.filter((p) => !p.option || !revokedWhole.has(atomKey({ ...p, option: false })));
  // REVOKE on a table also revokes that privilege on each of its columns: those must be granted again if desired.
  const tableLevelRevoked = new Set(revokes.filter((p) => p.target.kind === 'table' && p.column === undefined && !p.option).map(groupKey));
  const remaining = new Set(
    [...actualAtoms.entries()]
      .filter(([key, p]) => !revokedWhole.has(key) && !(p.column !== undefined && tableLevelRevoked.has(groupKey(p))))
      .map(([key]) => key),
  );
  const grants = [...desiredAtoms.entries()].filter(([key]) => !remaining.has(key)).map(([, p]) => p);
  return {
    // Grant options first, so that revoking them cannot be blocked by what the holder granted onwards.
    revokes: groupPrivileges(revokes).sort((a, b) => Number(b.option) - Number(a.option)),
    grants: groupPrivileges(grants),
  };
}

const atomsOf = (group: PrivilegeGroup): string[] =>
  (group.columns.length > 0 ? group.columns : ['']).map((column) => `${groupKey(group)}\u0000${column}`);

/**
 * The changes a committed sync attempted that did not take effect. The usual cause: a privilege granted by a
 * role other than the object's owner, which the admin's REVOKE (acting as the owner) silently leaves in place.
 */
export function leftovers(attempted: GrantChanges, actual: Privilege[], describe: (group: PrivilegeGroup) => string): string[] {
  const held = byKey(actual);
  const grantorsOf = (group: PrivilegeGroup): string => {
    const grantors = atomsOf(group).flatMap((key) => held.get(key)?.grantor ?? []);
    return grantors.length === 0 ? '' : ` (granted by ${[...new Set(grantors)].sort().join(', ')})`;
  };
  const kept = attempted.revokes
    .filter((group) => !(group.target.kind === 'attribute' && group.privilege.startsWith('CONNECTION LIMIT')))
    .filter((group) => atomsOf(group).some((key) => held.has(key)))
    .map((group) => `${describe(group)}${grantorsOf(group)}`);
  const missing = attempted.grants.filter((group) => atomsOf(group).some((key) => !held.has(key))).map((group) => `missing ${describe(group)}`);
  return [...kept, ...missing];
}

/** What the operator itself maintains on the roles: shown nowhere, as it is not access to data. */
function isStructural(p: Privilege, roles: PrincipalRoles): boolean {
  if (p.target.kind === 'attribute') {
    return p.privilege.startsWith('CONNECTION LIMIT') || (p.privilege === 'LOGIN' && roles.logins.includes(p.holder));
  }
  return p.target.kind === 'role' && !p.option && roles.logins.includes(p.holder) && p.target.name === roles.group;
}

export function grantReport(actual: Privilege[], roles: PrincipalRoles, describe: (group: PrivilegeGroup) => string): GrantReport {
  const shown = actual.filter((p) => !isStructural(p, roles));
  const tables = shown.flatMap((p) => (p.target.kind === 'table' ? [`${p.target.schema}.${p.target.name}`] : []));
  return {
    tables: [...new Set(tables)].sort(),
    privileges: [...new Set(groupPrivileges(shown).map(describe))].sort(),
  };
}
