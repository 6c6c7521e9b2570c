/**
 * Everything a grant sync needs from the catalogs, in ONE query: the objects the spec names (to validate and
 * to compute the desired state) and every privilege the principal's roles hold directly (the actual state).
 */
import { roleColumns, type RoleRow } from './roles.js';
import type { Queryable } from './sql.js';

export interface CatalogRequest {
  /** The principal's role names. */
  roles: string[];
  /** Schemas whose existence, owner and relations are needed. */
  schemas: string[];
  /** Tables whose columns are needed. */
  tables: { schema: string; name: string }[];
}

export interface SchemaRow {
  name: string;
  owner: string;
}

export interface RelationRow {
  schema: string;
  name: string;
  /** pg_class.relkind: r p v m f (tables and table-like), S (sequence). */
  kind: string;
  owner: string;
  /** For a sequence: the table whose column owns it (serial / identity). */
  ownedBy: { schema: string; name: string } | null;
}

export interface ColumnRow {
  schema: string;
  table: string;
  column: string;
}

export type AclKind =
  | 'database' | 'schema' | 'table' | 'sequence' | 'routine' | 'default' | 'role' | 'member'
  | 'tablespace' | 'fdw' | 'server' | 'language' | 'type' | 'largeobject' | 'parameter';

/** A privilege held directly by one of the principal's roles. */
export interface AclRow {
  holder: string;
  kind: AclKind;
  /** privilege_type from aclexplode; null for memberships. */
  privilege: string | null;
  /** WITH GRANT OPTION, or WITH ADMIN OPTION for a membership. */
  grantable: boolean;
  schema: string | null;
  /** Object name; the other role for memberships; the owner of default privileges is in `owner`. */
  name: string;
  column: string | null;
  /** Routine identity arguments, as the server formats them. */
  args: string | null;
  /** The object's owner; for default privileges, the role they apply FOR. */
  owner: string | null;
  /** pg_proc.prokind for routines, pg_default_acl.defaclobjtype for default privileges. */
  objtype: string | null;
  /** Who granted it (aclexplode's grantor); null for memberships. */
  grantor: string | null;
}

export interface Catalog {
  database: string;
  databaseOwner: string;
  admin: string;
  /** Roles with SUPERUSER: an admin must never be made a member of one. */
  superusers: string[];
  roles: RoleRow[];
  schemas: SchemaRow[];
  relations: RelationRow[];
  columns: ColumnRow[];
  acl: AclRow[];
}

