/**
 * `npm run demo`: brings the local environment up and runs dbwarden on it until Ctrl-C, then stops what
 * it started. Grows with the product (operator, console, demo data).
 */
import { down, health, up } from './env/environment.js';
import { runMain } from './env/errors.js';
import { info } from './env/log.js';
import { envFile } from './env/paths.js';
import { loadState } from './env/state.js';

async function main(): Promise<void> {
  const wasRunning = Object.values(await health(loadState())).every(Boolean);
  const state = await up();
  info('');
  info('dbwarden demo environment is running:');
  info(`  Kubernetes API server  https://127.0.0.1:${state.controlPlane?.apiPort}`);
  info(`  PostgreSQL             127.0.0.1:${state.postgres?.port}`);
  info(`  MariaDB                127.0.0.1:${state.mariadb?.port}`);
  info(`  settings for a shell:  source ${envFile}`);
  info('Press Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  info('stopping…');
  if (!wasRunning) await down();
}

runMain(main);
