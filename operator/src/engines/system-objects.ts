/**
 * What no AccessPolicy may be granted or named after, whatever the provisioning account could do: the schemas
 * (PostgreSQL) and databases (MySQL/MariaDB) that hold the server's own catalogs, and the accounts the servers
 * and managed services reserve. The CRDs refuse the same names with CEL rules (crds/*.yaml); these checks are
 * the operator's own, for objects stored before those rules existed and for callers other than the API server.
 */
import type { DatabaseEngine } from '@dbwarden/api';
import { EngineError } from './engine.js';

export interface SystemObjects {
  /** Why a schema (PostgreSQL) or database (MySQL/MariaDB) holds system catalogs, or undefined when it does not. */
  systemSchema(name: string): string | undefined;
  /**
   * Why a connection's database may not be granted in. PostgreSQL keeps its catalogs in schemas of every
   * database, so any database will do; on MySQL/MariaDB a database is a schema.
   */
  systemDatabase(name: string): string | undefined;
}

/** Catalog schemas by their lowercase name; PostgreSQL reserves every schema name starting with pg_. */
const postgresSchemas = new Set(['information_schema']);
export const mysqlSystemDatabases: readonly string[] = ['mysql', 'sys', 'performance_schema', 'information_schema'];
const mysqlDatabases = new Set(mysqlSystemDatabases);

export const systemObjects = {
  postgres: {
    systemSchema(name) {
      const lower = name.toLowerCase();
      if (lower.startsWith('pg_')) return `${name} is a PostgreSQL system schema (every pg_* schema is: pg_catalog, pg_toast, pg_temp_*)`;
      return postgresSchemas.has(lower) ? `${name} is a PostgreSQL system schema` : undefined;
    },
    systemDatabase: () => undefined,
  },
  mysql: {
    systemSchema(name) {
      return mysqlDatabases.has(name.toLowerCase()) ? `${name} is a MySQL/MariaDB system database` : undefined;
    },
    systemDatabase(name) {
      return this.systemSchema(name);
    },
  },
} satisfies Record<DatabaseEngine, SystemObjects>;

/**
 * Login names no policy may use on any engine: the servers' built-in administrative and system accounts
 * (PostgreSQL's role pseudo-names among them) and those of the common managed services. Keep in step with the
 * username rule in crds/accesspolicies.dbwarden.io.yaml (test/e2e/crd-validation.test.ts checks each one).
 */
export const reservedLogins: readonly string[] = [
  // PostgreSQL: the bootstrap superuser and names a role specification cannot take.
  'postgres', 'public', 'none', 'current_user', 'session_user', 'current_role',
  // MySQL/MariaDB: administrative accounts (MariaDB's `mysql`@localhost is one) and system accounts.
  'root', 'mysql', 'mariadb.sys', 'mysql.sys', 'mysql.session', 'mysql.infoschema', 'debian-sys-maint',
  // Managed services' own accounts: Amazon RDS/Aurora, Azure, Google Cloud SQL and AlloyDB.
  'rdsadmin', 'rdsrepladmin', 'rds_superuser', 'rds_replication', 'rds_iam', 'rds_password', 'rdsproxyadmin',
  'azure_superuser', 'azure_pg_admin', 'azuresu',
  'cloudsqladmin', 'cloudsqlsuperuser', 'cloudsqlreplica', 'cloudsqlagent', 'cloudsqlimportexport', 'cloudsqliamuser',
  'alloydbadmin', 'alloydbsuperuser', 'alloydbreplica',
];

/**
 * Why a login name may not be used for a policy, or undefined. `admin` is the connection's provisioning account,
 * which no policy may take over whatever its name.
 */
export function reservedLogin(login: string, admin: string): string | undefined {
  const lower = login.toLowerCase();
  if (lower === admin.toLowerCase()) return `${login} is the connection's provisioning account`;
  if (reservedLogins.includes(lower)) return `${login} is a built-in administrative or system account`;
  if (lower.startsWith('pg_')) return `${login} is in PostgreSQL's reserved pg_ namespace`;
  return undefined;
}

/** Throws ReservedUsername (not retried) when any of `logins` is reserved. */
export function assertNotReserved(logins: readonly string[], admin: string): void {
  for (const login of logins) {
    const why = reservedLogin(login, admin);
    if (why !== undefined) {
      throw new EngineError('ReservedUsername', `database user ${login} is refused: ${why}; choose another spec.username`, false);
    }
  }
}

/** Throws SystemSchemaRefused (not retried) when `name` is a system schema or database of `engine`. */
export function assertNotSystemSchema(engine: DatabaseEngine, name: string, field: string): void {
  const why = systemObjects[engine].systemSchema(name);
  if (why !== undefined) {
    throw new EngineError('SystemSchemaRefused', `${field}: ${why}; dbwarden never grants on system catalogs`, false);
  }
}
