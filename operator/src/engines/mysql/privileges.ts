/**
 * What a MySQL/MariaDB account holds, one privilege on one object per entry, and how it reads in the
 * GrantReport notation ("SELECT ON shop.orders (customer_id, id)", "SELECT ON shop.*", "GLOBAL FILE", "ROLE dba").
 */

export const readPrivileges = ['SELECT'] as const;
export const writePrivileges = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

export type Held =
  | { level: 'global'; privilege: string }
  | { level: 'role'; role: string }
  /** `database` is the name unescaped; `wildcard` when the stored name is a pattern (unescaped % or _). */
  | { level: 'database'; privilege: string; database: string; wildcard: boolean; stored: string }
  | { level: 'table'; privilege: string; database: string; table: string }
  | { level: 'column'; privilege: string; database: string; table: string; column: string };

/**
 * Anything but SELECT, INSERT, UPDATE or DELETE on `database` or its tables: global privileges, roles, GRANT
 * OPTION, other databases, wildcard database grants. What audit reports, and what the admin cannot revoke one by one.
 */
export function outsideDatabaseDml(held: Held, database: string): boolean {
  if (held.level === 'global' || held.level === 'role') return true;
  if (held.level === 'database' && held.wildcard) return true;
  return held.database !== database || !(writePrivileges as readonly string[]).includes(held.privilege);
}

/** A key that is equal for two entries exactly when they grant the same thing. */
export function heldKey(held: Held): string {
  switch (held.level) {
    case 'global':
      return `global|${held.privilege}`;
    case 'role':
      return `role|${held.role}`;
    case 'database':
      return `database|${held.privilege}|${held.database}|${held.wildcard}`;
    case 'table':
      return `table|${held.privilege}|${held.database}|${held.table}`;
    case 'column':
      return `column|${held.privilege}|${held.database}|${held.table}|${held.column}`;
  }
}

/** Entries of `from` that `other` does not hold. */
export function without(from: readonly Held[], other: readonly Held[]): Held[] {
  const keys = new Set(other.map(heldKey));
  return from.filter((held) => !keys.has(heldKey(held)));
}

export function uniqueHeld(held: readonly Held[]): Held[] {
  return [...new Map(held.map((h) => [heldKey(h), h])).values()];
}

/** The sorted notation of a set of entries; column entries of one privilege on one table are listed together. */
export function notation(held: readonly Held[]): string[] {
  const columnsByObject = new Map<string, string[]>();
  const lines = new Set<string>();
  for (const entry of held) {
    if (entry.level !== 'column') {
      lines.add(describeHeld(entry));
      continue;
    }
    const object = `${entry.privilege} ON ${entry.database}.${entry.table}`;
    columnsByObject.set(object, [...(columnsByObject.get(object) ?? []), entry.column]);
  }
  for (const [object, columns] of columnsByObject) lines.add(`${object} (${[...new Set(columns)].sort().join(', ')})`);
  return [...lines].sort();
}

function describeHeld(held: Exclude<Held, { level: 'column' }>): string {
  switch (held.level) {
    case 'global':
      return `GLOBAL ${held.privilege}`;
    case 'role':
      return `ROLE ${held.role}`;
    case 'database':
      return held.wildcard ? `${held.privilege} ON ${held.stored}.* (wildcard)` : `${held.privilege} ON ${held.database}.*`;
    case 'table':
      return `${held.privilege} ON ${held.database}.${held.table}`;
  }
}

/**
 * A database name as stored in mysql.db, where `_` and `%` are wildcards unless escaped with a backslash.
 * `name` drops the escapes; `wildcard` says whether an unescaped wildcard remains.
 */
export function parseStoredDatabase(stored: string): { name: string; wildcard: boolean } {
  let name = '';
  let wildcard = false;
  for (let i = 0; i < stored.length; i++) {
    const char = stored[i] ?? '';
    if (char === '\\' && i + 1 < stored.length) {
      name += stored[++i] ?? '';
      continue;
    }
    if (char === '_' || char === '%') wildcard = true;
    name += char;
  }
  return { name, wildcard };
}

/** Whether a stored database name (`_` one character, `%` any, a backslash escapes) matches `name`, as the server compares. */
export function storedPatternMatches(stored: string, name: string): boolean {
  let source = '';
  for (let i = 0; i < stored.length; i++) {
    const char = stored[i] ?? '';
    if (char === '\\' && i + 1 < stored.length) source += escapeRegExp(stored[++i] ?? '');
    else source += char === '%' ? '.*' : char === '_' ? '.' : escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, 'is').test(name);
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The spelling of a database name for a database-level GRANT that matches that database only. */
export function literalDatabasePattern(database: string): string {
  return database.replace(/[\\_%]/g, (char) => `\\${char}`);
}

/** Privilege name from a mysql.db column such as Create_tmp_table_priv. */
export function privilegeOfDbColumn(column: string): string {
  const base = column.replace(/_priv$/i, '');
  const special: Record<string, string> = {
    Grant: 'GRANT OPTION',
    Create_tmp_table: 'CREATE TEMPORARY TABLES',
    Delete_history: 'DELETE HISTORY',
  };
  return special[base] ?? base.replace(/_/g, ' ').toUpperCase();
}

/** Privilege names from a tables_priv / columns_priv SET value such as "Select,Insert,Grant". */
export function privilegesOfSet(value: string): string[] {
  const special: Record<string, string> = { GRANT: 'GRANT OPTION', 'DELETE VERSIONING ROWS': 'DELETE HISTORY' };
  return value
    .split(',')
    .map((item) => item.trim().toUpperCase())
    .filter((item) => item !== '')
    .map((item) => special[item] ?? item);
}

/**
 * What SHOW GRANTS FOR says about global privileges and roles. Object grants are read from the mysql tables;
 * PROXY grants are left out (REVOKE ALL keeps them, and only accounts such as root have them).
 */
export interface ShowGrantsSummary {
  global: string[];
  roles: string[];
}

/** Parses SHOW GRANTS lines of MySQL 8 ("GRANT `r`@`%` TO ...") and MariaDB ("GRANT `r` TO ..."). */
export function parseShowGrants(lines: readonly string[]): ShowGrantsSummary {
  const summary: ShowGrantsSummary = { global: [], roles: [] };
  for (const line of lines) {
    const text = line.replace(/'(?:[^'\\]|\\.)*'/g, "''");
    const global = /^GRANT (.+?) ON \*\.\* TO /.exec(text);
    if (global?.[1] !== undefined) {
      summary.global.push(...globalPrivileges(global[1], / WITH GRANT OPTION\b/.test(text)));
    } else if (!/^GRANT PROXY ON /.test(text)) {
      const role = /^GRANT (.+?) TO /.exec(text);
      if (role?.[1] !== undefined && !role[1].includes(' ON ')) summary.roles.push(...roleNames(role[1]));
    }
  }
  return summary;
}

function globalPrivileges(list: string, withGrantOption: boolean): string[] {
  const privileges = list
    .split(',')
    .map((item) => item.trim().replace(/\s+/g, ' ').toUpperCase())
    .filter((item) => item !== '' && item !== 'USAGE');
  return withGrantOption ? [...privileges, 'GRANT OPTION'] : privileges;
}

function roleNames(list: string): string[] {
  const names: string[] = [];
  for (const match of list.matchAll(/`((?:[^`]|``)*)`(?:@`(?:[^`]|``)*`)?/g)) {
    if (match[1] !== undefined) names.push(match[1].replace(/``/g, '`'));
  }
  return names;
}
