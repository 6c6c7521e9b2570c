/** From a GrantSpec and the catalog: validation, then the privileges the principal's roles should hold. */
import { EngineError, type GrantSpec, type PrincipalSpec } from '../engine.js';
import { assertIdentifier } from '../identifiers.js';
import { assertNotSystemSchema } from '../system-objects.js';
import type { Catalog, CatalogRequest, RelationRow } from './catalog.js';
import type { Privilege, Target } from './privileges.js';
import { connectionLimitOf, type PrincipalRoles } from './roles.js';

/** A GrantSpec with defaults applied, identifiers checked and duplicate tables merged. */
export interface GrantPlan {
  access: GrantSpec['access'];
  /** Schemas that must exist: the spec's and those of its tables. */
  schemas: string[];
  /** Schemas the principal gets USAGE in. */
  usageSchemas: string[];
  /** Empty: every table of usageSchemas (and future ones). Columns undefined: the whole table. */
  tables: { schema: string; name: string; columns?: string[] }[];
}

const tableLike = new Set(['r', 'p', 'v', 'm', 'f']);
const tablePrivileges = { 'read-only': ['SELECT'], 'read-write': ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] } as const;
const columnPrivileges = { 'read-only': ['SELECT'], 'read-write': ['SELECT', 'INSERT', 'UPDATE'] } as const;
const sequencePrivileges = ['USAGE', 'SELECT'];

const unique = <T>(values: Iterable<T>): T[] => [...new Set(values)];

export function normaliseGrants(spec: GrantSpec): GrantPlan {
  const specSchemas = spec.schemas.length > 0 ? spec.schemas : ['public'];
  const merged = new Map<string, { schema: string; name: string; columns?: string[] }>();
  for (const table of spec.tables) {
    const schema = table.schema ?? 'public';
    assertIdentifier('postgres', 'schema', schema);
    assertIdentifier('postgres', 'table', table.name);
    if (table.columns?.length === 0) {
      throw new EngineError('ColumnNotFound', `table ${schema}.${table.name} lists no columns: omit columns for the whole table`, false);
    }
    for (const column of table.columns ?? []) assertIdentifier('postgres', 'column', column);
    const key = `${schema}.${table.name}`;
    const previous = merged.get(key);
    const wholeTable = table.columns === undefined || (previous !== undefined && previous.columns === undefined);
    const columns = wholeTable ? undefined : unique([...(previous?.columns ?? []), ...(table.columns ?? [])]);
    merged.set(key, { schema, name: table.name, ...(columns === undefined ? {} : { columns }) });
  }
  for (const schema of specSchemas) assertIdentifier('postgres', 'schema', schema);
  const tables = [...merged.values()];
  const tableSchemas = unique(tables.map((t) => t.schema));
  for (const schema of [...specSchemas, ...tableSchemas]) assertNotSystemSchema('postgres', schema, 'grants');
  return {
    access: spec.access,
    schemas: unique([...specSchemas, ...tableSchemas]),
    usageSchemas: tables.length > 0 ? tableSchemas : unique(specSchemas),
    tables,
  };
}

export function catalogRequest(roles: PrincipalRoles, plan?: GrantPlan): CatalogRequest {
  return {
    roles: roles.all,
    schemas: plan?.schemas ?? [],
    tables: plan?.tables.filter((t) => t.columns !== undefined) ?? [],
  };
}

const relationKey = (schema: string, name: string): string => `${schema}.${name}`;

/** SchemaNotFound / TableNotFound / ColumnNotFound, before anything changes. */
export function validateGrants(plan: GrantPlan, catalog: Catalog): void {
  const where = `in database ${catalog.database}`;
  const schemas = new Set(catalog.schemas.map((s) => s.name));
  for (const schema of plan.schemas) {
    if (!schemas.has(schema)) throw new EngineError('SchemaNotFound', `schema ${schema} does not exist ${where}`);
  }
  const tables = new Set(catalog.relations.filter((r) => tableLike.has(r.kind)).map((r) => relationKey(r.schema, r.name)));
  const columns = new Set(catalog.columns.map((c) => `${relationKey(c.schema, c.table)}.${c.column}`));
  for (const table of plan.tables) {
    const name = relationKey(table.schema, table.name);
    if (!tables.has(name)) throw new EngineError('TableNotFound', `table ${name} does not exist ${where}`);
    const missing = (table.columns ?? []).filter((column) => !columns.has(`${name}.${column}`));
    if (missing.length > 0) {
      throw new EngineError('ColumnNotFound', `column(s) ${missing.join(', ')} of table ${name} do not exist ${where}`);
    }
  }
}

