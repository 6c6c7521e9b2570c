import type { QueryResult } from '../api/types.js';
import { isNumericType, isTimeType, numberOf } from './values.js';

/**
 * What a chart shows, as plain data computed from a result (never code from the model): the label column,
 * the numeric series and their points. The chart element renders it with Chart.js.
 */
export interface ChartSpec {
  type: 'bar' | 'line';
  /** The label column's name and whether it holds times (then the default is a line). */
  x: { column: string; time: boolean };
  labels: string[];
  series: Array<{ column: string; data: Array<number | null> }>;
}

/** At most this many points are drawn; a longer result is charted from its first rows (and says so). */
export const maxPoints = 500;

/**
 * A chart for a result that has a category or time column and at least one numeric column, or null.
 * The label column is the first time column, else the first non-numeric one; the series are the numeric
 * columns other than it (at most 6).
 */
export function chartSpecFor(result: QueryResult, type?: 'bar' | 'line'): ChartSpec | null {
  const { columns, rows } = result;
  if (rows.length < 1 || columns.length < 2) return null;
  const numeric = columns.map((c, i) => isNumericType(c.type) || (rows.every((r) => r[i] === null || numberOf(r[i] ?? null) !== null) && rows.some((r) => r[i] !== null && typeof r[i] !== 'boolean')));
  const time = columns.map((c) => isTimeType(c.type));
  let x = time.findIndex(Boolean);
  if (x < 0) x = numeric.findIndex((n) => !n);
  if (x < 0) return null;
  // Keys are numbers but not measures: id and *_id columns are never charted.
  const series = columns.map((c, i) => ({ c, i })).filter(({ c, i }) => i !== x && numeric[i] && !/(^|_)id$/i.test(c.name)).slice(0, 6);
  if (series.length === 0) return null;
  const shown = rows.slice(0, maxPoints);
  const isTime = time[x] === true;
  return {
    type: type ?? (isTime ? 'line' : 'bar'),
    x: { column: columns[x]?.name ?? '', time: isTime },
    labels: shown.map((r) => {
      const v = r[x];
      return v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    }),
    series: series.map(({ c, i }) => ({ column: c.name, data: shown.map((r) => numberOf(r[i] ?? null)) })),
  };
}
