/**
 * The SQL guard's cost per statement: every query of the accepted corpus (console/server/guard/corpus.ts, both
 * dialects) checked against the policy the corpus assumes, each call timed on its own with hrtime, round after
 * round over the whole corpus so that garbage collection and the JIT fall on every statement alike.
 */
import { analyticalQueries } from '../console/server/guard/corpus.js';
import { defaultMaxLength, guard, type Dialect, type GuardPolicy } from '../console/server/guard/index.js';
import { distribution, type Distribution } from './console-stats.js';

/** The corpus's policy: read-only on products and orders (schema public on PostgreSQL). */
const database = 'shop';
const policy: GuardPolicy = {
  access: 'read-only',
  database,
  tables: [{ schema: 'public', name: 'products' }, { schema: 'public', name: 'orders' }],
};

export interface GuardResult {
  statements: number;
  byDialect: Record<Dialect, number>;
  rounds: number;
  /** Every call, in microseconds. */
  all: Distribution;
  perDialect: Record<Dialect, Distribution>;
  /** The statement with the highest median. */
  slowest: { dialect: Dialect; sql: string; p50Us: number };
}

export function measureGuard(rounds: number, warmupRounds: number): GuardResult {
  const corpus = (['postgres', 'mysql'] as const).flatMap((dialect) =>
    analyticalQueries[dialect].map((sql) => ({ dialect, sql: sql.replaceAll('{db}', database) })));
  for (const { dialect, sql } of corpus) {
    const verdict = guard(sql, { dialect, policy });
    if (verdict.kind !== 'select') throw new Error(`the guard did not accept a corpus query as a SELECT (${dialect}): ${sql}`);
  }
  for (let r = 0; r < warmupRounds; r++) for (const { dialect, sql } of corpus) guard(sql, { dialect, policy });

  const samples = corpus.map(() => new Float64Array(rounds));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < corpus.length; i++) {
      const { dialect, sql } = corpus[i]!;
      const t0 = process.hrtime.bigint();
      guard(sql, { dialect, policy });
      samples[i]![r] = Number(process.hrtime.bigint() - t0) / 1000;
    }
  }

  const of = (dialect: Dialect): Float64Array[] => samples.filter((_, i) => corpus[i]!.dialect === dialect);
  const flat = (arrays: Float64Array[]): Float64Array => {
    const out = new Float64Array(arrays.length * rounds);
    arrays.forEach((a, i) => out.set(a, i * rounds));
    return out;
  };
  const medians = samples.map((s) => distribution(s).p50);
  const worst = medians.indexOf(Math.max(...medians));
  return {
    statements: corpus.length,
    byDialect: { postgres: analyticalQueries.postgres.length, mysql: analyticalQueries.mysql.length },
    rounds,
    all: distribution(flat(samples)),
    perDialect: { postgres: distribution(flat(of('postgres'))), mysql: distribution(flat(of('mysql'))) },
    slowest: { dialect: corpus[worst]!.dialect, sql: corpus[worst]!.sql, p50Us: medians[worst]! },
  };
}

export interface AdversarialCase {
  name: string;
  /** The length limit the guard ran with (the console's default, or raised so that the parser sees the input). */
  maxLength: number;
  /** The slowest of the runs, in ms: every run must have been a refusal. */
  maxMs: number;
  rule: string;
}

/**
 * Hostile input meant to make the guard itself slow: 10,000 nested parentheses and a 1 MB literal, on both
 * dialects, once with the console's default length limit and once with a limit that lets them reach the
 * parser. Each is refused; the figure is the slowest of a few runs.
 */
export function measureAdversarial(runs = 5): AdversarialCase[] {
  const nested = `SELECT ${'('.repeat(10_000)}1${')'.repeat(10_000)}`;
  const literal = `SELECT '${'x'.repeat(1 << 20)}'`;
  const chain = `SELECT 1${'+1'.repeat(5_000)}`;
  const cases = [
    { name: '10,000 nested parentheses', sql: nested },
    { name: '1 MB literal', sql: literal },
    { name: '5,000 chained operators', sql: chain },
  ];
  const out: AdversarialCase[] = [];
  for (const { name, sql } of cases) {
    for (const maxLength of [undefined, 2_000_000]) {
      for (const dialect of ['postgres', 'mysql'] as const) {
        let maxMs = 0;
        let rule = '';
        for (let r = 0; r < runs; r++) {
          const t0 = process.hrtime.bigint();
          try {
            guard(sql, { dialect, policy, maxLength });
            rule = 'ACCEPTED';
          } catch (err) {
            rule = (err as { rule?: string }).rule ?? `threw ${(err as Error).name}`;
          }
          maxMs = Math.max(maxMs, Number(process.hrtime.bigint() - t0) / 1e6);
        }
        out.push({ name: `${name} (${dialect})`, maxLength: maxLength ?? defaultMaxLength, maxMs, rule });
      }
    }
  }
  return out;
}
