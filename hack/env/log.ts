/** Progress output for the environment scripts: one line per step, with its duration. */

const started = Date.now();

function stamp(): string {
  return `[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s]`;
}

export function info(message: string): void {
  process.stderr.write(`${stamp()} ${message}\n`);
}

export async function step<T>(title: string, run: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  info(`▶ ${title}`);
  try {
    const result = await run();
    info(`✓ ${title} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    return result;
  } catch (err) {
    info(`✗ ${title} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    throw err;
  }
}

/** Calls `report` every `everyMs` until the returned stop function is called. */
export function heartbeat(everyMs: number, report: (elapsedSeconds: number) => string): () => void {
  const t0 = Date.now();
  const timer = setInterval(() => info(`  … ${report(Math.round((Date.now() - t0) / 1000))}`), everyMs);
  return () => clearInterval(timer);
}
