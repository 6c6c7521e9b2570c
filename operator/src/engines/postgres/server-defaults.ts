/**
 * What a PostgreSQL server logs and what every role may do without a grant: the facts behind the
 * AccessLogged and DefaultPrivileges posture checks. Read as the admin, from catalogs any role may read
 * (pg_settings hides what the admin may not see, instead of failing).
 */
import type { ServerFacts } from '../engine.js';
import { ident, type Queryable } from './sql.js';

/** Functions that read or write server files or open connections from the server: never for every role. */
export const dangerousFunctions = [
  'pg_read_file', 'pg_read_binary_file', 'pg_ls_dir', 'pg_stat_file', 'lo_import', 'lo_export',
  'pg_file_write', 'pg_file_rename', 'pg_file_unlink', 'dblink', 'dblink_exec', 'dblink_connect', 'dblink_connect_u',
];

const defaultsSql = `SELECT
  (SELECT setting FROM pg_settings WHERE name = 'log_connections') AS log_connections,
  (SELECT setting FROM pg_settings WHERE name = 'log_statement') AS log_statement,
  (SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries') AS preload,
  current_database() AS database,
  has_database_privilege('public', current_database(), 'TEMP') AS public_temp,
  coalesce(has_schema_privilege('public', to_regnamespace('public'), 'CREATE'), false) AS public_create,
  ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p
        WHERE p.proname = ANY($1::text[]) AND has_function_privilege('public', p.oid, 'EXECUTE') ORDER BY 1) AS public_functions`;

interface DefaultsRow {
  log_connections: string | null;
  log_statement: string | null;
  preload: string | null;
  database: string;
  public_temp: boolean;
  public_create: boolean;
  public_functions: string[];
}

export async function readServerDefaults(db: Queryable): Promise<Pick<ServerFacts, 'accessLog' | 'defaultPrivileges'>> {
  const { rows } = await db.query<DefaultsRow>(defaultsSql, [dangerousFunctions]);
  const row = rows[0]!;
  return { accessLog: accessLogOf(row), defaultPrivileges: defaultPrivilegesOf(row) };
}

export function accessLogOf(row: Pick<DefaultsRow, 'log_connections' | 'log_statement' | 'preload'>): ServerFacts['accessLog'] {
  // PostgreSQL 18 makes log_connections a list of aspects ('' is off); before, on/off.
  const connections = row.log_connections === null ? undefined : !['off', ''].includes(row.log_connections);
  const pgaudit = row.preload === null ? undefined : row.preload.split(',').map((l) => l.trim()).includes('pgaudit');
  const statements = row.log_statement !== null && row.log_statement !== 'none';
  const parts = [
    connections === undefined
      ? 'the admin may not read log_connections (grant it pg_read_all_settings to check)'
      : connections ? 'connections are logged (log_connections)' : 'connections are not logged: set log_connections = on',
    statements ? `statements are logged (log_statement = ${row.log_statement})` : pgaudit ? 'statements are audited by pgaudit'
      : `statements are not logged: load pgaudit (shared_preload_libraries) or set log_statement = 'mod' or 'all'`,
    "add %a to log_line_prefix so each line shows the console's dbwarden:<request id> label",
  ];
  return { connections, detail: parts.join('; ') };
}

export function defaultPrivilegesOf(row: Pick<DefaultsRow, 'database' | 'public_temp' | 'public_create' | 'public_functions'>): ServerFacts['defaultPrivileges'] {
  const found: ServerFacts['defaultPrivileges'] = [];
  if (row.public_temp) found.push({ finding: `every role may create temporary tables in ${row.database}`, fix: `REVOKE TEMP ON DATABASE ${ident(row.database)} FROM PUBLIC` });
  if (row.public_create) found.push({ finding: 'every role may create objects in schema public', fix: 'REVOKE CREATE ON SCHEMA public FROM PUBLIC' });
  for (const fn of row.public_functions) found.push({ finding: `every role may execute ${fn}`, fix: `REVOKE EXECUTE ON FUNCTION ${fn} FROM PUBLIC` });
  return found;
}
