import mysqlGrammar from 'node-sql-parser/build/mysql.js';
import postgresGrammar from 'node-sql-parser/build/postgresql.js';
import { GuardRejected } from '../errors.js';
import { PreviewUnsupported } from '../writes/errors.js';
import { guard } from './index.js';
import { scan } from './lexer.js';
import { parse, type Node } from './parse.js';
import { postgresDefaultSchema, type Accepted, type Dialect, type GuardOptions, type TableName } from './types.js';

/**
 * What a write previews against: its one target table, and read-only SELECTs of its rows derived from the
 * parsed statement. The write itself always runs as the guard accepted it; these statements only read, so a
 * derivation that drifted could make a preview's sample wrong, never change what the write does (its row
 * count always comes from the write itself). Every derived SELECT that carries parts of the statement passes
 * the guard again (as a read-only statement over the same tables) before it is used.
 */
export interface WriteTarget {
  kind: 'insert' | 'update' | 'delete';
  dialect: Dialect;
  /** The target table, resolved as the guard resolves it (PostgreSQL: case-folded; unqualified: public / the database). */
  table: TableName;
  /**
   * The rows an UPDATE or DELETE would change (undefined for INSERT), with these columns, ordered by `order`
   * (then any ORDER BY of the statement itself, MySQL), at most `limit` rows; `lock` adds FOR UPDATE.
   */
  targetRows(columns: readonly string[], order: readonly string[], limit: number, lock: boolean): string | undefined;
  /** PostgreSQL: the table's rows that the current transaction wrote (inserted or updated). */
  writtenRows(columns: readonly string[], order: readonly string[], limit: number): string;
  /** The rows with these key values, `count` tuples of parameters (`$n` on PostgreSQL, `?` on MySQL). */
  rowsByKey(columns: readonly string[], key: readonly string[], count: number): string;
}

const parsers = { postgres: new postgresGrammar.Parser(), mysql: new mysqlGrammar.Parser() } satisfies Record<Dialect, unknown>;
/** node-sql-parser's names for the dialects (its spelling). */
const databases = { postgres: 'PostgresQL', mysql: 'MySQL' } as const satisfies Record<Dialect, string>;
/** Each engine's identifier quote; a quote inside a name is doubled. */
const identifierQuotes = { postgres: '"', mysql: '`' } as const satisfies Record<Dialect, string>;
/** Stands for the column list in a sqlify'd SELECT; replaced by names quoted here (sqlify does not escape quotes in names). */
const columnsMarker = 'dbwarden_preview_columns';

/** A name quoted by the engine's rules: the quote character doubled inside. */
export function quoteName(dialect: Dialect, name: string): string {
  const quote = identifierQuotes[dialect];
  return `${quote}${name.replaceAll(quote, quote + quote)}${quote}`;
}

