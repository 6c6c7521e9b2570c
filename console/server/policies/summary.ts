import type { AccessPolicy, Condition, DatabaseConnection, DatabaseEngine } from '@dbwarden/api';
import { defaultPorts } from '@dbwarden/api';
import { defaultRowLimit, defaultStatementTimeout } from './resolve.js';

export interface ReadySummary {
  ready: boolean;
  reason: string | null;
  message: string | null;
}

export interface PolicySummary extends ReadySummary {
  namespace: string;
  name: string;
  connection: string;
  engine: DatabaseEngine | null;
  access: 'read-only' | 'read-write';
  username: string | null;
  tables: Array<{ schema?: string; name: string; columns?: string[] }> | null;
  schemas: string[] | null;
  posture: { passed: number; total: number; summary: string } | null;
  console: { rowLimit: number; statementTimeout: string; useReadReplica: boolean };
  readReplica: boolean;
  /** When the operator last rotated the policy's password, and when it will next (status). */
  lastRotationTime: string | null;
  nextRotationTime: string | null;
}

export interface ConnectionSummary extends ReadySummary {
  namespace: string;
  name: string;
  engine: DatabaseEngine;
  host: string;
  port: number;
  database: string;
  serverVersion: string | null;
  tls: { mode: string; encrypted: boolean | null; verified: boolean | null; protocol: string | null };
  readReplica: { host: string; port: number } | null;
  posture: { passed: number; total: number; summary: string; checks: Array<{ name: string; passed: boolean; message: string }> } | null;
}

function readiness(conditions: Condition[] | undefined, generation: number | undefined): ReadySummary {
  const ready = conditions?.find((c) => c.type === 'Ready');
  if (!ready) return { ready: false, reason: null, message: null };
  const current = ready.observedGeneration === undefined || ready.observedGeneration === generation;
  return { ready: ready.status === 'True' && current, reason: ready.reason, message: ready.message };
}

function posture(connection: DatabaseConnection | undefined): PolicySummary['posture'] {
  const p = connection?.status?.posture;
  if (p?.passed === undefined || p.total === undefined) return null;
  return { passed: p.passed, total: p.total, summary: p.summary ?? `${p.passed}/${p.total}` };
}

/** What the console shows of a policy: never its Secret, never a password. */
export function policySummary(policy: AccessPolicy, connection: DatabaseConnection | undefined): PolicySummary {
  const c = policy.spec.console ?? {};
  return {
    namespace: policy.metadata?.namespace ?? '',
    name: policy.metadata?.name ?? '',
    connection: policy.spec.connectionRef.name,
    engine: connection?.spec.engine ?? null,
    access: policy.spec.access ?? 'read-only',
    ...readiness(policy.status?.conditions, policy.metadata?.generation),
    username: policy.status?.activeUsername ?? policy.status?.username ?? null,
    tables: policy.spec.tables?.map((t) => ({ ...(t.schema ? { schema: t.schema } : {}), name: t.name, ...(t.columns ? { columns: [...t.columns] } : {}) })) ?? null,
    schemas: policy.spec.schemas ? [...policy.spec.schemas] : null,
    posture: posture(connection),
    console: { rowLimit: c.rowLimit ?? defaultRowLimit, statementTimeout: c.statementTimeout ?? defaultStatementTimeout, useReadReplica: c.useReadReplica !== false },
    readReplica: c.useReadReplica !== false && connection?.spec.readReplica !== undefined,
    lastRotationTime: policy.status?.lastRotationTime ?? null,
    nextRotationTime: policy.status?.nextRotationTime ?? null,
  };
}

export function connectionSummary(connection: DatabaseConnection): ConnectionSummary {
  const s = connection.spec;
  const status = connection.status;
  const port = s.port ?? defaultPorts[s.engine];
  const p = status?.posture;
  return {
    namespace: connection.metadata?.namespace ?? '',
    name: connection.metadata?.name ?? '',
    engine: s.engine,
    host: s.host,
    port,
    database: s.database,
    ...readiness(status?.conditions, connection.metadata?.generation),
    serverVersion: status?.serverVersion ?? null,
    tls: { mode: s.tls?.mode ?? 'verify-full', encrypted: status?.tls?.encrypted ?? null, verified: status?.tls?.verified ?? null, protocol: status?.tls?.protocol ?? null },
    readReplica: s.readReplica ? { host: s.readReplica.host, port: s.readReplica.port ?? port } : null,
    posture: p?.passed !== undefined && p.total !== undefined
      ? { passed: p.passed, total: p.total, summary: p.summary ?? `${p.passed}/${p.total}`, checks: (p.checks ?? []).map((ch) => ({ name: ch.name, passed: ch.passed, message: ch.message })) }
      : null,
  };
}
