import { KubeConfig } from '@kubernetes/client-node';
import { reuseConnections } from '@dbwarden/api/client';
import { ConfigError, loadConfig, usage } from './config.js';
import { startManager } from './manager.js';
import { createLogger } from './runtime/logger.js';

/** `npm run operator`: the dbwarden operator, against $KUBECONFIG or the in-cluster service account. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (config === 'help') {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const log = createLogger(config.logLevel);
  const kc = new KubeConfig();
  kc.loadFromDefault();
  reuseConnections(kc);
  log.info({ cluster: kc.getCurrentCluster()?.server, workers: config.workers, resyncMs: config.resyncMs, leaderElect: config.leaderElect }, 'starting dbwarden operator');
  const manager = await startManager(config, kc, log);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void manager.stop());
  try {
    await manager.done;
    process.exit(0);
  } catch (err) {
    log.error({ err }, 'operator stopped');
    process.exit(1);
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
