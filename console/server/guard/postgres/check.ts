import { isCatalogType } from '../functions.js';
import { reject } from '../rejection.js';
import { policyCovers } from '../scope.js';
import { postgresDefaultSchema, type Accepted, type GuardPolicy, type StatementKind } from '../types.js';
import { grammarFunction, isAllowedPostgresFunction, isSetReturning, setReturningNames } from './functions.js';
import { ddlStatement, expressionNodes, refusedNodes, statementNames, writeNodes } from './nodes.js';
import type { Fields } from './parse.js';

type Scope = ReadonlySet<string>;

const systemSchemas = /^(pg_catalog|information_schema|pg_toast|pg_temp.*|pg_toast_temp.*)$/;
/** Fields of a SELECT; any other is a clause this checker does not know, and refused. */
const selectFields = new Set(['distinctClause', 'intoClause', 'targetList', 'fromClause', 'whereClause', 'groupClause',
  'groupDistinct', 'havingClause', 'windowClause', 'valuesLists', 'sortClause', 'limitOffset', 'limitCount', 'limitOption',
  'lockingClause', 'withClause', 'op', 'all', 'larg', 'rarg']);
const writeFields: Record<'insert' | 'update' | 'delete', ReadonlySet<string>> = {
  insert: new Set(['relation', 'cols', 'selectStmt', 'onConflictClause', 'returningClause', 'withClause', 'override']),
  update: new Set(['relation', 'targetList', 'whereClause', 'fromClause', 'returningClause', 'withClause']),
  delete: new Set(['relation', 'usingClause', 'whereClause', 'returningClause', 'withClause']),
};
const writeKinds: Record<string, 'insert' | 'update' | 'delete'> = { InsertStmt: 'insert', UpdateStmt: 'update', DeleteStmt: 'delete' };
/** CURRENT_DATE and its kin; CURRENT_USER, SESSION_USER, CURRENT_SCHEMA, ... are refused like other session facts. */
const timeValueFunctions = /^SVFOP_(CURRENT_DATE|CURRENT_TIME|CURRENT_TIME_N|CURRENT_TIMESTAMP|CURRENT_TIMESTAMP_N|LOCALTIME|LOCALTIME_N|LOCALTIMESTAMP|LOCALTIMESTAMP_N)$/;
const lockingNames: Record<string, string> = {
  LCS_FORKEYSHARE: 'FOR KEY SHARE', LCS_FORSHARE: 'FOR SHARE', LCS_FORNOKEYUPDATE: 'FOR NO KEY UPDATE', LCS_FORUPDATE: 'FOR UPDATE',
};
/** Deeper trees are refused: no analytical query nests this far, and a deep one costs the walk its stack. */
const maxDepth = 600;

/**
 * Walks one PostgreSQL statement, as PostgreSQL's own parser read it (libpg-query), and decides whether the
 * policy allows it: the statement kind, every node type, every function, every table by scope.
 */
export class PostgresChecker {
  private readonly tables = new Set<string>();
  private depth = 0;

  constructor(private readonly policy: GuardPolicy, private readonly sql: string) {}

  check(root: Fields): Accepted {
    const [type, node] = unwrap(root);
    const kind = this.statement(type, node, new Set(), false);
    return { sql: this.sql, kind, tables: [...this.tables].sort() };
  }

  private statement(type: string, node: Fields, scope: Scope, nested: boolean): StatementKind {
    if (type === 'SelectStmt') {
      this.select(node, scope);
      return 'select';
    }
    const kind = writeKinds[type];
    if (kind || type === 'MergeStmt') {
      const name = (kind ?? 'merge').toUpperCase();
      if (nested) {
        reject('nested_write', `${name} inside another statement (a data-modifying WITH, e.g. WITH d AS (${name} ... RETURNING ...)) ` +
          'is not allowed: the console runs one statement whose effect the guard can see.');
      }
      if (this.policy.access !== 'read-write') reject('read_only', `This policy is read-only: only SELECT statements are allowed, not ${name}.`);
      if (!kind) reject('statement', 'MERGE statements are not allowed; write an INSERT, UPDATE or DELETE.');
      this.write(kind, node, scope);
      return kind;
    }
    if (ddlStatement.test(type) || type === 'CreateTableAsStmt') {
      reject('ddl', `${ddlName(type)} statements (DDL and privileges) are never allowed through the console.`);
    }
    const name = statementNames[type];
    return reject('statement', `${name ? `${name} statements are` : `This kind of statement (${type.replace(/Stmt$/, '')}) is`} not allowed; ` +
      `the console runs ${this.policy.access === 'read-write' ? 'SELECT, INSERT, UPDATE and DELETE' : 'SELECT'} statements only.`);
  }

