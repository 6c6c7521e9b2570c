/**
 * What logins hold (read from mysql.db, mysql.tables_priv, mysql.columns_priv and SHOW GRANTS) and what they
 * should hold (from a GrantSpec, after checking its tables and columns exist).
 */
import { EngineError, type Access, type GrantReport, type TableSpec } from '../engine.js';
import { assertIdentifier } from '../identifiers.js';
import { text, type AdminConnection, type Row } from './connection.js';
import {
  literalDatabasePattern,
  notation,
  parseShowGrants,
  parseStoredDatabase,
  privilegeOfDbColumn,
  privilegesOfSet,
  readPrivileges,
  uniqueHeld,
  writePrivileges,
  type Held,
} from './privileges.js';

export type HeldByLogin = Map<string, Held[]>;

/** Everything each of `logins` (accounts 'login'@'%', which must exist) holds, in one round of queries. */
export async function readHeld(admin: AdminConnection, database: string, logins: readonly string[]): Promise<HeldByLogin> {
  const byLogin: HeldByLogin = new Map(logins.map((login) => [login, []]));
  if (logins.length === 0) return byLogin;
  const add = (login: string, held: Held[]): void => void byLogin.get(login)?.push(...held);
  const [dbRows, tableRows, columnRows, ...showGrants] = await Promise.all([
    admin.read('reading mysql.db', 'SELECT * FROM mysql.db WHERE Host = ? AND User IN (?)', ['%', [...logins]]),
    admin.read('reading mysql.tables_priv',
      'SELECT User, Db, Table_name, Table_priv FROM mysql.tables_priv WHERE Host = ? AND User IN (?)', ['%', [...logins]]),
    admin.read('reading mysql.columns_priv',
      'SELECT User, Db, Table_name, Column_name, Column_priv FROM mysql.columns_priv WHERE Host = ? AND User IN (?)', ['%', [...logins]]),
    ...logins.map((login) => admin.read(`reading the grants of ${login}`, "SHOW GRANTS FOR ?@'%'", [login])),
  ]);
  const literal = await wildcardsAreLiteral(admin, database, dbRows);
  for (const row of dbRows) add(text(row, 'User'), databaseHeld(row, literal));
  for (const row of tableRows) add(text(row, 'User'), tableHeld(row));
  for (const row of columnRows) add(text(row, 'User'), columnHeld(row));
  logins.forEach((login, i) => add(login, globalAndRoleHeld(showGrants[i] ?? [])));
  return byLogin;
}

/**
 * MySQL 8 with partial_revokes ON reads `_` and `%` in database grants literally. Asked only when a grant's
 * stored name would otherwise be a pattern that spells our database, so the common case costs no query.
 */
async function wildcardsAreLiteral(admin: AdminConnection, database: string, dbRows: Row[]): Promise<boolean> {
  const ambiguous = dbRows.some((row) => {
    const stored = parseStoredDatabase(text(row, 'Db'));
    return stored.wildcard && stored.name === database;
  });
  if (!ambiguous) return false;
  const [row] = await admin.read('reading partial_revokes', "SHOW VARIABLES LIKE 'partial_revokes'");
  return text(row, 'Value').toUpperCase() === 'ON';
}

function databaseHeld(row: Row, wildcardsLiteral: boolean): Held[] {
  const stored = text(row, 'Db');
  const { name, wildcard } = parseStoredDatabase(stored);
  return Object.keys(row)
    .filter((column) => /_priv$/i.test(column) && text(row, column) === 'Y')
    .map((column) => ({
      level: 'database',
      privilege: privilegeOfDbColumn(column),
      database: name,
      wildcard: wildcard && !wildcardsLiteral,
      stored,
    }));
}

function tableHeld(row: Row): Held[] {
  const database = text(row, 'Db');
  const table = text(row, 'Table_name');
  return privilegesOfSet(text(row, 'Table_priv')).map((privilege) => ({ level: 'table', privilege, database, table }));
}

function columnHeld(row: Row): Held[] {
  const [database, table, column] = [text(row, 'Db'), text(row, 'Table_name'), text(row, 'Column_name')];
  return privilegesOfSet(text(row, 'Column_priv')).map((privilege) => ({ level: 'column', privilege, database, table, column }));
}

function globalAndRoleHeld(rows: Row[]): Held[] {
  const lines = rows.map((row) => text(row, Object.keys(row)[0] ?? ''));
  const { global, roles } = parseShowGrants(lines);
  return [
    ...global.map((privilege): Held => ({ level: 'global', privilege })),
    ...roles.map((role): Held => ({ level: 'role', role })),
  ];
}

