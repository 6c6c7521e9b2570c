/** Latency figures of the console benchmark: percentiles by nearest rank. */

export interface Distribution {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** The value at quantile q (0 < q ≤ 1) of ascending values, by nearest rank. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function distribution(values: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(values).sort();
  let total = 0;
  for (const v of sorted) total += v;
  return {
    count: sorted.length,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    mean: sorted.length ? total / sorted.length : Number.NaN,
  };
}

/** Rounds to `digits` decimals (for the JSON line). */
export const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** `p50 1.23 ms  p90 …  p99 …  max …` */
export const formatMs = (d: Distribution): string =>
  `p50 ${d.p50.toFixed(2)} ms  p90 ${d.p90.toFixed(2)} ms  p99 ${d.p99.toFixed(2)} ms  max ${d.max.toFixed(1)} ms`;