const catalogSql = `
WITH ours AS (SELECT oid, rolname FROM pg_roles WHERE rolname = ANY($1::text[])),
listed AS (SELECT * FROM unnest($3::text[], $4::text[]) AS l(schema, name)),
-- The objects whose ACL names one of our roles, from the dependencies PostgreSQL records for every grant (what
-- DROP OWNED and DROP ROLE rely on), found through pg_shdepend's index on the role: only their ACLs are exploded,
-- not every ACL of the database.
deps AS (
  SELECT d.classid, d.objid, d.objsubid FROM pg_shdepend d
   WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid IN (SELECT oid FROM ours) AND d.deptype = 'a'
     AND d.dbid IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
),
acl AS (
  SELECT o.rolname AS holder, CASE c.relkind WHEN 'S' THEN 'sequence' ELSE 'table' END AS kind, a.privilege_type AS privilege,
         a.is_grantable AS grantable, n.nspname::text AS schema, c.relname::text AS name, NULL::text AS "column",
         NULL::text AS args, pg_get_userbyid(c.relowner)::text AS owner, NULL::text AS objtype,
         pg_get_userbyid(a.grantor)::text AS grantor
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    CROSS JOIN LATERAL aclexplode(c.relacl || '{}'::aclitem[]) a JOIN ours o ON o.oid = a.grantee
   WHERE c.oid IN (SELECT objid FROM deps WHERE classid = 'pg_class'::regclass AND objsubid = 0)
     AND c.relacl IS NOT NULL AND a.grantee <> c.relowner
  UNION ALL
  SELECT o.rolname, 'table', a.privilege_type, a.is_grantable, n.nspname, c.relname, att.attname, NULL, pg_get_userbyid(c.relowner), NULL,
         pg_get_userbyid(a.grantor)
    FROM pg_attribute att JOIN pg_class c ON c.oid = att.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    CROSS JOIN LATERAL aclexplode(att.attacl || '{}'::aclitem[]) a JOIN ours o ON o.oid = a.grantee
   WHERE (att.attrelid, att.attnum) IN (SELECT objid, objsubid FROM deps WHERE classid = 'pg_class'::regclass AND objsubid > 0)
     AND att.attacl IS NOT NULL AND NOT att.attisdropped AND a.grantee <> c.relowner
  UNION ALL
  SELECT o.rolname, 'schema', a.privilege_type, a.is_grantable, NULL, n.nspname, NULL, NULL, pg_get_userbyid(n.nspowner), NULL,
         pg_get_userbyid(a.grantor)
    FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl || '{}'::aclitem[]) a JOIN ours o ON o.oid = a.grantee
   WHERE n.oid IN (SELECT objid FROM deps WHERE classid = 'pg_namespace'::regclass) AND n.nspacl IS NOT NULL AND a.grantee <> n.nspowner
  UNION ALL
  SELECT o.rolname, 'database', a.privilege_type, a.is_grantable, NULL, d.datname, NULL, NULL, pg_get_userbyid(d.datdba), NULL,
         pg_get_userbyid(a.grantor)
    FROM pg_database d CROSS JOIN LATERAL aclexplode(d.datacl || '{}'::aclitem[]) a JOIN ours o ON o.oid = a.grantee
   WHERE d.oid IN (SELECT objid FROM deps WHERE classid = 'pg_database'::regclass) AND d.datacl IS NOT NULL AND a.grantee <> d.datdba
  UNION ALL
  SELECT o.rolname, 'tablespace', a.privilege_type, a.is_grantable, NULL, t.spcname, NULL, NULL, pg_get_userbyid(t.spcowner), NULL,
         pg_get_userbyid(a.grantor)
    FROM pg_tablespace t CROSS JOIN LATERAL aclexplode(t.spcacl || '{}'::aclitem[]) a JOIN ours o ON o.oid = a.grantee
   WHERE t.oid IN (SELECT objid FROM deps WHERE classid = 'pg_tablespace'::regclass) AND t.spcacl IS NOT NULL AND a.grantee <> t.spcowner
  UNION ALL
  SELECT o.rolname, 'fdw', a.privilege_type, a.is_grantable, NULL, w.fdwname, NULL, NULL, pg_get_userbyid(w.fdwowner), NULL,
         pg_get_userbyid(a.grantor)
    FROM pg_foreign_data_wrapper w CROSS JOIN LATERAL aclexplode(w.fdwacl || '{}'::aclitem[]) a JOIN ours o ON o.oid = a.grantee
   WHERE w.oid IN (SELECT objid FROM deps WHERE classid = 'pg_foreign_data_wrapper'::regclass) AND w.fdwacl IS NOT NULL AND a.grantee <> w.fdwowner
  UNION ALL
  SELECT o.rolname, 'server', a.privilege_type, a.is_grantable, NULL, f.srvname, NULL, NULL, pg_get_userbyid(f.srvowner), NULL,
         pg_get_userbyid(a.grantor)
    FROM pg_foreign_server f CROSS JOIN LATERAL aclexplode(f.srvacl || '{}'::aclitem[]) a JOIN ours o ON o.oid = a.grantee
   WHERE f.oid IN (SELECT objid FROM deps WHERE classid = 'pg_foreign_server'::regclass) AND f.srvacl IS NOT NULL AND a.grantee <> f.srvowner
  UNION ALL
  SELECT o.rolname, 'language', a.privilege_type, a.is_grantable, NULL, l.lanname, NULL, NULL, pg_get_userbyid(l.lanowner), NULL,
         pg_get_userbyid(a.grantor)
    FROM pg_language l CROSS JOIN LATERAL aclexplode(l.lanacl || '{}'::aclitem[]) a JOIN ours o ON o.oid = a.grantee
   WHERE l.oid IN (SELECT objid FROM deps WHERE classid = 'pg_language'::regclass) AND l.lanacl IS NOT NULL AND a.grantee <> l.lanowner
  UNION ALL
  SELECT o.rolname, 'type', a.privilege_type, a.is_grantable, n.nspname, t.typname, NULL, NULL, pg_get_userbyid(t.typowner), NULL,
         pg_get_userbyid(a.grantor)
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    CROSS JOIN LATERAL aclexplode(t.typacl || '{}'::aclitem[]) a JOIN ours o ON o.oid = a.grantee
   WHERE t.oid IN (SELECT objid FROM deps WHERE classid = 'pg_type'::regclass) AND t.typacl IS NOT NULL AND a.grantee <> t.typowner
  UNION ALL
  SELECT o.rolname, 'largeobject', a.privilege_type, a.is_grantable, NULL, m.oid::text, NULL, NULL, pg_get_userbyid(m.lomowner), NULL,
         pg_get_userbyid(a.grantor)
    FROM pg_largeobject_metadata m CROSS JOIN LATERAL aclexplode(m.lomacl || '{}'::aclitem[]) a JOIN ours o ON o.oid = a.grantee
   WHERE m.oid IN (SELECT objid FROM deps WHERE classid = 'pg_largeobject'::regclass) AND m.lomacl IS NOT NULL AND a.grantee <> m.lomowner
  /*parameters*/
  UNION ALL
  SELECT o.rolname, 'routine', a.privilege_type, a.is_grantable, n.nspname, p.proname, NULL,
         pg_get_function_identity_arguments(p.oid), pg_get_userbyid(p.proowner), p.prokind::text, pg_get_userbyid(a.grantor)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    CROSS JOIN LATERAL aclexplode(p.proacl || '{}'::aclitem[]) a JOIN ours o ON o.oid = a.grantee
   WHERE p.oid IN (SELECT objid FROM deps WHERE classid = 'pg_proc'::regclass) AND p.proacl IS NOT NULL AND a.grantee <> p.proowner
  UNION ALL
  SELECT o.rolname, 'default', a.privilege_type, a.is_grantable, n.nspname, '', NULL, NULL,
         pg_get_userbyid(da.defaclrole), da.defaclobjtype::text, pg_get_userbyid(a.grantor)
    FROM pg_default_acl da LEFT JOIN pg_namespace n ON n.oid = da.defaclnamespace
    CROSS JOIN LATERAL aclexplode(da.defaclacl || '{}'::aclitem[]) a JOIN ours o ON o.oid = a.grantee
   WHERE da.oid IN (SELECT objid FROM deps WHERE classid = 'pg_default_acl'::regclass)
  UNION ALL
  SELECT o.rolname, 'role', NULL, m.admin_option, NULL, pg_get_userbyid(m.roleid), NULL, NULL, NULL, NULL, NULL
    FROM pg_auth_members m JOIN ours o ON o.oid = m.member
  UNION ALL
  SELECT o.rolname, 'member', NULL, m.admin_option, NULL, pg_get_userbyid(m.member), NULL, NULL, NULL, NULL, NULL
    FROM pg_auth_members m JOIN ours o ON o.oid = m.roleid
   WHERE m.member NOT IN (SELECT oid FROM ours) AND m.member <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
)
SELECT json_build_object(
  'database', current_database(),
  'databaseOwner', (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()),
  'admin', current_user,
  'superusers', (SELECT coalesce(json_agg(rolname), '[]') FROM pg_roles WHERE rolsuper),
  'roles', (SELECT coalesce(json_agg(x), '[]') FROM (SELECT ${roleColumns} FROM pg_roles r JOIN ours ON ours.oid = r.oid) x),
  'schemas', (SELECT coalesce(json_agg(json_build_object('name', nspname, 'owner', pg_get_userbyid(nspowner))), '[]')
                FROM pg_namespace WHERE nspname = ANY($2::text[])),
  'relations', (SELECT coalesce(json_agg(json_build_object('schema', n.nspname, 'name', c.relname, 'kind', c.relkind,
                  'owner', pg_get_userbyid(c.relowner),
                  'ownedBy', (SELECT json_build_object('schema', tn.nspname, 'name', t.relname)
                                FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
                               WHERE c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                 AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1))), '[]')
                  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = ANY($2::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')),
  'columns', (SELECT coalesce(json_agg(json_build_object('schema', n.nspname, 'table', c.relname, 'column', att.attname)), '[]')
                FROM listed JOIN pg_namespace n ON n.nspname = listed.schema
                JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = listed.name
                JOIN pg_attribute att ON att.attrelid = c.oid AND att.attnum > 0 AND NOT att.attisdropped),
  'acl', (SELECT coalesce(json_agg(acl), '[]') FROM acl)
) AS catalog`;