/** The write's target and the SELECTs of its rows; throws PreviewUnsupported for writes the preview cannot follow. */
export function writeTarget(accepted: Accepted, options: GuardOptions): WriteTarget {
  if (accepted.kind === 'select') throw new PreviewUnsupported('A SELECT changes nothing; there is nothing to preview.');
  const { dialect } = options;
  const scanned = scan(accepted.sql, dialect, Number.MAX_SAFE_INTEGER);
  // sqlify writes names between quotes without escaping quotes inside them: such names are not previewed.
  if (dialect === 'postgres' ? [...scanned.quoted].some((n) => n.includes('"')) : accepted.sql.includes('``')) {
    throw new PreviewUnsupported('Names containing quote characters are not supported in previewed writes; rename or alias them.');
  }
  const fold = (name: string): string => (dialect === 'postgres' && !scanned.quoted.has(name) ? name.toLowerCase() : name);
  const root = parse(accepted.sql, dialect)[0]!;
  if (dialect === 'postgres') foldNames(root, fold);
  const kind = accepted.kind;

  const targets = (Array.isArray(root.table) ? root.table : [root.table]) as Node[];
  const ref = targets[0];
  if (targets.length !== 1 || !ref || typeof ref.table !== 'string' || ref.join) {
    throw new PreviewUnsupported(`This ${kind.toUpperCase()} names several tables; previewed writes change one table at a time ` +
      '(select the rows with a subquery in WHERE instead of a join).');
  }
  const table = resolveTable(ref, dialect, options.policy.database);
  const alias = typeof ref.as === 'string' && ref.as !== '' ? ref.as : undefined;
  const qualifier = alias ?? table.name;
  const q = (name: string): string => quoteName(dialect, name);
  const qualifiedTable = `${q(table.schema)}.${q(table.name)}`;
  const list = (columns: readonly string[], prefix?: string): string => columns.map((c) => (prefix ? `${q(prefix)}.${q(c)}` : q(c))).join(', ');

  /** The statement's FROM / USING items other than its target (PostgreSQL UPDATE ... FROM). */
  let extraFrom: Node[] = [];
  if (kind !== 'insert') {
    const from = (Array.isArray(root.from) ? root.from : root.from ? [root.from] : []) as Node[];
    // node-sql-parser lists a DELETE's target in `from` too.
    extraFrom = kind === 'delete' ? from.filter((f) => !sameRef(f, ref)) : from;
    if (extraFrom.length > 0 && (dialect !== 'postgres' || kind !== 'update')) {
      throw new PreviewUnsupported(`This ${kind.toUpperCase()} reads other tables in FROM/USING; previewed writes change one table ` +
        'at a time (select the rows with a subquery in WHERE instead).');
    }
  }
  const orderby = Array.isArray(root.orderby) ? root.orderby as Node[] : [];
  const statementLimit = limitOf(root.limit);

  return {
    kind,
    dialect,
    table,
    targetRows(columns, order, limit, lock) {
      if (kind === 'insert') return undefined;
      let where = (root.where ?? null) as Node | null;
      if (extraFrom.length > 0) where = exists(extraFrom, where);
      const select: Node = {
        type: 'select', with: root.with ?? null, options: null, distinct: null,
        columns: [{ expr: { type: 'column_ref', table: null, column: columnsMarker }, as: null }],
        into: { position: null }, from: [{ db: table.schema, table: table.name, as: alias ?? null }], where,
        groupby: null, having: null, orderby: null, limit: null, window: null,
      };
      const text = parsers[dialect].sqlify(select as never, { database: databases[dialect] });
      const marker = dialect === 'postgres' ? `"${columnsMarker}"` : `\`${columnsMarker}\``;
      if (text.split(marker).length !== 2) throw new PreviewUnsupported('The rows this write changes could not be selected for a preview.');
      const statementOrder = orderby.map((o) => `${parsers[dialect].exprToSQL(o.expr as never, { database: databases[dialect] })} ${o.type === 'DESC' ? 'DESC' : 'ASC'}`);
      const tail = (keys: readonly string[]): string => {
        const ordering = [...statementOrder, ...keys.map((c) => `${q(qualifier)}.${q(c)}`)];
        return `${ordering.length > 0 ? ` ORDER BY ${ordering.join(', ')}` : ''} ` +
          `LIMIT ${Math.max(1, Math.min(Math.trunc(limit), statementLimit ?? Number.MAX_SAFE_INTEGER))}`;
      };
      // What comes from the statement passes the guard again; the column names added after come from the
      // catalog, quoted here (the guard takes no quoted names in expressions).
      checkDerived(text.replace(marker, '1') + tail([]), accepted, options);
      const derived = text.replace(marker, () => list(columns, qualifier)) + tail(order);
      return lock ? `${derived} FOR UPDATE` : derived;
    },
    writtenRows(columns, order, limit) {
      if (dialect !== 'postgres') throw new Error('writtenRows is PostgreSQL only');
      // xmin is the transaction that wrote a row version; txid_current() (with its epoch) reduced to 32 bits is this one.
      return `SELECT ${list(columns)} FROM ${qualifiedTable} WHERE xmin::text::bigint = txid_current() % 4294967296` +
        `${order.length > 0 ? ` ORDER BY ${list(order)}` : ''} LIMIT ${Math.max(1, Math.trunc(limit))}`;
    },
    rowsByKey(columns, key, count) {
      let n = 0;
      const param = (): string => (dialect === 'postgres' ? `$${++n}` : '?');
      const tuples = Array.from({ length: Math.max(1, count) }, () => `(${key.map(param).join(', ')})`);
      return `SELECT ${list(columns)} FROM ${qualifiedTable} WHERE (${list(key)}) IN (${tuples.join(', ')}) ORDER BY ${list(key)}`;
    },
  };
}

