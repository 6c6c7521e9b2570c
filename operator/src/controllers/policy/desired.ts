import { createHash } from 'node:crypto';
import type { AccessPolicy, DatabaseEngine } from '@dbwarden/api';
import type { GrantSpec, PrincipalSpec, TableSpec, TlsMode } from '../../engines/engine.js';
import { maxUserLength } from '../../engines/identifiers.js';
import { ReconcileError } from '../../errors.js';

/** Room left for the alternating strategy's `_a` / `_b` suffix. */
const suffixRoom = 2;

/**
 * The policy's base user name: spec.username, or `dbw_<namespace>_<name>` made valid for the engine
 * (lowercase, [a-z0-9_], shortened with a hash when too long).
 */
export function usernameFor(policy: AccessPolicy, engine: DatabaseEngine): string {
  const limit = maxUserLength[engine] - suffixRoom;
  const explicit = policy.spec.username;
  if (explicit) {
    if (explicit.length > limit) {
      throw new ReconcileError('InvalidUsername', `spec.username is ${explicit.length} characters; at most ${limit} fit a ${engine} user name with the _a/_b suffix`, false);
    }
    return explicit;
  }
  const { namespace = '', name = '' } = policy.metadata ?? {};
  const base = `dbw_${namespace}_${name}`.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/_+/g, '_');
  if (base.length <= limit) return base;
  const hash = createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, 8);
  return `${base.slice(0, limit - hash.length - 1).replace(/_+$/, '')}_${hash}`;
}

export function principalFor(policy: AccessPolicy, engine: DatabaseEngine, tlsMode: TlsMode): PrincipalSpec {
  return {
    name: usernameFor(policy, engine),
    strategy: policy.spec.rotation?.strategy ?? 'alternating',
    owner: `${policy.metadata?.namespace}/${policy.metadata?.name}`,
    ...(policy.spec.connectionLimit ? { connectionLimit: policy.spec.connectionLimit } : {}),
    requireTls: tlsMode !== 'disable',
  };
}

type PolicyTable = NonNullable<AccessPolicy['spec']['tables']>[number];

/**
 * Where an engine's tables live: in the schemas a policy names (PostgreSQL), or in the connection's database,
 * which is the schema (MySQL/MariaDB).
 */
const tablesLiveIn = {
  postgres: { schemas: true, table: (t: PolicyTable): Pick<TableSpec, 'schema'> => ({ schema: t.schema ?? 'public' }) },
  mysql: { schemas: false, table: (_t: PolicyTable): Pick<TableSpec, 'schema'> => ({}) },
} satisfies Record<DatabaseEngine, { schemas: boolean; table: (t: PolicyTable) => Pick<TableSpec, 'schema'> }>;

export function grantsFor(policy: AccessPolicy, engine: DatabaseEngine): GrantSpec {
  const { spec } = policy;
  const where = tablesLiveIn[engine];
  if (!where.schemas && spec.schemas) {
    throw new ReconcileError(
      'InvalidSpec',
      "spec.schemas is for PostgreSQL only: on MySQL/MariaDB the connection's database is the schema; remove it",
      false,
    );
  }
  return {
    access: spec.access ?? 'read-only',
    schemas: spec.schemas ?? ['public'],
    tables: (spec.tables ?? []).map((t) => ({
      ...where.table(t),
      name: t.name,
      ...(t.columns ? { columns: t.columns } : {}),
    })),
  };
}

export function secretNameFor(policy: AccessPolicy): string {
  return policy.spec.secretName ?? `${policy.metadata?.name}-credentials`;
}
