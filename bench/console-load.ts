/**
 * The concurrent clients of the console benchmark, in a process of their own (forked by console.ts, settings
 * and tokens over the IPC channel, never on the command line) so that the clients' work does not share the
 * console's event loop. Each client posts the query in a loop, one request at a time, without pause; a 429
 * (the console's admission control) is counted apart and followed by a short back-off, as a polite client does.
 * Requests are recorded only if they start inside the measured window, after a warm-up of the same load.
 */
import { ConsoleClient } from './console-http.js';
import { distribution, type Distribution } from './console-stats.js';

export interface LoadSettings {
  /** The console's base URL, and the query route's path. */
  url: string;
  path: string;
  sql: string;
  tokens: string[];
  clients: number;
  warmupMs: number;
  durationMs: number;
  backoffMs: number;
  /** Rows the query returns: a 200 with another count is an error. */
  expectRows: number;
}

export interface LoadResult {
  clients: number;
  seconds: number;
  /** Requests that started in the window and completed (any outcome). */
  requests: number;
  ok: number;
  tooMany: number;
  errors: number;
  /** Outcomes other than 200 and 429, by status or error. */
  errorKinds: Record<string, number>;
  /** Latency of the 200s, of every request, and of the 429s. */
  okMs: Distribution;
  allMs: Distribution;
  tooManyMs: Distribution;
}

export type LoadMessage =
  | { type: 'progress'; seconds: number; requests: number; ok: number; tooMany: number; errors: number }
  | { type: 'done'; result: LoadResult }
  | { type: 'failed'; message: string };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: string; message?: string } | undefined;
  return cause ? `${err.message}: ${cause.code ?? cause.message}` : err.message;
}

async function run(s: LoadSettings, send: (m: LoadMessage) => void): Promise<LoadResult> {
  const start = performance.now() + s.warmupMs;
  const end = start + s.durationMs;
  const okMs: number[] = [];
  const allMs: number[] = [];
  const tooManyMs: number[] = [];
  const errorKinds: Record<string, number> = {};
  let errors = 0;
  const body = JSON.stringify({ sql: s.sql });
  // One keep-alive connection per client, as many services calling the API would hold.
  const http = new ConsoleClient(s.url, s.clients);

  const client = async (i: number): Promise<void> => {
    const token = s.tokens[i % s.tokens.length]!;
    for (;;) {
      const t0 = performance.now();
      if (t0 >= end) return;
      const measured = t0 >= start;
      /** 'ok', 'tooMany', or what went wrong. */
      let outcome: string;
      try {
        const res = await http.request('POST', s.path, { token, body });
        const { text } = res;
        if (res.status === 200) {
          const rowCount = (JSON.parse(text) as { rowCount?: unknown }).rowCount;
          outcome = rowCount === s.expectRows ? 'ok' : `200 with rowCount ${String(rowCount)}`;
        } else if (res.status === 429) {
          outcome = 'tooMany';
        } else {
          const code = (() => {
            try {
              return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
            } catch {
              return undefined;
            }
          })();
          outcome = `HTTP ${res.status}${code ? ` ${code}` : ''}`;
        }
      } catch (err) {
        outcome = describe(err);
      }
      const ms = performance.now() - t0;
      if (measured) {
        allMs.push(ms);
        if (outcome === 'ok') okMs.push(ms);
        else if (outcome === 'tooMany') tooManyMs.push(ms);
        else {
          errors++;
          errorKinds[outcome] = (errorKinds[outcome] ?? 0) + 1;
        }
      }
      if (outcome === 'tooMany') await sleep(s.backoffMs);
      else if (outcome !== 'ok') await sleep(10);
    }
  };

  const progress = setInterval(() => send({
    type: 'progress', seconds: Math.max(0, Math.round((performance.now() - start) / 1000)),
    requests: allMs.length, ok: okMs.length, tooMany: tooManyMs.length, errors,
  }), 5000);
  try {
    await Promise.all(Array.from({ length: s.clients }, (_, i) => client(i)));
  } finally {
    clearInterval(progress);
    http.close();
  }
  return {
    clients: s.clients,
    seconds: (performance.now() - start) / 1000,
    requests: allMs.length,
    ok: okMs.length,
    tooMany: tooManyMs.length,
    errors,
    errorKinds,
    okMs: distribution(okMs),
    allMs: distribution(allMs),
    tooManyMs: distribution(tooManyMs),
  };
}

if (process.send) {
  let finished = false;
  const send = (m: LoadMessage): Promise<void> => new Promise((resolve) => {
    process.send?.(m, undefined, undefined, () => resolve());
  });
  // The benchmark went away: so do its clients.
  process.on('disconnect', () => process.exit(finished ? 0 : 1));
  process.once('message', (settings: LoadSettings) => {
    void run(settings, (m) => void send(m))
      .then((result) => send({ type: 'done', result }), (err: unknown) => send({ type: 'failed', message: describe(err) }))
      .finally(() => {
        finished = true;
        process.disconnect();
      });
  });
}
