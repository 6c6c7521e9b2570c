import { createHash } from 'node:crypto';
import type { Value } from '../runner/index.js';

/**
 * What a confirmation must find again: the number of rows the write changes and the rows it reads before
 * writing (at most the policy's row limit of them, whether there were more), hashed. Rows are hashed as a
 * sorted list of their JSON, so the order the database returns them in does not matter.
 */
export function fingerprint(rowCount: number, before: Value[][], truncated: boolean): string {
  const rows = before.map((row) => JSON.stringify(row)).sort();
  return createHash('sha256').update(JSON.stringify([rowCount, truncated, rows])).digest('base64url');
}