/** PostgreSQL 15+ keeps GRANT SET / ALTER SYSTEM ON PARAMETER in pg_parameter_acl; older servers have no such catalog. */
const parametersSql = `
  UNION ALL
  SELECT o.rolname, 'parameter', a.privilege_type, a.is_grantable, NULL, p.parname, NULL, NULL, NULL, NULL, pg_get_userbyid(a.grantor)
    FROM pg_parameter_acl p CROSS JOIN LATERAL aclexplode(p.paracl || '{}'::aclitem[]) a JOIN ours o ON o.oid = a.grantee
   WHERE p.oid IN (SELECT objid FROM deps WHERE classid = 'pg_parameter_acl'::regclass) AND p.paracl IS NOT NULL`;

const catalogStatements = {
  withParameters: { name: 'dbwarden-catalog-15', text: catalogSql.replace('/*parameters*/', parametersSql) },
  withoutParameters: { name: 'dbwarden-catalog', text: catalogSql.replace('/*parameters*/', '') },
};

/** The server's version as a number (e.g. 150018), which decides the catalog query's form. */
export type ServerVersionNum = number;

export async function readCatalog(db: Queryable, request: CatalogRequest, version: ServerVersionNum): Promise<Catalog> {
  // Named, so each admin connection parses and plans it once (see planOnce in engine.ts): planning this
  // query costs the server several times what running it does.
  const statement = version >= 150000 ? catalogStatements.withParameters : catalogStatements.withoutParameters;
  const { rows } = await db.query<{ catalog: Catalog }>({ ...statement, values: [
    request.roles,
    request.schemas,
    request.tables.map((t) => t.schema),
    request.tables.map((t) => t.name),
  ] });
  const catalog = rows[0]?.catalog;
  if (catalog === undefined) throw new Error('the catalog query returned no row');
  return catalog;
}
