/** API answers the element tests share. */
import type { Connection, Info, Policy, QueryResult, WritePreview } from '../src/api/types.js';

export const policy: Policy = {
  namespace: 'shop', name: 'readonly', connection: 'shop-db', engine: 'postgres', access: 'read-only', ready: true, reason: 'Provisioned', message: null,
  username: 'ai_readonly', tables: [{ schema: 'public', name: 'products' }, { schema: 'public', name: 'orders' }], schemas: null,
  posture: { passed: 5, total: 7, summary: '5/7' }, console: { rowLimit: 1000, statementTimeout: '15s', useReadReplica: true }, readReplica: false,
  lastRotationTime: '2026-01-01T00:00:00Z', nextRotationTime: new Date(Date.now() + 30 * 86_400_000 + 3_600_000).toISOString(),
};
export const connection: Connection = {
  namespace: 'shop', name: 'shop-db', engine: 'postgres', host: 'db.shop.svc', port: 5432, database: 'shop', ready: true, reason: null, message: null,
  serverVersion: 'PostgreSQL 15.8', tls: { mode: 'verify-full', encrypted: true, verified: true, protocol: 'TLSv1.3' }, readReplica: null,
  posture: {
    passed: 5, total: 7, summary: '5/7',
    checks: [
      { name: 'TLSVerified', passed: true, message: 'the server certificate is verified' },
      { name: 'NetworkRestricted', passed: false, message: 'spec.network is not set' },
      { name: 'ConsoleUsesReadReplica', passed: false, message: 'console queries go to the primary' },
      ...['A', 'B', 'C', 'D'].map((n) => ({ name: `Check${n}`, passed: true, message: `check ${n} passed` })),
    ],
  },
};
export const aiOn: Info = { ai: { enabled: true, model: 'test-model', hint: null } };

export function bigResult(rows: number): QueryResult {
  return {
    columns: [{ name: 'id', type: 'int4' }, { name: 'note', type: 'text' }, { name: 'doc', type: 'jsonb' }, { name: 'amount', type: 'numeric' }],
    rows: Array.from({ length: rows }, (_, i) => [i + 1, i === 0 ? 'x'.repeat(500) : i === 1 ? null : `row ${i + 1}`, i === 2 ? { a: [1, 2], b: 'c' } : null, `${i}.50`]),
    rowCount: rows, truncated: true, durationMs: 12.3,
  };
}

export const writer: Policy = { ...policy, name: 'editor', access: 'read-write', username: 'ai_editor' };

/** A preview of `UPDATE products SET category = 'x' WHERE category = 'garden' AND id > 25`, as the console answers it. */
export function updatePreview(overrides: Partial<WritePreview> = {}): WritePreview {
  const columns = [{ name: 'id', type: 'int4' }, { name: 'name', type: 'text' }, { name: 'category', type: 'text' }, { name: 'price', type: 'numeric' }];
  return {
    previewId: 'pv-1', kind: 'update', table: 'public.products', rowCount: 3,
    before: { columns, rows: [[26, 'Product 26', 'garden', '12.50'], [31, 'Product 31', 'garden', '3.00'], [36, 'Product 36', 'garden', null]], truncated: false },
    after: { columns, rows: [[26, 'Product 26', 'x', '12.50'], [31, 'Product 31', 'x', '3.00'], [36, 'Product 36', 'x', null]], truncated: false },
    token: 'claims.signature-1', expiresAt: new Date(Date.now() + 5 * 60_000).toISOString(),
    ...overrides,
  };
}
