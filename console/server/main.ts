import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startConsole } from './server.js';

/**
 * `npm run console`: the dbwarden console against $KUBECONFIG (or the in-cluster ServiceAccount).
 * PORT, OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL and the DBWARDEN_CONSOLE_* variables configure it
 * (docs/console.md). SIGTERM or SIGINT stops it gracefully.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  if (!config.ai.apiKey) log.warn('OPENAI_API_KEY is not set: the ask endpoint is disabled; listing, schemas and SQL queries work');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const running = await startConsole({ config, kubeConfig, log });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'shutting down');
      running.close().then(() => process.exit(0), (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
    });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
