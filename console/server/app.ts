import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Authenticator } from './auth/identity.js';
import { ShuttingDown } from './errors.js';
import { requireIdentity } from './http/auth.js';
import { apiNotFound, errorHandler } from './http/errors.js';
import type { ConsoleMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { mcpRouter } from './mcp/endpoint.js';
import { consoleVersion } from './version.js';
import { askRoutes } from './routes/ask.js';
import type { ApiDeps } from './routes/deps.js';
import { metaRoutes } from './routes/meta.js';
import { policyRoutes } from './routes/policies.js';
import { queryRoutes } from './routes/query.js';

export interface AppOptions extends ApiDeps {
  log: Logger;
  authenticator: Authenticator;
  metrics: ConsoleMetrics;
  /** Served at / when the directory exists (the web UI's build). */
  staticDir?: string;
  /** True once shutdown began: /readyz fails and new API requests get 503. */
  isShuttingDown: () => boolean;
  /** The MCP endpoint at /mcp; absent: off. */
  mcp?: { maxResultBytes: number };
}

const requestIdPattern = /^[A-Za-z0-9._-]{1,128}$/;
const quietPaths = new Set(['/healthz', '/readyz', '/metrics']);

/** The console's Express app: health, metrics and OpenAPI in the open; everything under /api/v1 authenticated. */
export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  // API answers are never cached (no-store), so hashing every body for an ETag would be wasted work.
  app.set('etag', false);
  app.use(pinoHttp({
    logger: options.log,
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    autoLogging: { ignore: (req) => quietPaths.has(req.url ?? '') },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    // Method, path and status only: no headers (tokens), no query strings, no bodies (SQL goes to the audit log).
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string }) => ({ id: req.id, method: req.method, path: req.url?.split('?')[0] }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  }));
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    res.status(options.isShuttingDown() ? 503 : 200).json({ status: options.isShuttingDown() ? 'shutting down' : 'ready' });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', options.metrics.registry.contentType);
    res.send(await options.metrics.registry.metrics());
  });
  const openapi = openApiDocument();
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  const api = express.Router();
  api.use((_req: Request, res: Response, next: NextFunction) => {
    if (options.isShuttingDown()) throw new ShuttingDown();
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  api.use(express.json({ limit: '1mb' }));
  api.use(requireIdentity(options.authenticator));
  metaRoutes(api, options);
  policyRoutes(api, options);
  queryRoutes(api, options);
  askRoutes(api, options);
  api.use(apiNotFound);
  app.use('/api/v1', api);
  app.use('/api', apiNotFound);
  if (options.mcp) {
    app.use('/mcp', (_req: Request, res: Response, next: NextFunction) => {
      if (options.isShuttingDown()) throw new ShuttingDown();
      res.setHeader('Cache-Control', 'no-store');
      next();
    }, mcpRouter({ ...options, maxResultBytes: options.mcp.maxResultBytes, version: consoleVersion }));
  }

  if (options.staticDir && existsSync(options.staticDir)) {
    const index = join(options.staticDir, 'index.html');
    app.use(express.static(options.staticDir, { index: 'index.html' }));
    // The web UI routes in the browser: unknown GETs get its index page.
    app.use((req, res, next) => {
      if (req.method === 'GET' && existsSync(index)) res.sendFile(index);
      else next();
    });
  }
  // No web app build (a console started from the sources before `npm run build:web`): say so, not "Cannot GET /".
  app.get('/', (_req, res) => {
    res.status(404).type('html').send(webAppMissingPage(options.staticDir));
  });

  app.use(errorHandler(options.log));
  return app;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page at / when the web app's build is missing: what to run, and that the API works without it. */
export function webAppMissingPage(staticDir: string | undefined): string {
  const where = staticDir ? `<code>${escapeHtml(staticDir)}</code> has no <code>index.html</code>` : 'no web app directory is configured';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dbwarden console: web app not built</title></head>
<body>
<h1>The dbwarden console is running, but its web app is not built</h1>
<p>${where}.</p>
<p>From the repository, run <code>npm run build:web</code> (it writes <code>console/web/dist</code>) and reload this page;
<code>npm run console</code> builds it when it is missing. Or set <code>DBWARDEN_CONSOLE_STATIC_DIR</code> to a built copy.</p>
<p>The API works without it: <a href="openapi.json">/openapi.json</a> describes it.</p>
</body></html>
`;
}