/** The table a write targets, resolved as the guard resolves table references. */
function resolveTable(ref: Node, dialect: Dialect, database: string): TableName {
  const name = ref.table as string;
  if (dialect === 'mysql') return { schema: typeof ref.db === 'string' && ref.db !== '' ? ref.db : database, name };
  const threePart = typeof ref.schema === 'string' && ref.schema !== '';
  const schema = threePart ? ref.schema as string : (typeof ref.db === 'string' && ref.db !== '' ? ref.db : postgresDefaultSchema);
  return { schema, name };
}

/**
 * PostgreSQL folds unquoted names to lower case; sqlify quotes every table name and alias it writes, so they
 * are folded here first (as the guard does), or `FROM Orders` would become `FROM "Orders"`.
 */
function foldNames(value: unknown, fold: (name: string) => string): void {
  if (Array.isArray(value)) {
    for (const v of value) foldNames(v, fold);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const node = value as Node;
  const isTableRef = typeof node.table === 'string' && node.type === undefined && ('as' in node || 'db' in node);
  if (isTableRef || node.type === 'column_ref') {
    for (const key of ['table', 'db', 'schema', 'as'] as const) {
      if (typeof node[key] === 'string' && node[key] !== '') node[key] = fold(node[key]);
    }
  }
  const cteName = node.name as Node | undefined;
  if (node.stmt && cteName && typeof cteName === 'object' && typeof cteName.value === 'string') cteName.value = fold(cteName.value);
  for (const [key, v] of Object.entries(node)) if (key !== 'loc') foldNames(v, fold);
}

function sameRef(a: Node, b: Node): boolean {
  return a.table === b.table && (a.db ?? null) === (b.db ?? null) && (a.as ?? null) === (b.as ?? null);
}

/** A MySQL UPDATE/DELETE ... LIMIT n; an OFFSET or anything but a number is not previewed. */
function limitOf(limit: unknown): number | undefined {
  const values = (limit as Node | null | undefined)?.value;
  if (!Array.isArray(values) || values.length === 0) return undefined;
  const first = values[0] as Node | undefined;
  if (values.length > 1 || first?.type !== 'number' || typeof first.value !== 'number') {
    throw new PreviewUnsupported('Only LIMIT with one number is supported in previewed writes.');
  }
  return first.value;
}

/** `EXISTS (SELECT 1 FROM <from> WHERE <where>)`, in node-sql-parser's own shape for it. */
function exists(from: Node[], where: Node | null): Node {
  return {
    type: 'function', name: { name: [{ type: 'default', value: 'EXISTS' }] },
    args: { type: 'expr_list', value: [{ ast: {
      with: null, type: 'select', options: null, distinct: null, columns: [{ type: 'expr', expr: { type: 'number', value: 1 }, as: null }],
      into: { position: null }, from, where, groupby: null, having: null, orderby: null, limit: null, window: null,
    } }] },
  };
}

/** The derived SELECT must pass the guard as a read-only statement over tables the write already uses. */
function checkDerived(sql: string, accepted: Accepted, options: GuardOptions): void {
  let derived: Accepted;
  try {
    derived = guard(sql, { ...options, policy: { ...options.policy, access: 'read-only' }, maxLength: Number.MAX_SAFE_INTEGER });
  } catch (err) {
    const reason = err instanceof GuardRejected ? err.message : (err as Error).message;
    throw new PreviewUnsupported(`The rows this write changes could not be selected for a preview: ${reason}`);
  }
  const allowed = new Set(accepted.tables);
  if (derived.kind !== 'select' || derived.tables.some((t) => !allowed.has(t))) {
    throw new PreviewUnsupported('The rows this write changes could not be selected for a preview.');
  }
}