  private select(node: Fields, outer: Scope): void {
    for (const key of Object.keys(node)) {
      if (!selectFields.has(key)) reject('unsupported', `The clause "${key}" is not supported by the console.`);
    }
    if (node.intoClause !== undefined) reject('select_into', 'SELECT ... INTO is not allowed: it creates a table.');
    if (node.lockingClause !== undefined) {
      const strength = (node.lockingClause as Fields[]).map((c) => lockingNames[String((c.LockingClause as Fields | undefined)?.strength)]).find(Boolean);
      reject('locking_read', `Locking reads (${strength ?? 'FOR UPDATE, FOR SHARE'}) are not allowed: they take row locks that writers wait for.`);
    }
    const scope = this.withClause(node.withClause, outer);
    if (node.op !== undefined && node.op !== 'SETOP_NONE') {
      // UNION, INTERSECT, EXCEPT: both sides are SELECTs in the same scope.
      this.select(node.larg as Fields, scope);
      this.select(node.rarg as Fields, scope);
    }
    for (const key of ['fromClause', 'distinctClause', 'targetList', 'whereClause', 'groupClause', 'havingClause', 'windowClause',
      'valuesLists', 'sortClause', 'limitOffset', 'limitCount']) {
      this.visit(node[key], scope);
    }
  }

  /** Checks each CTE's body in the scope it sees, and returns the scope of the statement that follows. */
  private withClause(value: unknown, outer: Scope): Scope {
    if (value === undefined) return outer;
    const clause = value as Fields;
    const recursive = clause.recursive === true;
    let scope = new Set(outer);
    for (const item of (clause.ctes ?? []) as Fields[]) {
      const [type, cte] = unwrap(item);
      if (type !== 'CommonTableExpr' || typeof cte.ctename !== 'string') reject('unsupported', 'Unsupported WITH clause.');
      const name = cte.ctename;
      // A non-recursive CTE does not see itself: a same-named table in its body is the real table.
      const bodyScope = recursive ? new Set([...scope, name]) : scope;
      const [bodyType, body] = unwrap(cte.ctequery as Fields);
      if (writeKinds[bodyType] || bodyType === 'MergeStmt') {
        const verb = (writeKinds[bodyType] ?? 'merge').toUpperCase();
        reject('nested_write', `WITH ${name} AS (${verb} ...) is a data-modifying CTE; it is not allowed, even on read-write policies: ` +
          'the console runs one statement whose effect the guard can see.');
      }
      this.statement(bodyType, body, bodyScope, true);
      this.visit(cte.search_clause, bodyScope);
      this.visit(cte.cycle_clause, bodyScope);
      scope = new Set([...scope, name]);
    }
    return scope;
  }

  /** INSERT, UPDATE or DELETE on a read-write policy: the target and every table read must be the policy's. */
  private write(kind: 'insert' | 'update' | 'delete', node: Fields, outer: Scope): void {
    for (const key of Object.keys(node)) {
      if (!writeFields[kind].has(key)) reject('unsupported', `The clause "${key}" of ${kind.toUpperCase()} is not supported by the console.`);
    }
    const scope = this.withClause(node.withClause, outer);
    this.table(node.relation as Fields, scope, true);
    for (const key of ['cols', 'selectStmt', 'targetList', 'fromClause', 'usingClause', 'whereClause', 'onConflictClause', 'returningClause']) {
      this.visit(node[key], scope, true);
    }
  }

