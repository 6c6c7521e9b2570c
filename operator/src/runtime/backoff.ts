/** base·2^failures, capped at max: the delay before retry number `failures + 1`. */
export function exponentialDelayMs(failures: number, baseMs: number, maxMs: number): number {
  if (failures >= 52) return maxMs;
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, failures));
}

/** A random delay between half and all of `ms`, so that many clients retrying at once spread out. */
export function withJitter(ms: number, random: () => number = Math.random): number {
  return ms / 2 + (random() * ms) / 2;
}
