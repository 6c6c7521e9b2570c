/**
 * How the query service uses a policy's credentials, against the real PostgreSQL and MariaDB with a Secret
 * store standing in for the API server (the console's end-to-end suites use the real one, and the operator's
 * rotations): credentials are reused within their TTL, a rotation is picked up after it, and a password the
 * database refuses makes the service read the Secret again, once.
 */
import { randomBytes } from 'node:crypto';
import type { AccessPolicy, DatabaseConnection } from '@dbwarden/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/kube.js';
import { createShop, type EngineName, type ShopDatabase } from '../../test/support/shop-db.js';
import { AuditLog } from './audit.js';
import type { AccessReviewer } from './auth/access.js';
import { DatabaseUnavailable } from './errors.js';
import type { KubeCatalog, SecretData } from './kube/catalog.js';
import { CredentialCache, type SecretReader } from './kube/credentials.js';
import { createLogger } from './logger.js';
import { ConsoleMetrics } from './metrics.js';
import { GuardVerdicts } from './guard/verdicts.js';
import { QueryService } from './queries.js';
import { QueryRunner } from './runner/index.js';
import { PreviewRequired } from './writes/errors.js';
import { WritePreviews } from './writes/preview.js';
import { PreviewTokens } from './writes/token.js';

const identity = { username: 'alice', groups: [] };
const ctx = { identity, source: 'sql' as const };

