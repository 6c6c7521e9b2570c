/**
 * The guard's corpus against the real servers: the 22 TPC-H queries (PostgreSQL and MariaDB) and the
 * analytical PostgreSQL corpus, on a small TPC-H database made here. Each query must pass the guard on a
 * read-only policy that grants the TPC-H tables, and return through the console's runner (as a
 * least-privilege user, in a read-only transaction) the same rows as the admin gets running it directly.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAnalytics } from '../../console/server/guard/corpus-analytics.js';
import { tpchInserts, tpchQueries, tpchSchema, tpchTables } from '../../console/server/guard/corpus-tpch.js';
import { guard, type Dialect, type GuardPolicy } from '../../console/server/guard/index.js';
import { QueryRunner, type Target } from '../../console/server/runner/index.js';
import { mariadbAdmin, postgresAdmin } from '../support/databases.js';
import { required } from '../support/env.js';

const options = { rowLimit: 100_000, timeoutMs: 30_000, readOnly: true };
/** PostgreSQL's own text for every value (booleans as booleans, as the runner gives them). */
const rawText = { getTypeParser: (oid: number) => (value: string) => (oid === 16 ? value === 't' : value) };

/** A value as both paths print it: numbers compared to 9 significant digits, JSON without spacing. */
function normalise(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value);
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  if (/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text)) return Number(text).toPrecision(9);
  if (text.startsWith('{"') || text.startsWith('[')) {
    try {
      return JSON.stringify(JSON.parse(text));
    } catch {
      return text;
    }
  }
  return text;
}

const rowsOf = (rows: readonly (readonly unknown[])[]): string[] => rows.map((r) => JSON.stringify(r.map(normalise))).sort();

interface Engine {
  dialect: Dialect;
  policy: GuardPolicy;
  target: Target;
  direct(sql: string): Promise<unknown[][]>;
  close(): Promise<void>;
}

async function postgresTpch(): Promise<Engine> {
  const database = `tpch_${randomBytes(4).toString('hex')}`;
  const user = `${database}_ro`;
  const password = randomBytes(18).toString('hex');
  const root = postgresAdmin();
  await root.connect();
  await root.query(`CREATE DATABASE ${database}`);
  await root.query(`CREATE ROLE ${user} LOGIN PASSWORD '${password}'`);
  await root.query(`GRANT CONNECT ON DATABASE ${database} TO ${user}`);
  const admin = postgresAdmin(required('PGSSLROOTCERT'), database);
  await admin.connect();
  for (const sql of [...tpchSchema, ...tpchInserts()]) await admin.query(sql);
  await admin.query(`GRANT SELECT ON ${tpchTables.join(', ')} TO ${user}`);
  await admin.query('ANALYZE');
  return {
    dialect: 'postgres',
    policy: { access: 'read-only', database, tables: tpchTables.map((name) => ({ schema: 'public', name })) },
    target: {
      owner: `test/${user}`, engine: 'postgres', host: '127.0.0.1', port: Number(required('PGPORT')), database, user, password,
      tls: { mode: 'verify-full', ca: readFileSync(required('PGSSLROOTCERT'), 'utf8') }, maxConnections: 2,
    },
    async direct(sql) {
      return (await admin.query({ text: sql, rowMode: 'array', types: rawText })).rows as unknown[][];
    },
    async close() {
      await admin.end();
      await root.query(`DROP DATABASE ${database} WITH (FORCE)`);
      await root.query(`DROP ROLE ${user}`);
      await root.end();
    },
  };
}

async function mariadbTpch(): Promise<Engine> {
  const database = `tpch_${randomBytes(4).toString('hex')}`;
  const user = `${database}_ro`;
  const password = randomBytes(18).toString('hex');
  const admin: mysql.Connection = await mariadbAdmin();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.query(`USE ${database}`);
  for (const sql of [...tpchSchema, ...tpchInserts()]) await admin.query(sql);
  await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}' REQUIRE SSL`);
  await admin.query(`GRANT SELECT ON ${database}.* TO '${user}'@'%'`);
  return {
    dialect: 'mysql',
    policy: { access: 'read-only', database, tables: tpchTables.map((name) => ({ schema: database, name })) },
    target: {
      owner: `test/${user}`, engine: 'mysql', host: '127.0.0.1', port: Number(required('MYSQL_PORT')), database, user, password,
      tls: { mode: 'verify-full', ca: readFileSync(required('MYSQL_SSL_CA'), 'utf8') }, maxConnections: 2,
    },
    async direct(sql) {
      const [rows] = await admin.query({ sql, rowsAsArray: true, typeCast: (field: { string(): string | null }) => field.string() });
      return rows as unknown[][];
    },
    async close() {
      await admin.query(`DROP DATABASE ${database}`);
      await admin.query(`DROP USER '${user}'@'%'`);
      await admin.end();
    },
  };
}

const corpora: [Dialect, string, string[]][] = [
  ['postgres', 'TPC-H', tpchQueries.postgres],
  ['mysql', 'TPC-H', tpchQueries.mysql],
  ['postgres', 'analytics', postgresAnalytics],
];

describe.each(['postgres', 'mysql'] as const)('the guard corpus on real data (%s)', (dialect) => {
  let engine: Engine;
  let runner: QueryRunner;
  const nonEmpty = new Map<string, number>();

  beforeAll(async () => {
    engine = dialect === 'postgres' ? await postgresTpch() : await mariadbTpch();
    runner = new QueryRunner({ poolMax: 2, idleMs: 10_000, queueMax: 10, queueTimeoutMs: 10_000 });
  });

  afterAll(async () => {
    await runner?.close();
    await engine?.close();
  });

  for (const [corpusDialect, name, queries] of corpora.filter(([d]) => d === dialect)) {
    describe(name, () => {
      it.each(queries.map((sql, i) => [i + 1, sql] as const))(`query %i passes the guard and returns what the database returns directly`, async (_n, sql) => {
        const verdict = guard(sql, { dialect: corpusDialect, policy: engine.policy });
        expect(verdict.kind).toBe('select');
        const through = await runner.run(engine.target, verdict.sql, options);
        const direct = await engine.direct(sql);
        expect(through.truncated).toBe(false);
        expect(rowsOf(through.rows)).toEqual(rowsOf(direct));
        if (direct.length > 0) nonEmpty.set(name, (nonEmpty.get(name) ?? 0) + 1);
      });

      it('returns rows for most of its queries (the data set is not trivially empty)', () => {
        expect(nonEmpty.get(name) ?? 0).toBeGreaterThanOrEqual(Math.floor(queries.length * 0.6));
      });
    });
  }
});

describe('corpus sizes', () => {
  it('has the 22 TPC-H queries per dialect and at least 100 analytical PostgreSQL queries', () => {
    expect(tpchQueries.postgres).toHaveLength(22);
    expect(tpchQueries.mysql).toHaveLength(22);
    expect(postgresAnalytics.length).toBeGreaterThanOrEqual(100);
  });
});
