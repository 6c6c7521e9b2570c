import { isAllowedFunction, isCatalogType } from './functions.js';
import type { Scanned } from './lexer.js';
import type { Node } from './parse.js';
import { reject } from './rejection.js';
import { foldsUnquotedNames, tableResolvers } from './tables.js';
import type { Accepted, Dialect, GuardPolicy, StatementKind } from './types.js';

/**
 * Node types a console query may contain. Anything else (variables, assignments, statements other than
 * SELECT, and whatever a future parser version adds) is refused.
 */
const expressionTypes = new Set([
  'expr', 'column_ref', 'default', 'origin', 'star', 'number', 'bigint', 'bool', 'null', 'single_quote_string',
  'string', 'date', 'time', 'timestamp', 'datetime', 'binary_expr', 'unary_expr', 'function', 'aggr_func',
  'window_func', 'window', 'case', 'when', 'else', 'cast', 'expr_list', 'interval', 'extract', 'array', 'values',
  'ASC', 'DESC', 'DISTINCT', 'DISTINCT ON', 'ALL', 'dual',
]);
/** Extra node types of INSERT/UPDATE/DELETE, for read-write policies. */
const writeTypes = new Set(['returning', 'conflict', 'column', 'update', 'insert', 'delete']);
/** Keys a SELECT node may have; any other key with a value is an unsupported clause. */
const selectKeys = new Set(['with', 'type', 'options', 'distinct', 'columns', 'into', 'from', 'where', 'groupby',
  'having', 'orderby', 'limit', 'window', '_next', 'set_op', '_limit', 'locking_read', 'collate', 'loc',
  '_parentheses', 'parentheses_symbol']);
/** Keys a FROM item that names a table may have. */
const tableRefKeys = new Set(['db', 'schema', 'table', 'as', 'join', 'on', 'using', 'loc', 'addition', 'prefix']);
/** `= ANY (...)`, `ROW(...)`: syntax the parser reports as function calls. */
const syntaxFunctions = new Set(['any', 'all', 'some', 'row']);

const statementNames: Record<string, string> = {
  create: 'CREATE', alter: 'ALTER', drop: 'DROP', truncate: 'TRUNCATE', rename: 'RENAME', grant: 'GRANT',
  revoke: 'REVOKE', set: 'SET', lock: 'LOCK', unlock: 'UNLOCK', call: 'CALL', do: 'DO', show: 'SHOW', desc: 'DESCRIBE',
  explain: 'EXPLAIN', use: 'USE', transaction: 'Transaction control', load_data: 'LOAD DATA', replace: 'REPLACE',
  exec: 'EXEC', declare: 'DECLARE', deallocate: 'DEALLOCATE', copy: 'COPY', comment: 'COMMENT',
};
const ddl = new Set(['create', 'alter', 'drop', 'truncate', 'rename', 'grant', 'revoke', 'comment']);

type Scope = ReadonlySet<string>;

/** Walks one statement's whole tree and decides whether the policy allows it. */
export class Checker {
  private readonly tables = new Set<string>();
  private readonly checkedRefs = new WeakSet<object>();

  constructor(
    private readonly dialect: Dialect,
    private readonly policy: GuardPolicy,
    private readonly scanned: Scanned,
  ) {}

  check(root: Node): Accepted {
    const kind = this.statement(root, new Set(), false);
    return { sql: this.scanned.sql, kind, tables: [...this.tables].sort() };
  }

  private statement(node: Node, scope: Scope, nested: boolean): StatementKind {
    const type = typeof node.type === 'string' ? node.type : '';
    if (type === 'select') {
      this.select(node, scope);
      return 'select';
    }
    if (type === 'insert' || type === 'update' || type === 'delete') {
      if (nested) reject('nested_write', `${type.toUpperCase()} inside another statement (a writable CTE or subquery) is not allowed.`);
      if (this.policy.access !== 'read-write') reject('read_only', `This policy is read-only: only SELECT statements are allowed, not ${type.toUpperCase()}.`);
      this.write(node, type, scope);
      return type;
    }
    if (ddl.has(type)) reject('ddl', `${statementNames[type]} statements (DDL and privileges) are never allowed through the console.`);
    const name = statementNames[type];
    reject('statement', `${name ? `${name} statements are` : `This kind of statement (${type || 'unknown'}) is`} not allowed; the console runs ` +
      `${this.policy.access === 'read-write' ? 'SELECT, INSERT, UPDATE and DELETE' : 'SELECT'} statements only.`);
  }

