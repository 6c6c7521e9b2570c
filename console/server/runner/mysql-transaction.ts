import type { FieldPacket, PoolConnection, ResultSetHeader } from 'mysql2';
import { ApiError, DatabaseUnavailable } from '../errors.js';
import { withLeadingComment } from './attribution.js';
import { columnOf } from './mysql-columns.js';
import type { translate as Translate } from './mysql.js';
import type { Transaction, TransactionResult, TransactionWork } from './transaction.js';
import type { Value } from './types.js';

/** Status flag of an OK packet that says a statement changed the session: SERVER_SESSION_STATE_CHANGED. */
const sessionChanged = 0x4000;

/**
 * Runs `work` in one InnoDB transaction (`START TRANSACTION READ WRITE`) on `conn`, whose session `prepare`
 * gives the policy's limits first, then COMMIT or ROLLBACK as the work decides (each statement carries the
 * attribution as a leading comment). A failure rolls back; a
 * connection that failed, or whose session a statement changed, is closed instead of returned to the pool
 * (closing it also rolls back).
 */
export async function mysqlTransaction<T>(conn: PoolConnection, prepare: () => Promise<void>, work: TransactionWork<T>,
  translate: typeof Translate, attribution?: string): Promise<T> {
  const p = conn.promise();
  let destroy = false;
  const tx: Transaction = {
    async query(sql, params = [], maxRows = Number.MAX_SAFE_INTEGER): Promise<TransactionResult> {
      try {
        const [answer, fields] = await p.query({ sql: withLeadingComment(sql, attribution), values: [...params], rowsAsArray: true });
        if (!Array.isArray(answer)) {
          const header = answer as ResultSetHeader;
          if ((header.serverStatus & sessionChanged) !== 0) destroy = true;
          return { columns: [], rows: [], truncated: false, affectedRows: header.affectedRows };
        }
        const rows = answer as unknown as Value[][];
        const truncated = rows.length > maxRows;
        if (truncated) rows.length = maxRows;
        const columns = (fields as FieldPacket[] | undefined ?? []).map(columnOf);
        return { columns, rows, truncated, affectedRows: 0 };
      } catch (err) {
        throw translate(err);
      }
    },
  };
  try {
    await prepare();
    await p.query('START TRANSACTION READ WRITE');
    const outcome = await work(tx);
    await p.query(outcome.commit ? 'COMMIT' : 'ROLLBACK');
    return outcome.value;
  } catch (err) {
    const failure = err instanceof ApiError ? err : translate(err);
    if (failure instanceof DatabaseUnavailable) destroy = true;
    else if (!destroy) await p.query('ROLLBACK').catch(() => (destroy = true));
    throw failure;
  } finally {
    if (destroy) conn.destroy();
    else conn.release();
  }
}
