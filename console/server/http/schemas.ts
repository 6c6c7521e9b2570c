import { databaseEngines } from '@dbwarden/api';
import { z } from 'zod';

/** A namespace (DNS label) and a policy name (DNS subdomain), as Kubernetes allows them. */
export const policyParams = z.object({
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'not a namespace name').max(63),
  name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'not an object name').max(253),
});

export const queryRequest = z.strictObject({
  sql: z.string().describe('One SQL statement in the policy\'s dialect (the guard refuses an empty one).'),
  previewToken: z.string().min(1).max(4096).optional().describe('Runs a write (INSERT, UPDATE, DELETE on a read-write policy): the ' +
    'token of its preview, from the 409 preview_required answer to the same statement. Without it a write is only previewed. ' +
    'Ignored for a SELECT.'),
}, {
  error: (issue) => (issue.code === 'unrecognized_keys' && issue.keys.includes('confirm')
    ? '"confirm" is no longer accepted: a write is answered with a preview (409 preview_required) and runs when sent again with "previewToken"'
    : undefined),
}).meta({ id: 'QueryRequest' });

export const askRequest = z.strictObject({
  question: z.string().trim().min(1).max(4000).describe('A question in plain language.'),
  conversationId: z.uuid().optional().describe('Continue this conversation (from an earlier answer); omit to start one.'),
}).meta({ id: 'AskRequest' });

/** What a route answers, as its schema says (the web app derives its types from the same schemas). */
export type Reply<S extends z.ZodType> = z.output<S>;
/** A list route's answer. */
export type Items<S extends z.ZodType> = { items: Array<z.output<S>> };

export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
}).meta({ id: 'Error' });

const value = z.union([z.string(), z.number(), z.boolean(), z.null(), z.record(z.string(), z.unknown()), z.array(z.unknown())]);
const columns = z.array(z.object({ name: z.string(), type: z.string() }));

const previewSample = z.object({
  columns,
  rows: z.array(z.array(value)),
  truncated: z.boolean().describe('More rows change than are shown (at most 20).'),
});

export const writePreview = z.object({
  previewId: z.string().describe('Names the preview in the audit log: its preview record and its run carry it.'),
  kind: z.enum(['insert', 'update', 'delete']),
  table: z.string().describe('The table written, schema.table.'),
  rowCount: z.number().int().describe('Rows the statement changes (UPDATE: rows it matches).'),
  before: previewSample.describe('UPDATE and DELETE: the rows it changes, before (none for INSERT).'),
  after: previewSample.describe('UPDATE: the same rows after; INSERT: the new rows; DELETE: none.'),
  note: z.string().optional().describe('Why `after` is empty although rows change, when it cannot be shown.'),
  token: z.string().describe('Send the same statement again with this as "previewToken" to run it: once, by this caller, through this policy.'),
  expiresAt: z.string().describe('When the token expires (RFC 3339).'),
}).meta({ id: 'WritePreview' });

export const previewRequired = z.object({
  error: z.object({ code: z.literal('preview_required'), message: z.string() }),
  preview: writePreview,
}).meta({ id: 'PreviewRequired' });

export const queryResponse = z.object({
  columns,
  rows: z.array(z.array(value)).describe('Rows as arrays, in column order. Numbers, booleans and JSON as such; other types as the database prints them.'),
  rowCount: z.number().int().describe('Rows returned, or rows changed by INSERT/UPDATE/DELETE.'),
  truncated: z.boolean().describe('More rows existed than the policy\'s console.rowLimit.'),
  durationMs: z.number(),
  previewId: z.string().optional().describe('A confirmed write: the preview it ran.'),
}).meta({ id: 'QueryResult' });

const ready = { ready: z.boolean(), reason: z.string().nullable(), message: z.string().nullable() };

export const policySummary = z.object({
  namespace: z.string(),
  name: z.string(),
  connection: z.string(),
  engine: z.enum(databaseEngines).nullable(),
  access: z.enum(['read-only', 'read-write']),
  ...ready,
  username: z.string().nullable().describe('The database user (never its password).'),
  tables: z.array(z.object({ schema: z.string().optional(), name: z.string(), columns: z.array(z.string()).optional() })).nullable(),
  schemas: z.array(z.string()).nullable(),
  posture: z.object({ passed: z.number(), total: z.number(), summary: z.string() }).nullable(),
  console: z.object({ rowLimit: z.number(), statementTimeout: z.string(), useReadReplica: z.boolean() }),
  readReplica: z.boolean().describe('Console queries go to the connection\'s read replica.'),
  lastRotationTime: z.string().nullable().describe('When the password was last rotated (RFC 3339).'),
  nextRotationTime: z.string().nullable().describe('When the password will next be rotated (RFC 3339).'),
}).meta({ id: 'Policy' });

export const connectionSummary = z.object({
  namespace: z.string(),
  name: z.string(),
  engine: z.enum(databaseEngines),
  host: z.string(),
  port: z.number(),
  database: z.string(),
  ...ready,
  serverVersion: z.string().nullable(),
  tls: z.object({ mode: z.string(), encrypted: z.boolean().nullable(), verified: z.boolean().nullable(), protocol: z.string().nullable() }),
  readReplica: z.object({ host: z.string(), port: z.number() }).nullable(),
  posture: z.object({
    passed: z.number(), total: z.number(), summary: z.string(),
    checks: z.array(z.object({ name: z.string(), passed: z.boolean(), message: z.string() })),
  }).nullable(),
}).meta({ id: 'Connection' });

export const schemaDescription = z.object({
  namespace: z.string(),
  policy: z.string(),
  engine: z.enum(databaseEngines),
  database: z.string(),
  tables: z.array(z.object({
    schema: z.string(),
    name: z.string(),
    columns: z.array(z.object({ name: z.string(), type: z.string(), nullable: z.boolean() })),
  })),
}).meta({ id: 'Schema' });

const refusal = z.object({ code: z.string(), message: z.string() });

export const askAnswer = z.object({
  conversationId: z.string(),
  question: z.string(),
  model: z.string(),
  sql: z.string().nullable().describe('The model\'s last SQL; null when it wrote none.'),
  explanation: z.string(),
  result: queryResponse.nullable().describe('The rows, when the SQL is a SELECT that passed the guard and the database.'),
  proposal: z.object({ sql: z.string(), preview: writePreview }).nullable()
    .describe('A write the model proposes (read-write policies): previewed, never run. POST it to …/query with the preview\'s token to run it.'),
  attempts: z.array(z.object({ sql: z.string().nullable(), error: refusal })).describe('Attempts the guard or the database refused.'),
  error: refusal.nullable().describe('Why there is no result after every attempt.'),
}).meta({ id: 'Answer' });

export const identity = z.object({
  username: z.string(),
  uid: z.string().optional(),
  groups: z.array(z.string()),
}).meta({ id: 'Identity' });

export const info = z.object({
  ai: z.object({ enabled: z.boolean(), model: z.string().nullable(), hint: z.string().nullable() }),
}).meta({ id: 'Info' });
