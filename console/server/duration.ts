const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const part = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/y;

/** Milliseconds in a Go-style duration (`15s`, `1m30s`, `250ms`), the format of the CRDs' duration fields. */
export function parseDuration(text: string): number {
  if (!text) throw new Error('empty duration');
  let ms = 0;
  part.lastIndex = 0;
  while (part.lastIndex < text.length) {
    const start = part.lastIndex;
    const m = part.exec(text);
    if (!m || m.index !== start) throw new Error(`"${text}" is not a duration such as 15s, 1m30s or 500ms`);
    ms += Number(m[1]) * (units[m[2] ?? ''] ?? Number.NaN);
  }
  if (!Number.isFinite(ms)) throw new Error(`"${text}" is not a duration`);
  return ms;
}
