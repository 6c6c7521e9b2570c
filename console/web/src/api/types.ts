import type { DatabaseEngine } from '@dbwarden/api/engine';

/** The console server's JSON shapes (docs/console.md, GET /openapi.json). */

export type Access = 'read-only' | 'read-write';
export type Value = string | number | boolean | null | Record<string, unknown> | unknown[];

export interface Identity {
  username: string;
  uid?: string;
  groups: string[];
}

export interface Info {
  ai: { enabled: boolean; model: string | null; hint: string | null };
}

export interface PostureCheck {
  name: string;
  passed: boolean;
  message: string;
}

export interface Posture {
  passed: number;
  total: number;
  summary: string;
  checks?: PostureCheck[];
}

export interface Policy {
  namespace: string;
  name: string;
  connection: string;
  engine: DatabaseEngine | null;
  access: Access;
  ready: boolean;
  reason: string | null;
  message: string | null;
  username: string | null;
  tables: Array<{ schema?: string; name: string; columns?: string[] }> | null;
  schemas: string[] | null;
  posture: Posture | null;
  console: { rowLimit: number; statementTimeout: string; useReadReplica: boolean };
  readReplica: boolean;
  lastRotationTime?: string | null;
  nextRotationTime?: string | null;
}

export interface Connection {
  namespace: string;
  name: string;
  engine: DatabaseEngine;
  host: string;
  port: number;
  database: string;
  ready: boolean;
  reason: string | null;
  message: string | null;
  serverVersion: string | null;
  tls: { mode: string; encrypted: boolean | null; verified: boolean | null; protocol: string | null };
  readReplica: { host: string; port: number } | null;
  posture: (Posture & { checks: PostureCheck[] }) | null;
}

export interface SchemaColumn {
  name: string;
  type: string;
  nullable: boolean;
}

export interface SchemaTable {
  schema: string;
  name: string;
  columns: SchemaColumn[];
}

export interface Schema {
  namespace: string;
  policy: string;
  engine: DatabaseEngine;
  database: string;
  tables: SchemaTable[];
}

export interface Column {
  name: string;
  type: string;
}

export interface QueryResult {
  columns: Column[];
  rows: Value[][];
  rowCount: number;
  truncated: boolean;
  durationMs: number;
}

export interface Refusal {
  code: string;
  message: string;
}

export interface Answer {
  conversationId: string;
  question: string;
  model: string;
  sql: string | null;
  explanation: string;
  result: QueryResult | null;
  attempts: Array<{ sql: string | null; error: Refusal }>;
  error: Refusal | null;
}

/** A policy as the page names it. */
export interface PolicyRef {
  namespace: string;
  name: string;
}

export const policyKey = (p: PolicyRef): string => `${p.namespace}/${p.name}`;
