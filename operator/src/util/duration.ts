const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const goDuration = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;

/** Parses a Go-style duration such as "2160h", "1h30m" or "15s" into milliseconds. */
export function parseDuration(text: string): number {
  if (!goDuration.test(text)) throw new Error(`${JSON.stringify(text)} is not a duration such as 90s, 15m or 2160h`);
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(amount) * unitMs[unit!]!;
  return total;
}