  private select(node: Node, outer: Scope): void {
    for (const [key, value] of Object.entries(node)) {
      if (!selectKeys.has(key) && value !== null && value !== undefined) reject('unsupported', `The clause "${key}" is not supported by the console.`);
    }
    const into = node.into as Node | null | undefined;
    if (into && (into.position !== null && into.position !== undefined)) {
      reject('select_into', 'SELECT ... INTO is not allowed: it writes to a table, variables or a file.');
    }
    if (node.locking_read) reject('locking_read', 'Locking reads (FOR UPDATE, FOR SHARE, LOCK IN SHARE MODE) are not allowed.');
    if (node.options !== null && node.options !== undefined && !(Array.isArray(node.options) && node.options.length === 0)) {
      reject('select_options', `SELECT options (${JSON.stringify(node.options)}) are not allowed.`);
    }
    const scope = this.withClause(node.with, outer);
    this.fromItems(node.from, scope);
    for (const key of ['distinct', 'columns', 'where', 'groupby', 'having', 'orderby', 'limit', '_limit', 'window', 'collate', '_next']) {
      this.visit(node[key], scope);
    }
  }

  /** Checks each CTE's body in the scope it sees, and returns the scope of the statement that follows. */
  private withClause(list: unknown, outer: Scope): Scope {
    if (list === null || list === undefined) return outer;
    if (!Array.isArray(list)) return reject('unsupported', 'Unsupported WITH clause.');
    const recursive = list.some((cte) => (cte as Node | null)?.recursive === true);
    let scope = new Set(outer);
    for (const cte of list as Node[]) {
      const nameNode = cte.name as Node | string | undefined;
      const raw = typeof nameNode === 'string' ? nameNode : nameNode?.value;
      if (typeof raw !== 'string') reject('unsupported', 'Unsupported WITH clause.');
      const name = this.identifier(raw);
      // A non-recursive CTE does not see itself: a same-named table in its body is the real table.
      const bodyScope = recursive ? new Set([...scope, name]) : scope;
      const stmt = cte.stmt as Node | undefined;
      const body = (stmt?.ast ?? stmt) as Node | undefined;
      if (!body || typeof body !== 'object') reject('unsupported', `Unsupported WITH clause for ${raw}.`);
      this.statement(body, bodyScope, true);
      this.visit(cte.columns, bodyScope);
      scope = new Set([...scope, name]);
    }
    return scope;
  }

  private fromItems(items: unknown, scope: Scope): void {
    if (items === null || items === undefined) return;
    const list = Array.isArray(items) ? items : [items];
    for (const item of list as Node[]) {
      if (typeof item !== 'object' || item === null) reject('unsupported', 'Unsupported FROM clause.');
      if (item.type === 'dual') continue;
      const expr = item.expr as Node | undefined;
      if (typeof item.table === 'string' && !expr) {
        this.tableRef(item, scope);
      } else if (expr && typeof expr === 'object') {
        if (expr.type === 'function') {
          reject('table_function', `The table function ${functionName(expr) ?? ''}() is not allowed in FROM; read from the policy's tables.`);
        }
        if (expr.ast && typeof expr.ast === 'object') this.statement(expr.ast as Node, scope, true);
        else if (expr.type === 'values') this.visit(expr, scope);
        else reject('unsupported', 'Unsupported FROM item; use the policy\'s tables or a subquery.');
      } else {
        reject('unsupported', 'Unsupported FROM item; use the policy\'s tables or a subquery.');
      }
      this.visit(item.on, scope);
    }
  }

  private tableRef(item: Node, scope: Scope, target = false): void {
    for (const [key, value] of Object.entries(item)) {
      if (!tableRefKeys.has(key) && value !== null && value !== undefined) {
        reject('unsupported', `The table option "${key}" (e.g. TABLESAMPLE, index hints) is not supported by the console.`);
      }
    }
    this.checkedRefs.add(item);
    const table = item.table as string;
    if (table.toUpperCase() === 'ONLY' && typeof item.as === 'string') {
      reject('unsupported', 'FROM ONLY is not supported by the console; name the table alone.');
    }
    const resolved = tableResolvers[this.dialect](item, { policy: this.policy, scope, target, identifier: (name) => this.identifier(name) });
    if (resolved) this.tables.add(resolved);
  }