/** The roles that create tables in a schema: the owners of its relations and of the schema itself. */
function creatorsIn(schema: string, catalog: Catalog, ours: ReadonlySet<string>): string[] {
  const schemaOwner = catalog.schemas.find((s) => s.name === schema)?.owner;
  // PostgreSQL 15+ gives `public` to pg_database_owner, which stands for the database owner.
  const effectiveOwner = schemaOwner === 'pg_database_owner' ? catalog.databaseOwner : schemaOwner;
  const owners = catalog.relations.filter((r) => r.schema === schema).map((r) => r.owner);
  return unique([...owners, ...(effectiveOwner === undefined ? [] : [effectiveOwner])])
    .filter((owner) => !ours.has(owner))
    .sort();
}

function relationTarget(relation: RelationRow): Target {
  const kind = relation.kind === 'S' ? 'sequence' : 'table';
  return { kind, schema: relation.schema, name: relation.name, owner: relation.owner };
}

function schemaWidePrivileges(holder: string, plan: GrantPlan, catalog: Catalog, ours: ReadonlySet<string>): Privilege[] {
  const readWrite = plan.access === 'read-write';
  const result: Privilege[] = [];
  for (const schema of plan.usageSchemas) {
    for (const relation of catalog.relations.filter((r) => r.schema === schema)) {
      const privileges = relation.kind === 'S' ? (readWrite ? sequencePrivileges : []) : tablePrivileges[plan.access];
      if (relation.kind !== 'S' && !tableLike.has(relation.kind)) continue;
      for (const privilege of privileges) result.push({ holder, privilege, target: relationTarget(relation) });
    }
    for (const owner of creatorsIn(schema, catalog, ours)) {
      for (const privilege of tablePrivileges[plan.access]) {
        result.push({ holder, privilege, target: { kind: 'default', objects: 'TABLES', schema, owner } });
      }
      if (!readWrite) continue;
      for (const privilege of sequencePrivileges) {
        result.push({ holder, privilege, target: { kind: 'default', objects: 'SEQUENCES', schema, owner } });
      }
    }
  }
  return result;
}

function listedTablePrivileges(holder: string, plan: GrantPlan, catalog: Catalog): Privilege[] {
  const result: Privilege[] = [];
  for (const table of plan.tables) {
    const relation = catalog.relations.find((r) => r.schema === table.schema && r.name === table.name && tableLike.has(r.kind));
    if (relation === undefined) continue;
    const target = relationTarget(relation);
    if (table.columns === undefined) {
      for (const privilege of tablePrivileges[plan.access]) result.push({ holder, privilege, target });
    } else {
      for (const privilege of columnPrivileges[plan.access]) {
        for (const column of table.columns) result.push({ holder, privilege, target, column });
      }
      if (plan.access === 'read-write') result.push({ holder, privilege: 'DELETE', target });
    }
    if (plan.access !== 'read-write') continue;
    const sequences = catalog.relations.filter((r) => r.kind === 'S' && r.ownedBy?.schema === table.schema && r.ownedBy.name === table.name);
    for (const sequence of sequences) {
      for (const privilege of sequencePrivileges) result.push({ holder, privilege, target: relationTarget(sequence) });
    }
  }
  return result;
}

/** Attributes and memberships the principal's roles must have (existing roles only). */
export function desiredRoleShape(principal: PrincipalSpec, roles: PrincipalRoles, existing: ReadonlySet<string>): Privilege[] {
  const limit = `CONNECTION LIMIT ${connectionLimitOf(principal)}`;
  const result: Privilege[] = [];
  if (roles.group !== undefined && existing.has(roles.group)) {
    result.push({ holder: roles.group, privilege: 'CONNECTION LIMIT -1', target: { kind: 'attribute' } });
  }
  for (const login of roles.logins.filter((l) => existing.has(l))) {
    result.push({ holder: login, privilege: 'LOGIN', target: { kind: 'attribute' } });
    result.push({ holder: login, privilege: limit, target: { kind: 'attribute' } });
    if (roles.group !== undefined) result.push({ holder: login, privilege: 'MEMBER', target: { kind: 'role', name: roles.group } });
  }
  return result;
}

export function desiredPrivileges(principal: PrincipalSpec, roles: PrincipalRoles, plan: GrantPlan, catalog: Catalog): Privilege[] {
  const holder = roles.grantee;
  const ours = new Set(roles.all);
  const databaseOwner = catalog.databaseOwner;
  const base: Privilege[] = [
    { holder, privilege: 'CONNECT', target: { kind: 'database', name: catalog.database, owner: databaseOwner } },
    ...plan.usageSchemas.map((schema): Privilege => ({
      holder,
      privilege: 'USAGE',
      target: { kind: 'schema', name: schema, owner: catalog.schemas.find((s) => s.name === schema)?.owner ?? databaseOwner },
    })),
  ];
  const objects = plan.tables.length === 0 ? schemaWidePrivileges(holder, plan, catalog, ours) : listedTablePrivileges(holder, plan, catalog);
  const existing = new Set(catalog.roles.map((r) => r.name));
  return [...base, ...objects, ...desiredRoleShape(principal, roles, existing)];
}
