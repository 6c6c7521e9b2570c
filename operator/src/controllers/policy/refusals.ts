/**
 * What the operator refuses in a policy whatever the CRD let through (objects stored before its CEL rules, or
 * written by anything that bypassed them): users named after built-in or provisioning accounts, and grants in
 * system schemas or databases.
 */
import type { AccessPolicy, DatabaseConnection, DatabaseEngine } from '@dbwarden/api';
import { EngineError } from '../../engines/engine.js';
import { assertNotReserved, systemObjects } from '../../engines/system-objects.js';
import { usernameFor } from './desired.js';

type NamedSchemas = (policy: AccessPolicy) => { field: string; name: string }[];

/** Where a policy names the schemas it grants in (on MySQL/MariaDB the connection's database is the schema). */
const schemasNamed = {
  postgres: (policy) => [
    ...(policy.spec.schemas ?? []).map((name, i) => ({ field: `spec.schemas[${i}]`, name })),
    ...(policy.spec.tables ?? []).map((table, i) => ({ field: `spec.tables[${i}].schema`, name: table.schema ?? 'public' })),
  ],
  mysql: (_policy) => [],
} satisfies Record<DatabaseEngine, NamedSchemas>;

/** SystemSchemaRefused when the connection's database is one no policy may grant in. */
export function systemDatabaseRefusal(connection: DatabaseConnection): EngineError | undefined {
  const why = systemObjects[connection.spec.engine].systemDatabase(connection.spec.database);
  if (why === undefined) return undefined;
  return new EngineError('SystemSchemaRefused', `spec.database: ${why}; dbwarden never grants on system catalogs`, false);
}

/** SystemSchemaRefused, naming each system schema the policy would grant in; undefined when there is none. */
export function systemSchemaRefusal(policy: AccessPolicy, connection: DatabaseConnection): EngineError | undefined {
  const engine = connection.spec.engine;
  const named = schemasNamed[engine](policy).flatMap(({ field, name }) => {
    const why = systemObjects[engine].systemSchema(name);
    return why === undefined ? [] : [`${field}: ${why}`];
  });
  const database = systemObjects[engine].systemDatabase(connection.spec.database);
  if (database !== undefined) named.push(`spec.database of DatabaseConnection ${connection.metadata?.name ?? ''}: ${database}`);
  if (named.length === 0) return undefined;
  return new EngineError('SystemSchemaRefused', `${[...new Set(named)].join('; ')}; dbwarden never grants on system catalogs`, false);
}

/**
 * The names a policy makes on `engine`: the base name (PostgreSQL's group role with the alternating strategy)
 * and each login.
 */
export function namesOf(policy: AccessPolicy, engine: DatabaseEngine): string[] {
  const name = usernameFor(policy, engine);
  const alternating = (policy.spec.rotation?.strategy ?? 'alternating') === 'alternating';
  return alternating ? [name, `${name}_a`, `${name}_b`] : [name];
}

/** ReservedUsername when a name the policy would make is a built-in account or `admin` (the provisioning account). */
export function assertAllowedNames(policy: AccessPolicy, engine: DatabaseEngine, admin = ''): void {
  assertNotReserved(namesOf(policy, engine), admin);
}
