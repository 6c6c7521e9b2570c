import type { z } from 'zod';
import type * as schemas from '../../../server/http/schemas.js';

/** The console server's JSON shapes, from the zod schemas the server documents its API with (GET /openapi.json). */

export type Identity = z.output<typeof schemas.identity>;
export type Info = z.output<typeof schemas.info>;
export type Policy = z.output<typeof schemas.policySummary>;
export type Connection = z.output<typeof schemas.connectionSummary>;
export type Schema = z.output<typeof schemas.schemaDescription>;
export type QueryResult = z.output<typeof schemas.queryResponse>;
export type Answer = z.output<typeof schemas.askAnswer>;
export type QueryRequest = z.input<typeof schemas.queryRequest>;
export type AskRequest = z.input<typeof schemas.askRequest>;
export type WritePreview = z.output<typeof schemas.writePreview>;

export type Access = Policy['access'];
export type SchemaTable = Schema['tables'][number];
export type Column = QueryResult['columns'][number];
export type Value = QueryResult['rows'][number][number];
export type Refusal = NonNullable<Answer['error']>;
export type Proposal = NonNullable<Answer['proposal']>;
export type PreviewSample = WritePreview['before'];
export type PostureCheck = NonNullable<Connection['posture']>['checks'][number];
/** A policy's posture summary, or its connection's with every check. */
export type Posture = NonNullable<Policy['posture']> & { checks?: PostureCheck[] };

/** A policy as the page names it. */
export interface PolicyRef {
  namespace: string;
  name: string;
}

export const policyKey = (p: PolicyRef): string => `${p.namespace}/${p.name}`;