  /** Every other part of the tree. `write` allows the node types of INSERT/UPDATE/DELETE. */
  private visit(value: unknown, scope: Scope, write = false): void {
    if (Array.isArray(value)) {
      for (const v of value) this.visit(v, scope, write);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    if (++this.depth > maxDepth) reject('too_complex', 'The statement nests too deeply; split it into simpler parts (for example with WITH).');
    try {
      const fields = value as Fields;
      const keys = Object.keys(fields);
      const only = keys.length === 1 ? keys[0]! : undefined;
      if (only !== undefined && /^[A-Z]/.test(only)) this.node(only, fields[only] as Fields, scope, write);
      else this.struct(fields, scope, write);
    } finally {
      this.depth--;
    }
  }

  /** A typed field's struct (an alias, a type name, a window definition, ...): its fields are walked. */
  private struct(fields: Fields, scope: Scope, write: boolean): void {
    if ('relname' in fields) reject('unsupported', 'A table reference in an unexpected place is not supported by the console.');
    for (const [key, v] of Object.entries(fields)) {
      if (key === 'typeName') this.typeName(v as Fields);
      this.visit(v, scope, write);
    }
  }

  private node(type: string, node: Fields, scope: Scope, write: boolean): void {
    switch (type) {
      case 'SelectStmt':
      case 'InsertStmt':
      case 'UpdateStmt':
      case 'DeleteStmt':
      case 'MergeStmt':
        this.statement(type, node, scope, true);
        return;
      case 'RangeVar':
        this.table(node, scope, false);
        return;
      case 'FuncCall':
        this.functionCall(node);
        break;
      case 'RangeFunction':
        this.rangeFunction(node);
        break;
      case 'RangeTableSample':
        this.tableSample(node);
        break;
      case 'TypeCast':
      case 'TypeName':
        this.typeName(type === 'TypeName' ? node : (node.typeName as Fields));
        break;
      case 'A_Expr':
        this.operator(node.name);
        break;
      case 'SubLink':
        this.operator(node.operName);
        break;
      case 'SQLValueFunction':
        if (!timeValueFunctions.test(String(node.op))) {
          reject('function', `${String(node.op).replace(/^SVFOP_/, '')} is not allowed: console queries may not read facts about the session.`);
        }
        return;
      default: {
        const refused = refusedNodes[type];
        if (refused) reject(refused.rule, refused.message);
        if (!expressionNodes.has(type) && !(write && writeNodes.has(type))) {
          reject('unsupported', `The construct ${type} is not supported by the console.`);
        }
      }
    }
    this.struct(node, scope, write);
  }

  private functionCall(node: Fields): void {
    const name = functionName(node.funcname);
    if (name === undefined) reject('function', `Schema-qualified function calls (${qualifiedName(node.funcname)}) are not allowed; call the function by its name.`);
    if (!isAllowedPostgresFunction(name)) rejectFunction(name);
  }

  /** A function in FROM (alone, in ROWS FROM, LATERAL): only the allowed set-returning functions. */
  private rangeFunction(node: Fields): void {
    for (const item of (node.functions ?? []) as Fields[]) {
      const call = ((item.List as Fields | undefined)?.items as Fields[] | undefined)?.[0]?.FuncCall as Fields | undefined;
      if (!call) continue;
      const name = functionName(call.funcname);
      if (name === undefined || !isSetReturning(name)) {
        reject('table_function', `The table function ${name ?? qualifiedName(call.funcname)}() is not allowed in FROM; ` +
          `the set-returning functions a console query may call are ${setReturningNames}.`);
      }
    }
  }

  private tableSample(node: Fields): void {
    const method = ((node.method ?? []) as Fields[]).map((m) => (m.String as Fields | undefined)?.sval).join('.');
    if (method !== 'system' && method !== 'bernoulli') {
      reject('tablesample', `TABLESAMPLE ${method.toUpperCase()} is not allowed; use TABLESAMPLE SYSTEM or BERNOULLI.`);
    }
  }

  private typeName(typeName: Fields | undefined): void {
    const names = nameParts(typeName?.names);
    const last = names[names.length - 1] ?? '';
    if (isCatalogType(last)) reject('catalog', `Casts to ${last} read the system catalogs and are not allowed.`);
    if (typeName?.pct_type === true || typeName?.setof === true) reject('unsupported', 'This type syntax is not supported by the console.');
  }

  /** Operators by name only: OPERATOR(schema.op) could call any function of that schema. */
  private operator(name: unknown): void {
    if (Array.isArray(name) && name.length > 1) {
      reject('operator', `Schema-qualified operators (OPERATOR(${qualifiedName(name)})) are not allowed; write the operator alone.`);
    }
  }

  /** A table reference: resolved to schema.table and checked against the policy, unless it names a CTE in scope. */
  private table(node: Fields, scope: Scope, target: boolean): void {
    const table = typeof node.relname === 'string' ? node.relname : '';
    const schema = typeof node.schemaname === 'string' ? node.schemaname : undefined;
    const database = typeof node.catalogname === 'string' ? node.catalogname : undefined;
    if (schema === undefined) {
      if (!target && scope.has(table)) return;
      // pg_catalog comes first in every search path: an unqualified pg_* name is a catalog.
      if (table.startsWith('pg_')) reject('catalog', `The system catalog ${table} is not allowed.`);
    }
    if (database !== undefined && database !== this.policy.database) {
      reject('table', `The database ${database} is not this policy's database (${this.policy.database}).`);
    }
    const resolved = schema ?? postgresDefaultSchema;
    if (systemSchemas.test(resolved)) reject('catalog', `System catalogs (${resolved}.${table}) are not allowed.`);
    if (!policyCovers('postgres', this.policy, resolved, table)) reject('table', `The table ${resolved}.${table} is not part of this policy.`);
    this.tables.add(`${resolved}.${table}`);
    this.visit(node.alias, scope);
  }
}

/** The one key of a wrapped node and its fields. */
function unwrap(wrapped: Fields | undefined): [string, Fields] {
  const keys = wrapped ? Object.keys(wrapped) : [];
  const type = keys.length === 1 ? keys[0]! : '';
  const node = wrapped?.[type];
  return [type, typeof node === 'object' && node !== null ? (node as Fields) : {}];
}

function nameParts(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((n) => {
    const sval = ((n as Fields).String as Fields | undefined)?.sval;
    return typeof sval === 'string' ? sval : '?';
  });
}

function qualifiedName(list: unknown): string {
  return nameParts(list).join('.');
}

/** The name of a call to check: unqualified, or qualified only where the grammar writes pg_catalog itself. */
function functionName(list: unknown): string | undefined {
  const parts = nameParts(list);
  if (parts.length === 1) return parts[0];
  if (parts.length === 2) return grammarFunction(parts[0]!, parts[1]!);
  return undefined;
}

function rejectFunction(name: string): never {
  return reject('function', `The function ${name}() is not allowed: console queries may call only side-effect-free ` +
    'aggregate, window, math, text, date/time, JSON and set-returning functions (generate_series, unnest, ...).');
}

function ddlName(type: string): string {
  return type.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}
