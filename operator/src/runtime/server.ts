import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createLogger } from './logger.js';

/** What the probes ask of a cache; an Informer is one. */
export interface CacheStatus {
  readonly name: string;
  hasSynced(): boolean;
  isHealthy(): boolean;
}

export interface OperatorServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  /** Default: every interface, so the kubelet can reach the probes. */
  host?: string;
  registry: Registry;
  logger?: Logger;
}

interface Check {
  name: string;
  ok: boolean;
}

/** A connection still open this long after close() is cut. */
const closeGraceMs = 5_000;

/**
 * The operator's HTTP endpoints: /healthz (liveness: no informer stuck), /readyz (every informer's cache has
 * synced; leadership is not required, so standby replicas are ready too) and /metrics (Prometheus).
 */
export class OperatorServer {
  private readonly server: Server;
  private readonly caches = new Set<CacheStatus>();
  private readonly log: Logger;

  constructor(private readonly options: OperatorServerOptions) {
    this.log = options.logger ?? createLogger('silent');
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log.error({ err, path: req.url }, 'request failed');
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('internal error\n');
      });
    });
  }

  /** Adds a cache to the health and readiness checks. */
  track(cache: CacheStatus): void {
    this.caches.add(cache);
  }

  /** Starts listening; resolves with the port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        // The caller logs the port (one line: "serving metrics and health on port N").
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting connections and resolves when open ones have finished (cut after a few seconds). */
  close(): Promise<void> {
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const force = setTimeout(() => this.server.closeAllConnections(), closeGraceMs);
      force.unref();
      this.server.close((err) => {
        clearTimeout(force);
        if (err) reject(err);
        else resolve();
      });
      this.server.closeIdleConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const routes: Record<string, () => Promise<void> | void> = {
      '/healthz': () => this.report(res, this.checks((cache) => cache.isHealthy(), 'informer')),
      '/readyz': () => this.report(res, this.checks((cache) => cache.hasSynced(), 'cache')),
      '/metrics': () => this.metrics(res),
    };
    const route = routes[path];
    if (!route) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'Content-Type': 'text/plain', Allow: 'GET, HEAD' }).end('method not allowed\n');
      return;
    }
    await route();
  }

  private checks(passes: (cache: CacheStatus) => boolean, kind: string): Check[] {
    return [...this.caches].map((cache) => ({ name: `${kind} ${cache.name}`, ok: passes(cache) }));
  }

  private report(res: ServerResponse, checks: Check[]): void {
    const ok = checks.every((check) => check.ok);
    res.writeHead(ok ? 200 : 503, { 'Content-Type': 'application/json' });
    res.end(`${JSON.stringify({ status: ok ? 'ok' : 'failed', checks })}\n`);
  }

  private async metrics(res: ServerResponse): Promise<void> {
    const body = await this.options.registry.metrics();
    res.writeHead(200, { 'Content-Type': this.options.registry.contentType });
    res.end(body);
  }
}
