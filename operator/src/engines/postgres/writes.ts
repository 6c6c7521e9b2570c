import type pg from 'pg';
import { EngineError, type EngineObserver } from '../engine.js';
import { writeError } from './errors.js';
import type { Write } from './sql.js';

/** SQLSTATE of the warnings GRANT/REVOKE give instead of an error when the grantor lacks the grant option. */
const privilegeNotGranted = '01007';
const privilegeNotRevoked = '01006';

/**
 * Runs work in one transaction on one pooled connection: all of it commits, or none of it. With `rollback`,
 * it never commits: for work whose effect outside the transaction is the point (signalling other sessions).
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, options: { rollback?: boolean } = {}): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query(options.rollback ? 'ROLLBACK' : 'COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * Executes one changing statement and reports it to the observer. A GRANT or REVOKE that the server only
 * half-performs (a warning, not an error) is an error here, so the transaction rolls back.
 */
export async function runWrite(client: pg.PoolClient, write: Write, observer: EngineObserver | undefined, secrets: readonly string[]): Promise<void> {
  const refusals: string[] = [];
  const onNotice = (notice: { code?: string | undefined; message?: string | undefined }): void => {
    if (notice.code === privilegeNotGranted || notice.code === privilegeNotRevoked) refusals.push(notice.message ?? '');
  };
  client.on('notice', onNotice);
  try {
    await client.query(write.sql);
  } catch (err) {
    throw writeError(err, write, secrets);
  } finally {
    client.off('notice', onNotice);
  }
  observer?.onWrite?.('postgres', write.kind);
  if (refusals.length > 0) {
    const hint = write.hint ? `; ${write.hint}` : '';
    throw new EngineError('InsufficientPrivileges', `cannot ${write.what}: ${refusals.join('; ')}${hint}`);
  }
}