describe.each(['postgres', 'mysql'] as const)('QueryService credentials (%s)', (engine: EngineName) => {
  let db: ShopDatabase;
  let runner: QueryRunner;
  const logs: string[] = [];
  const log = createLogger('debug', { write: (line: string) => void logs.push(line) });
  const users = { a: `qs_${randomBytes(4).toString('hex')}_a`, b: '' };
  users.b = users.a.replace(/_a$/, '_b');
  const passwords = new Set<string>();
  const newPassword = (): string => {
    const p = `pw-${randomBytes(16).toString('hex')}`;
    passwords.add(p);
    return p;
  };
  let version = 0;
  /** The policy's Secret, as the API server would return it. */
  const secret: { current?: SecretData; reads: number } = { reads: 0 };
  const reader: SecretReader = {
    readSecret: () => {
      secret.reads++;
      return Promise.resolve(secret.current && structuredClone(secret.current));
    },
  };
  const setSecret = (username: string, password: string): void => {
    secret.current = {
      resourceVersion: String(++version),
      data: { username, password, host: db.host, port: String(db.port), database: db.database, sslmode: 'verify-full', 'ca.crt': db.ca },
    };
  };
  const setPassword = (username: string, password: string): Promise<unknown> => db.superQuery(engine === 'postgres'
    ? `ALTER ROLE ${username} PASSWORD '${password}'`
    : `ALTER USER '${username}'@'%' IDENTIFIED BY '${password}'`);
  /** The database users of the console's open sessions (the runner's pools close after 300 ms idle). */
  const sessionUsers = async (): Promise<string[]> => (engine === 'postgres'
    ? await db.superQuery<{ u: string }>("SELECT usename AS u FROM pg_stat_activity WHERE application_name = 'dbwarden-console' AND usename = ANY($1)", [[users.a, users.b]])
    : await db.superQuery<{ u: string }>('SELECT USER AS u FROM information_schema.PROCESSLIST WHERE USER IN (?, ?)', [users.a, users.b])).map((r) => r.u).sort();
  const idle = (): Promise<unknown> => eventually('the idle pools to close', async () => (await sessionUsers()).length === 0, 10_000);

  function service(ttlMs: number, access: 'read-only' | 'read-write' = 'read-only'): { queries: QueryService; metrics: ConsoleMetrics } {
    const metrics = new ConsoleMetrics();
    const policy = {
      metadata: { namespace: 'ns', name: 'reader' },
      spec: { connectionRef: { name: 'shop' }, access, tables: [{ name: 'products' }], console: { enabled: true, rowLimit: 10, statementTimeout: '5s' } },
      status: { secretName: 'reader-credentials' },
    } as AccessPolicy;
    const connection = { spec: { engine, host: db.host, port: db.port, database: db.database, tls: { mode: 'verify-full' } } } as DatabaseConnection;
    const catalog = { getPolicy: () => Promise.resolve(policy), getConnection: () => Promise.resolve(connection) } as unknown as KubeCatalog;
    const reviewer = { canQuery: () => Promise.resolve(true) } as unknown as AccessReviewer;
    const verdicts = new GuardVerdicts(undefined, metrics);
    const queries = new QueryService({
      catalog, reviewer, runner, credentials: new CredentialCache(reader, ttlMs, metrics), audit: new AuditLog(log, metrics),
      verdicts, previews: new WritePreviews({ runner, tokens: new PreviewTokens(), verdicts }), maxSqlLength: 10_000, log,
    });
    return { queries, metrics };
  }
  const count = async (queries: QueryService): Promise<number> => {
    const result = await queries.execute(await queries.authorize(identity, 'ns', 'reader'), 'SELECT count(*) AS n FROM products', ctx);
    return Number(result.rows[0]?.[0]);
  };
  const rejectedReads = async (metrics: ConsoleMetrics): Promise<number> =>
    (await metrics.secretReads.get()).values.find((v) => v.labels.reason === 'rejected')?.value ?? 0;

  beforeAll(async () => {
    db = await createShop(engine);
    for (const user of [users.a, users.b]) {
      if (engine === 'postgres') {
        await db.superQuery(`CREATE ROLE ${user} LOGIN PASSWORD '${newPassword()}'`);
        await db.superQuery(`GRANT CONNECT ON DATABASE ${db.database} TO ${user}`);
        await db.superQuery(`GRANT SELECT, UPDATE ON products TO ${user}`);
      } else {
        await db.superQuery(`CREATE USER '${user}'@'%' IDENTIFIED BY '${newPassword()}' REQUIRE SSL`);
        await db.superQuery(`GRANT SELECT, UPDATE ON ${db.database}.products TO '${user}'@'%'`);
      }
    }
    runner = new QueryRunner({ poolMax: 2, idleMs: 300, queueMax: 10, queueTimeoutMs: 5_000 }, log);
  });

  afterAll(async () => {
    await runner?.close();
    await db?.close();
    for (const password of passwords) for (const line of logs) expect(line).not.toContain(password);
  });

  it('reads the Secret once for many queries within the TTL', async () => {
    const password = newPassword();
    await setPassword(users.a, password);
    setSecret(users.a, password);
    const { queries } = service(60_000);
    const before = secret.reads;
    for (let i = 0; i < 5; i++) expect(await count(queries)).toBe(40);
    expect(secret.reads - before).toBe(1);
  });

  it('reads the Secret again, once, when the database refuses the password held, and retries with what it holds now', async () => {
    const { queries, metrics } = service(60_000);
    const first = newPassword();
    await setPassword(users.a, first);
    setSecret(users.a, first);
    expect(await count(queries)).toBe(40);
    // An in-place rotation the cache has not seen; the next query needs a new connection.
    const second = newPassword();
    await setPassword(users.a, second);
    setSecret(users.a, second);
    await idle();
    const before = secret.reads;
    expect(await count(queries)).toBe(40);
    expect(secret.reads - before).toBe(1);
    expect(await rejectedReads(metrics)).toBe(1);
    expect(logs.filter((l) => l.includes('retrying with the Secret read again'))).toHaveLength(1);

    // The Secret still holds a password the database refuses: one more read, then 502, no loop.
    await setPassword(users.a, newPassword());
    await idle();
    const again = secret.reads;
    await expect(count(queries)).rejects.toBeInstanceOf(DatabaseUnavailable);
    expect(secret.reads - again).toBe(1);
    expect(await rejectedReads(metrics)).toBe(2);
    const audit = logs.map((l) => JSON.parse(l) as { audit?: boolean; outcome?: string }).filter((l) => l.audit).at(-1);
    expect(audit?.outcome).toBe('database_unavailable');
  });

  it('confirms a previewed write after an in-place rotation: the refused connection leaves the token usable for the retry', async () => {
    const { queries } = service(60_000, 'read-write');
    const first = newPassword();
    await setPassword(users.a, first);
    setSecret(users.a, first);
    const resolved = await queries.authorize(identity, 'ns', 'reader');
    const sql = 'UPDATE products SET stock = stock WHERE id IN (1, 2)';
    const refusal = await queries.execute(resolved, sql, ctx).then(() => undefined, (err: unknown) => err);
    expect(refusal).toBeInstanceOf(PreviewRequired);
    const preview = (refusal as PreviewRequired).preview;
    expect(preview.rowCount).toBe(2);
    const second = newPassword();
    await setPassword(users.a, second);
    setSecret(users.a, second);
    await idle();
    const run = await queries.execute(resolved, sql, ctx, preview.token);
    expect(run).toMatchObject({ rowCount: 2, previewId: preview.id });
    await expect(queries.execute(resolved, sql, ctx, preview.token)).rejects.toMatchObject({ code: 'token_used' });
  });

  it('moves to rotated credentials (another user) after the TTL', async () => {
    const { queries } = service(500);
    const [a, b] = [newPassword(), newPassword()];
    await setPassword(users.a, a);
    await setPassword(users.b, b);
    setSecret(users.a, a);
    expect(await count(queries)).toBe(40);
    // An alternating rotation: the previous user keeps working, the Secret names the other one.
    setSecret(users.b, b);
    const started = Date.now();
    const reads = secret.reads;
    while (!(await sessionUsers()).includes(users.b)) {
      expect(Date.now() - started, 'queries as the new user within the TTL').toBeLessThan(10_000);
      expect(await count(queries)).toBe(40);
    }
    expect(secret.reads - reads).toBeLessThanOrEqual(2);
  });
});
