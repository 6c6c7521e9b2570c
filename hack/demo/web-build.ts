import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { step } from '../env/log.js';
import { repoRoot } from '../env/paths.js';
import { run, sleep } from '../env/proc.js';

export const webDir = join(repoRoot, 'console', 'web');
export const webDist = join(webDir, 'dist');

function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** True when the build in `outDir` (default console/web/dist) is missing or older than the web app's sources. */
export function webBuildStale(outDir = webDist): boolean {
  const built = join(outDir, 'index.html');
  if (!existsSync(built)) return true;
  const sources = ['index.html', 'vite.config.ts', 'src'].map((p) => join(webDir, p)).filter((p) => existsSync(p));
  return Math.max(...sources.map(newest)) > statSync(built).mtimeMs;
}

/**
 * Builds the web app (`npm run build:web`) into `outDir` (default console/web/dist) when that build is missing
 * or stale. Several processes may ask at once (test workers): one builds, the others wait for it.
 */
export async function ensureWebBuild(outDir = webDist): Promise<void> {
  const lock = join(tmpdir(), `dbwarden-web-build-${createHash('sha256').update(resolve(outDir)).digest('hex').slice(0, 24)}.lock`);
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another process builds; a lock older than 5 minutes is left over from a killed one.
      if (waited > 300_000 || Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      await sleep(200);
    }
  }
  try {
    if (!webBuildStale(outDir)) return;
    await step(`Building the console web app (${relative(repoRoot, resolve(outDir)) || outDir})`, () =>
      run(process.execPath, [join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(webDir, 'vite.config.ts'),
        '--outDir', resolve(outDir), '--emptyOutDir', '--logLevel', 'warn'], { cwd: repoRoot }));
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