  /** INSERT, UPDATE or DELETE on a read-write policy: the targets and every table read must be the policy's. */
  private write(node: Node, type: 'insert' | 'update' | 'delete', outer: Scope): void {
    const scope = this.withClause(node.with, outer);
    const targets = (Array.isArray(node.table) ? node.table : [node.table]) as unknown[];
    for (const t of targets) {
      if (!t || typeof t !== 'object' || typeof (t as Node).table !== 'string') reject('unsupported', `Unsupported ${type.toUpperCase()} target.`);
      this.tableRef(t as Node, scope, true);
      this.visit((t as Node).on, scope);
    }
    if (type !== 'insert') this.fromItems(node.from, scope);
    for (const [key, value] of Object.entries(node)) {
      if (['type', 'table', 'from', 'with', 'loc'].includes(key)) continue;
      this.visit(value, scope);
    }
  }

  /** Every other part of the tree: expressions, subqueries, function calls. */
  private visit(value: unknown, scope: Scope): void {
    if (Array.isArray(value)) {
      for (const v of value) this.visit(v, scope);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const node = value as Node;
    if (node.ast && typeof node.ast === 'object') {
      this.statement(node.ast as Node, scope, true);
      return;
    }
    const type = node.type;
    if (type === 'select' || type === 'insert' || type === 'update' || type === 'delete' || (typeof type === 'string' && type in statementNames)) {
      this.statement(node, scope, true);
      return;
    }
    if (typeof node.table === 'string' && type === undefined && !this.checkedRefs.has(node)) {
      reject('unsupported', `Unsupported reference to ${node.table}.`);
    }
    if (typeof type === 'string') this.expression(node, type);
    for (const v of Object.values(node)) this.visit(v, scope);
  }

  private expression(node: Node, type: string): void {
    if (type === 'var' || type === 'param') reject('variable', 'Variables and parameters (@x, @@x, :x, $1) are not allowed.');
    if (type === 'assign') reject('variable', 'Assignments (:=) are not allowed.');
    if (!expressionTypes.has(type) && !(this.policy.access === 'read-write' && writeTypes.has(type))) {
      reject('unsupported', `The construct "${type}" is not supported by the console.`);
    }
    if (type === 'function') {
      const name = functionName(node);
      if (name === undefined) reject('function', 'Schema-qualified or unusual function calls are not allowed.');
      if (!syntaxFunctions.has(name) && !isAllowedFunction(this.dialect, name)) rejectFunction(name);
    } else if (type === 'aggr_func' || type === 'window_func') {
      const name = typeof node.name === 'string' ? node.name.toLowerCase() : undefined;
      if (name === undefined || !isAllowedFunction(this.dialect, name)) rejectFunction(name ?? '?');
    } else if (type === 'cast') {
      for (const target of (Array.isArray(node.target) ? node.target : [node.target]) as (Node | undefined)[]) {
        const dataType = target?.dataType;
        if (typeof dataType === 'string' && isCatalogType(dataType)) reject('catalog', `Casts to ${dataType} read the system catalogs and are not allowed.`);
      }
    }
  }

  /** Unquoted names as the dialect folds them; a double-quoted name keeps its case. */
  private identifier(name: string): string {
    if (!foldsUnquotedNames[this.dialect]) return name;
    if (!this.scanned.quoted.has(name)) return name.toLowerCase();
    if (name !== name.toLowerCase() && this.scanned.words.has(name.toLowerCase())) {
      reject('ambiguous', `The name ${name} appears both quoted and unquoted; write it one way.`);
    }
    return name;
  }
}

/** The lowercased name of a function call, or undefined when it is schema-qualified or unusual. */
function functionName(node: Node): string | undefined {
  const name = node.name as Node | string | undefined;
  if (typeof name === 'string') return name.toLowerCase();
  if (!name || typeof name !== 'object' || name.schema) return undefined;
  const parts = name.name;
  if (!Array.isArray(parts) || parts.length !== 1) return undefined;
  const value = (parts[0] as Node | undefined)?.value;
  return typeof value === 'string' ? value.toLowerCase() : undefined;
}

function rejectFunction(name: string): never {
  return reject('function', `The function ${name}() is not allowed: console queries may call only side-effect-free ` +
    'aggregate, window, math, text, date/time and JSON functions.');
}
