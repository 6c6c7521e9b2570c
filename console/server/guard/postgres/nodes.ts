/**
 * The node types of libpg-query's AST a console query may contain, beyond those the checker treats on their
 * own (statements, table references, function calls, casts, CTEs). The checker walks into every field of
 * these. Any node type not named here or there is refused, so whatever a future parser version adds is
 * refused until reviewed.
 */
export const expressionNodes = new Set([
  // literals and names
  'A_Const', 'ColumnRef', 'A_Star', 'String', 'Integer', 'Float', 'Boolean', 'BitString', 'List',
  // operators and expressions
  'BoolExpr', 'NullTest', 'BooleanTest', 'CaseExpr', 'CaseWhen', 'CoalesceExpr', 'MinMaxExpr', 'RowExpr',
  'A_ArrayExpr', 'A_Indirection', 'A_Indices', 'CollateClause', 'SubLink',
  // select list, ordering, grouping, windows
  'ResTarget', 'SortBy', 'WindowDef', 'GroupingSet', 'GroupingFunc',
  // FROM items that only combine or wrap others (the tables inside are checked on their own)
  'JoinExpr', 'RangeSubselect', 'ColumnDef',
  // SQL/JSON syntax (JSON_OBJECT, JSON_ARRAY, IS JSON, JSON_VALUE, JSON_QUERY, JSON_EXISTS, JSON_ARRAYAGG, ...)
  'JsonIsPredicate', 'JsonObjectConstructor', 'JsonArrayConstructor', 'JsonArrayQueryConstructor', 'JsonKeyValue',
  'JsonValueExpr', 'JsonFuncExpr', 'JsonOutput', 'JsonReturning', 'JsonFormat', 'JsonBehavior', 'JsonObjectAgg',
  'JsonArrayAgg', 'JsonAggConstructor', 'JsonScalarExpr', 'JsonSerializeExpr', 'JsonParseExpr',
]);

/** Node types of INSERT, UPDATE and DELETE, for read-write policies. */
export const writeNodes = new Set(['MultiAssignRef', 'SetToDefault', 'InferClause', 'IndexElem']);

/** Constructs PostgreSQL reads that the console refuses by name, with the reason a person is told. */
export const refusedNodes: Record<string, { rule: string; message: string }> = {
  ParamRef: { rule: 'variable', message: 'Parameters ($1, $2, ...) are not allowed; write the values into the statement.' },
  XmlExpr: { rule: 'unsupported', message: 'XML functions are not allowed in console queries.' },
  XmlSerialize: { rule: 'unsupported', message: 'XMLSERIALIZE is not allowed in console queries.' },
  RangeTableFunc: { rule: 'table_function', message: 'XMLTABLE is not allowed in FROM.' },
  JsonTable: { rule: 'table_function', message: 'JSON_TABLE is not allowed in FROM; use jsonb_to_recordset, jsonb_array_elements or jsonb_each.' },
  CurrentOfExpr: { rule: 'unsupported', message: 'WHERE CURRENT OF needs a cursor, which the console does not open.' },
  MergeSupportFunc: { rule: 'unsupported', message: 'merge_action() belongs to MERGE, which the console does not run.' },
};

/** Statements other than SELECT, INSERT, UPDATE and DELETE, by node type, named as a person writes them. */
export const statementNames: Record<string, string> = {
  VariableSetStmt: 'SET and RESET', VariableShowStmt: 'SHOW', TransactionStmt: 'Transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ...)',
  CopyStmt: 'COPY', DoStmt: 'DO', CallStmt: 'CALL', ExplainStmt: 'EXPLAIN', LockStmt: 'LOCK', DiscardStmt: 'DISCARD',
  PrepareStmt: 'PREPARE', ExecuteStmt: 'EXECUTE', DeallocateStmt: 'DEALLOCATE', ListenStmt: 'LISTEN', UnlistenStmt: 'UNLISTEN',
  NotifyStmt: 'NOTIFY', LoadStmt: 'LOAD', VacuumStmt: 'VACUUM and ANALYZE', DeclareCursorStmt: 'DECLARE CURSOR',
  FetchStmt: 'FETCH and MOVE', ClosePortalStmt: 'CLOSE', CheckPointStmt: 'CHECKPOINT', ReindexStmt: 'REINDEX', ClusterStmt: 'CLUSTER',
  MergeStmt: 'MERGE', ConstraintsSetStmt: 'SET CONSTRAINTS', VariableResetStmt: 'RESET',
};

/** DDL and privileges, by node type: never through the console. */
export const ddlStatement = /^(Create|Alter|Drop|Grant|Revoke|Rename|Comment|Truncate|Reassign|Sec|Import|Refresh|Define|Composite|View|Rule|Index)/;
