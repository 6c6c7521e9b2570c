/**
 * The SQL guard alone, without the environment bench:console needs: its cost per statement over the accepted
 * corpus (both dialects), the PostgreSQL checker over the TPC-H and analytical corpora, and the time to refuse
 * adversarial input. Prints the figures and one JSON line.
 *
 *   npm run bench:guard -- [--rounds=200]
 */
import { parseArgs } from 'node:util';
import { postgresAnalytics } from '../console/server/guard/corpus-analytics.js';
import { tpchQueries, tpchTables } from '../console/server/guard/corpus-tpch.js';
import { guard, type GuardPolicy } from '../console/server/guard/index.js';
import { measureAdversarial, measureGuard } from './console-guard.js';
import { distribution } from './console-stats.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '200' } } });
const rounds = Math.max(1, Number(values.rounds));
const us = (v: number): string => `${v.toFixed(1)} µs`;
const round = (v: number, digits: number): number => Number(v.toFixed(digits));

const shop = measureGuard(rounds, 50);
const tpchPolicy: GuardPolicy = { access: 'read-only', database: 'tpch', tables: tpchTables.map((name) => ({ schema: 'public', name })) };
const larger = [...tpchQueries.postgres, ...postgresAnalytics];
for (let r = 0; r < 20; r++) for (const sql of larger) guard(sql, { dialect: 'postgres', policy: tpchPolicy });
const samples = new Float64Array(larger.length * rounds);
let k = 0;
for (let r = 0; r < rounds; r++) {
  for (const sql of larger) {
    const t0 = process.hrtime.bigint();
    guard(sql, { dialect: 'postgres', policy: tpchPolicy });
    samples[k++] = Number(process.hrtime.bigint() - t0) / 1000;
  }
}
const analytics = distribution(samples);
const adversarial = measureAdversarial();
const refusedAtDefault = adversarial.filter((a) => a.maxLength === 20_000);
const adversarialMaxMs = Math.max(...refusedAtDefault.map((a) => a.maxMs));

console.log(`guard, ${rounds} rounds each`);
console.log(`  shop corpus      ${shop.statements} statements: p50 ${us(shop.all.p50)}, p99 ${us(shop.all.p99)}; PostgreSQL p50 ${us(shop.perDialect.postgres.p50)} ` +
  `p99 ${us(shop.perDialect.postgres.p99)}; MySQL p50 ${us(shop.perDialect.mysql.p50)} p99 ${us(shop.perDialect.mysql.p99)}`);
console.log(`  PostgreSQL TPC-H and analytics  ${larger.length} statements: p50 ${us(analytics.p50)}, p99 ${us(analytics.p99)}, max ${us(analytics.max)}`);
for (const a of adversarial) console.log(`  adversarial      ${a.name}, length limit ${a.maxLength}: ${a.rule} in ${a.maxMs.toFixed(3)} ms`);
console.log(JSON.stringify({
  guardP50Us: round(shop.all.p50, 1),
  guardP99Us: round(shop.all.p99, 1),
  guardPostgresP50Us: round(shop.perDialect.postgres.p50, 1),
  guardPostgresP99Us: round(shop.perDialect.postgres.p99, 1),
  guardMysqlP50Us: round(shop.perDialect.mysql.p50, 1),
  guardMysqlP99Us: round(shop.perDialect.mysql.p99, 1),
  guardAnalyticsP50Us: round(analytics.p50, 1),
  guardAnalyticsP99Us: round(analytics.p99, 1),
  guardAdversarialMaxMs: round(adversarialMaxMs, 3),
}));
