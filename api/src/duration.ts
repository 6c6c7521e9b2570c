const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const goDuration = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;

/**
 * Milliseconds in a Go-style duration ("15s", "1h30m", "2160h", "500ms"), the format of the CRDs' duration
 * fields, the operator's flags and the console's settings. Throws on anything else.
 */
export function parseDuration(text: string): number {
  if (!goDuration.test(text)) throw new Error(`${JSON.stringify(text)} is not a duration such as 15s, 1m30s or 2160h`);
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(amount) * unitMs[unit!]!;
  return total;
}

/** As parseDuration, but undefined for text that is not a duration (for a UI showing what it was given). */
export function tryParseDuration(text: string): number | undefined {
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
}
