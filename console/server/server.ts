import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthenticationV1Api, AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Assistant } from './ai/assistant.js';
import { ConversationStore } from './ai/conversations.js';
import { OpenAIModel, type ChatModel } from './ai/model.js';
import { createApp } from './app.js';
import { AuditLog } from './audit.js';
import { AccessReviewer } from './auth/access.js';
import { Authenticator } from './auth/identity.js';
import type { ConsoleConfig } from './config.js';
import { defaultVerdictCacheChars, GuardVerdicts } from './guard/verdicts.js';
import { KubeCatalog } from './kube/catalog.js';
import { CredentialCache } from './kube/credentials.js';
import { reuseConnections } from '@dbwarden/api/client';
import { ConsoleMetrics } from './metrics.js';
import { QueryService } from './queries.js';
import { QueryRunner } from './runner/index.js';
import { WritePreviews } from './writes/preview.js';
import { PreviewTokens } from './writes/token.js';

export interface ConsoleOptions {
  config: ConsoleConfig;
  /** The console's own identity towards the API server (least privilege: config/console/rbac.yaml). */
  kubeConfig: KubeConfig;
  log: Logger;
  /** Overrides the model built from config.ai (tests). */
  model?: ChatModel;
}

export interface RunningConsole {
  port: number;
  url: string;
  server: Server;
  runner: QueryRunner;
  metrics: ConsoleMetrics;
  /** Graceful shutdown: stop accepting, let requests finish (up to the shutdown timeout), close pools. */
  close(): Promise<void>;
}

/** Builds the console from its configuration and starts listening (port 0 picks a free port). */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const { config, log } = options;
  const kubeConfig = reuseConnections(options.kubeConfig);
  const metrics = new ConsoleMetrics();
  const catalog = new KubeCatalog(kubeConfig, config.cacheTtlMs);
  const credentials = new CredentialCache(catalog, config.credentialsTtlMs, metrics);
  const reviewer = new AccessReviewer(kubeConfig.makeApiClient(AuthorizationV1Api), config.cacheTtlMs);
  const authenticator = new Authenticator(kubeConfig.makeApiClient(AuthenticationV1Api), config.cacheTtlMs);
  const runner = new QueryRunner({ poolMax: config.pool.max, idleMs: config.pool.idleMs, queueMax: config.pool.queueMax, queueTimeoutMs: config.pool.queueTimeoutMs }, log);
  const audit = new AuditLog(log.child({ component: 'audit' }), metrics);
  const verdicts = new GuardVerdicts(defaultVerdictCacheChars, metrics);
  // One token key and one set of used tokens per process: a preview is confirmed on the replica that made it.
  const previews = new WritePreviews({ runner, tokens: new PreviewTokens(), verdicts, maxSqlLength: config.maxSqlLength });
  const queries = new QueryService({ catalog, credentials, reviewer, runner, audit, verdicts, previews, maxSqlLength: config.maxSqlLength, log });
  const model = options.model ?? (config.ai.apiKey
    ? new OpenAIModel({ apiKey: config.ai.apiKey, model: config.ai.model, timeoutMs: config.ai.timeoutMs, maxRetries: config.ai.maxRetries, ...(config.ai.baseURL ? { baseURL: config.ai.baseURL } : {}) })
    : undefined);
  const assistant = model ? new Assistant(model, new ConversationStore(config.conversationTtlMs), metrics) : undefined;

  let shuttingDown = false;
  const app = createApp({
    log, authenticator, metrics, catalog, reviewer, queries, staticDir: config.staticDir,
    isShuttingDown: () => shuttingDown,
    ...(config.mcp.enabled ? { mcp: { maxResultBytes: config.mcp.maxResultBytes } } : {}),
    ...(assistant ? { assistant } : {}),
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const done = (err?: Error): void => (err ? reject(err) : resolve(s));
    // Without a host Node listens on every address (IPv6 and IPv4 where available).
    const s = config.host ? app.listen(config.port, config.host, done) : app.listen(config.port, done);
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, ai: assistant ? { model: assistant.modelName, baseURL: config.ai.baseURL ?? 'https://api.openai.com/v1' } : false,
    mcp: config.mcp.enabled ? '/mcp' : false, cluster: kubeConfig.getCurrentCluster()?.server }, 'dbwarden console listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    server,
    runner,
    metrics,
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Keep-alive connections become idle as their last response ends: close them as soon as they do.
        const idle = setInterval(() => server.closeIdleConnections(), 100);
        const timer = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs);
        server.closeIdleConnections();
        await closed;
        clearInterval(idle);
        clearTimeout(timer);
        await runner.close();
        log.info('dbwarden console stopped');
      })();
      return closing;
    },
  };
}
