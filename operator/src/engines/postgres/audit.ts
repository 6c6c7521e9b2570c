/** Least-privilege findings for one login: attributes, memberships, ownership and CREATE rights. */
import type { LoginAudit } from '../engine.js';
import { isManagedComment, roleColumns, type RoleRow } from './roles.js';
import type { Queryable } from './sql.js';

interface ReachedRole extends RoleRow {
  direct: boolean;
}

interface AuditFacts {
  role: RoleRow | null;
  /** Every role the login is a member of, directly or through other roles. */
  reached: ReachedRole[];
  /** Objects in this database owned by the login or by a role it is a member of: "TABLE public.t", "SCHEMA s". */
  owned: { holder: string; object: string }[];
  database: string;
  createDatabase: boolean;
  createSchemas: string[];
}

const auditSql = `
WITH RECURSIVE login AS (SELECT oid FROM pg_roles WHERE rolname = $1),
reach(oid) AS (
  SELECT m.roleid FROM pg_auth_members m JOIN login ON m.member = login.oid
  UNION
  SELECT m.roleid FROM pg_auth_members m JOIN reach ON m.member = reach.oid
),
holders AS (SELECT oid FROM login UNION SELECT oid FROM reach)
SELECT json_build_object(
  'role', (SELECT row_to_json(x) FROM (SELECT ${roleColumns} FROM pg_roles r JOIN login ON login.oid = r.oid) x),
  'reached', (SELECT coalesce(json_agg(x), '[]') FROM (
      SELECT ${roleColumns}, EXISTS (SELECT 1 FROM pg_auth_members m JOIN login ON m.member = login.oid WHERE m.roleid = r.oid) AS direct
        FROM pg_roles r JOIN reach ON reach.oid = r.oid) x),
  'owned', (SELECT coalesce(json_agg(x), '[]') FROM (
      SELECT pg_get_userbyid(c.relowner) AS holder, 'TABLE ' || n.nspname || '.' || c.relname AS object
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relowner IN (SELECT oid FROM holders) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
      UNION ALL
      SELECT pg_get_userbyid(nspowner), 'SCHEMA ' || nspname FROM pg_namespace WHERE nspowner IN (SELECT oid FROM holders)) x),
  'database', current_database(),
  'createDatabase', coalesce((SELECT has_database_privilege(login.oid, current_database(), 'CREATE') FROM login), false),
  'createSchemas', (SELECT coalesce(json_agg(n.nspname ORDER BY n.nspname), '[]') FROM pg_namespace n, login
                     WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
                       AND has_schema_privilege(login.oid, n.oid, 'CREATE'))
) AS facts`;

const dangerousAttributes = (role: RoleRow): string[] =>
  (
    [
      [role.superuser, 'SUPERUSER'],
      [role.createrole, 'CREATEROLE'],
      [role.createdb, 'CREATEDB'],
      [role.replication, 'REPLICATION'],
      [role.bypassrls, 'BYPASSRLS'],
    ] as const
  ).flatMap(([has, name]) => (has ? [name] : []));

/** The group role of an alternating principal: the one membership a login is meant to have. */
const isOwnGroup = (login: string, role: ReachedRole): boolean =>
  role.direct && isManagedComment(role.comment) && (login === `${role.name}_a` || login === `${role.name}_b`);

export async function auditLogin(db: Queryable, login: string): Promise<LoginAudit> {
  const { rows } = await db.query<{ facts: AuditFacts }>({ name: 'dbwarden-audit', text: auditSql, values: [login] });
  const facts = rows[0]?.facts;
  if (facts?.role == null) return { login, exists: false, findings: [] };
  const ownGroups = new Set(facts.reached.filter((role) => isOwnGroup(login, role)).map((role) => role.name));
  const findings = [
    ...dangerousAttributes(facts.role),
    ...facts.reached.filter((role) => !ownGroups.has(role.name)).map((role) => `MEMBER OF ${role.name}`),
    ...facts.reached.flatMap((role) => dangerousAttributes(role).map((attribute) => `${attribute} THROUGH ${role.name}`)),
    ...facts.owned.filter((o) => o.holder === login || ownGroups.has(o.holder)).map((o) => `OWNS ${o.object}`),
    ...(facts.createDatabase ? [`CREATE ON DATABASE ${facts.database}`] : []),
    ...facts.createSchemas.map((schema) => `CREATE ON SCHEMA ${schema}`),
  ];
  return { login, exists: true, findings: [...new Set(findings)].sort() };
}
