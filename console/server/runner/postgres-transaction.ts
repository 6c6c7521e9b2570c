import type pg from 'pg';
import { ApiError } from '../errors.js';
import type { Transaction, TransactionResult, TransactionWork } from './transaction.js';
import type { Value } from './types.js';
import { setApplicationName } from './attribution.js';
import type { columnsOf as ColumnsOf, Frame, translate as Translate } from './postgres.js';

/**
 * Runs `work` in one transaction on `client`: `frame` (BEGIN READ WRITE and the SET LOCALs with the policy's
 * limits, our own text, and the attribution as application_name) first, then the work's statements, each through the extended protocol (one
 * statement each, parameters bound), then COMMIT or ROLLBACK as the work decides. Any failure rolls back; a
 * connection that is not idle outside a transaction afterwards is discarded.
 */
export async function postgresTransaction<T>(client: pg.PoolClient, frame: Frame, work: TransactionWork<T>,
  helpers: { columnsOf: typeof ColumnsOf; translate: typeof Translate }): Promise<T> {
  let discard: Error | boolean = false;
  const tx: Transaction = {
    async query(sql, params = [], maxRows = Number.MAX_SAFE_INTEGER): Promise<TransactionResult> {
      try {
        const result = await client.query({ text: sql, values: [...params], rowMode: 'array' });
        const rows = result.rows as Value[][];
        const truncated = rows.length > maxRows;
        if (truncated) rows.length = maxRows;
        const returnsRows = result.fields.length > 0;
        const affectedRows = result.command === 'SELECT' ? 0 : (result.rowCount ?? 0);
        return { columns: returnsRows ? helpers.columnsOf(result.fields) : [], rows, truncated, affectedRows };
      } catch (err) {
        throw helpers.translate(err);
      }
    },
  };
  try {
    // Several statements of our own in one simple query: one round trip.
    await client.query(frame.before.join('; '));
    if (frame.attribution !== undefined) await client.query(setApplicationName, [frame.attribution]);
    const outcome = await work(tx);
    await client.query(outcome.commit ? 'COMMIT' : 'ROLLBACK');
    if (client.getTransactionStatus() !== 'I') discard = true;
    return outcome.value;
  } catch (err) {
    const failure = err instanceof ApiError ? err : helpers.translate(err);
    await client.query('ROLLBACK').catch((e: unknown) => {
      discard = e as Error;
    });
    if (client.getTransactionStatus() !== 'I') discard ||= true;
    throw failure;
  } finally {
    client.release(discard);
  }
}
