import { LRUCache } from 'lru-cache';
import { defaultMaxLength, guard, type Accepted, type GuardOptions } from './index.js';

/** Counts what the cache answers, for the console's metrics. */
export interface VerdictMetrics {
  guardVerdicts: { inc(labels: { result: 'hit' | 'miss' }): void };
}

/** The cache's default bound: the characters of the statements it keys on (about 8 MB of strings). */
export const defaultVerdictCacheChars = 4_000_000;

/**
 * The guard's verdicts on accepted statements, remembered. The guard is a pure function of the statement,
 * the dialect, the length limit and what the policy lets through (access, database, tables, schemas), and
 * all of those make the key, so a policy whose tables or access change gets fresh verdicts. Dashboards,
 * retries and follow-up questions send the same statements again and again; parsing one again costs
 * 0.3–1.5 ms, a lookup microseconds. Rejections are not kept (each is checked again, and reported alike).
 * Bounded by the total length of the statements held, least recently used first out.
 */
export class GuardVerdicts {
  private readonly cache: LRUCache<string, Accepted>;

  constructor(maxChars = defaultVerdictCacheChars, private readonly metrics?: VerdictMetrics) {
    this.cache = new LRUCache<string, Accepted>({ maxSize: maxChars, sizeCalculation: (_value, key) => key.length });
  }

  check(input: string, options: GuardOptions): Accepted {
    const { dialect, policy } = options;
    const maxLength = options.maxLength ?? defaultMaxLength;
    // A statement longer than the limit is refused by the guard before anything else; never a key.
    if (input.length > maxLength) return guard(input, options);
    const key = JSON.stringify([dialect, maxLength, policy.access, policy.database, policy.tables?.map((t) => [t.schema, t.name]) ?? null,
      policy.schemas ?? null, input]);
    const known = this.cache.get(key);
    if (known) {
      this.metrics?.guardVerdicts.inc({ result: 'hit' });
      return known;
    }
    this.metrics?.guardVerdicts.inc({ result: 'miss' });
    const accepted = guard(input, options);
    const frozen = Object.freeze({ ...accepted, tables: Object.freeze([...accepted.tables]) as string[] });
    this.cache.set(key, frozen);
    return frozen;
  }

  get size(): number {
    return this.cache.size;
  }
}
