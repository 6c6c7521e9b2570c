/**
 * `npm run console`: the console as a developer runs it from the repository. It serves the web app's build,
 * so it first builds the web app when that build is missing (or, in console/web/dist, older than the sources):
 * into console/web/dist, or into DBWARDEN_CONSOLE_STATIC_DIR when that names a directory without an
 * index.html. Then it runs console/server/main.ts in this process (same environment, same signals).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureWebBuild, webDist } from './demo/web-build.js';
import { runMain } from './env/errors.js';

runMain(async () => {
  const staticDir = process.env.DBWARDEN_CONSOLE_STATIC_DIR?.trim();
  if (!staticDir || resolve(staticDir) === webDist) await ensureWebBuild();
  else if (!existsSync(join(staticDir, 'index.html'))) await ensureWebBuild(staticDir);
  await import('../console/server/main.js');
});