/** A listed table as granted: its name as the server spells it, and the columns (likewise) when limited. */
export interface ResolvedTable {
  name: string;
  columns?: string[];
}

/**
 * Checks that every listed table exists in `database` and every listed column in its table, before anything
 * changes. Table names must match exactly (they are case-sensitive on Linux); column names, like MySQL's, ignore case.
 */
export async function resolveTables(admin: AdminConnection, database: string, specs: readonly TableSpec[]): Promise<ResolvedTable[]> {
  const wanted = mergeTableSpecs(specs);
  if (wanted.size === 0) return [];
  const rows = await admin.read(
    `checking the tables in ${database}`,
    'SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?)',
    [database, [...wanted.keys()]],
  );
  const columnsOf = new Map<string, string[]>();
  for (const row of rows) {
    const table = text(row, 'TABLE_NAME');
    columnsOf.set(table, [...(columnsOf.get(table) ?? []), text(row, 'COLUMN_NAME')]);
  }
  assertTablesExist(database, [...wanted.keys()], [...columnsOf.keys()]);
  return [...wanted].map(([name, columns]) =>
    columns === undefined ? { name } : { name, columns: resolveColumns(database, name, columns, columnsOf.get(name) ?? []) },
  );
}

/** Table name → its columns (undefined: the whole table). A table listed twice gets the union; whole wins. */
function mergeTableSpecs(specs: readonly TableSpec[]): Map<string, string[] | undefined> {
  const merged = new Map<string, string[] | undefined>();
  for (const spec of specs) {
    assertIdentifier('mysql', 'table', spec.name);
    for (const column of spec.columns ?? []) assertIdentifier('mysql', 'column', column);
    if (spec.columns?.length === 0) {
      throw new EngineError('ColumnNotFound', `table ${spec.name} lists no columns: omit columns to grant the whole table`, false);
    }
    const before = merged.has(spec.name) ? merged.get(spec.name) : [];
    merged.set(spec.name, before === undefined || spec.columns === undefined ? undefined : [...before, ...spec.columns]);
  }
  return merged;
}

function assertTablesExist(database: string, wanted: string[], found: string[]): void {
  const missing = wanted.filter((name) => !found.includes(name));
  if (missing.length === 0) return;
  throw new EngineError(
    'TableNotFound',
    `table${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found in database ${database} (names are case-sensitive)`,
  );
}

function resolveColumns(database: string, table: string, wanted: string[], existing: string[]): string[] {
  const byLowerName = new Map(existing.map((column) => [column.toLowerCase(), column]));
  const missing = wanted.filter((column) => !byLowerName.has(column.toLowerCase()));
  if (missing.length > 0) {
    throw new EngineError(
      'ColumnNotFound',
      `column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found in ${database}.${table}`,
    );
  }
  return [...new Set(wanted.map((column) => byLowerName.get(column.toLowerCase()) ?? column))];
}

/**
 * What the spec grants: SELECT (read-write: SELECT, INSERT, UPDATE, DELETE) on `database`.* when no tables are
 * listed, else on each table; on listed columns only, with DELETE (which has no column form) on the table.
 */
export function desiredHeld(access: Access, database: string, tables: readonly ResolvedTable[]): Held[] {
  const privileges = access === 'read-write' ? writePrivileges : readPrivileges;
  if (tables.length === 0) {
    const stored = literalDatabasePattern(database);
    return privileges.map((privilege) => ({ level: 'database', privilege, database, wildcard: false, stored }));
  }
  return tables.flatMap(({ name: table, columns }) =>
    privileges.flatMap((privilege): Held[] =>
      columns === undefined || privilege === 'DELETE'
        ? [{ level: 'table', privilege, database, table }]
        : columns.map((column) => ({ level: 'column', privilege, database, table, column })),
    ),
  );
}

/** The report for what the logins hold together; database-wide grants list the tables the database has now. */
export async function grantReport(admin: AdminConnection, held: readonly Held[]): Promise<GrantReport> {
  const all = uniqueHeld(held);
  const tables = new Set<string>();
  const wholeDatabases = new Set<string>();
  for (const entry of all) {
    if (entry.level === 'table' || entry.level === 'column') tables.add(`${entry.database}.${entry.table}`);
    if (entry.level === 'database' && !entry.wildcard) wholeDatabases.add(entry.database);
  }
  if (wholeDatabases.size > 0) {
    const rows = await admin.read(
      'listing tables',
      'SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?)',
      [[...wholeDatabases]],
    );
    for (const row of rows) tables.add(`${text(row, 'TABLE_SCHEMA')}.${text(row, 'TABLE_NAME')}`);
  }
  return { tables: [...tables].sort(), privileges: notation(all) };
}
