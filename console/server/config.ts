import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseDuration } from '@dbwarden/api/duration';

const duration = (min: number, max: number) => z.string().transform((s, ctx) => {
  try {
    const ms = parseDuration(s);
    if (ms < min || ms > max) ctx.addIssue({ code: 'custom', message: `must be between ${min}ms and ${max}ms` });
    return ms;
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const optional = z.string().trim().transform((s) => (s === '' ? undefined : s)).optional();
const flag = z.enum(['true', 'false', '1', '0', 'on', 'off']).transform((s) => s === 'true' || s === '1' || s === 'on');

/** Each setting: its environment variable, its default and what it does (the source of docs/console.md). */
const schema = z.object({
  PORT: int(0, 65535).default(8080),
  DBWARDEN_CONSOLE_HOST: optional,
  DBWARDEN_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'),
  OPENAI_API_KEY: optional,
  OPENAI_BASE_URL: optional.pipe(z.url().optional()),
  OPENAI_MODEL: z.string().trim().min(1).default('gpt-4o-mini'),
  OPENAI_TIMEOUT: duration(1000, 600_000).default(60_000),
  OPENAI_MAX_RETRIES: int(0, 10).default(2),
  DBWARDEN_CONSOLE_STATIC_DIR: optional,
  DBWARDEN_CONSOLE_CACHE_TTL: duration(0, 300_000).default(10_000),
  DBWARDEN_CONSOLE_CREDENTIALS_TTL: duration(0, 60_000).default(5_000),
  DBWARDEN_CONSOLE_MAX_SQL_LENGTH: int(100, 1_000_000).default(20_000),
  DBWARDEN_CONSOLE_POOL_MAX: int(1, 100).default(5),
  DBWARDEN_CONSOLE_POOL_IDLE: duration(1000, 3_600_000).default(60_000),
  DBWARDEN_CONSOLE_QUEUE_MAX: int(0, 10_000).default(100),
  DBWARDEN_CONSOLE_QUEUE_TIMEOUT: duration(100, 600_000).default(10_000),
  DBWARDEN_CONSOLE_CONVERSATION_TTL: duration(60_000, 86_400_000).default(3_600_000),
  DBWARDEN_CONSOLE_SHUTDOWN_TIMEOUT: duration(0, 300_000).default(10_000),
  DBWARDEN_CONSOLE_MCP: flag.default(true),
  DBWARDEN_CONSOLE_MCP_MAX_RESULT_BYTES: int(1024, 16 * 1024 * 1024).default(256 * 1024),
});

/** The environment variables the console reads (docs/console.md documents each: test/unit/docs-drift.test.ts). */
export const environmentVariables = Object.keys(schema.shape);

export interface ConsoleConfig {
  port: number;
  host?: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
  ai: { apiKey?: string; baseURL?: string; model: string; timeoutMs: number; maxRetries: number };
  staticDir: string;
  cacheTtlMs: number;
  /** How long credentials read from a policy's Secret are reused before the Secret is read again. */
  credentialsTtlMs: number;
  maxSqlLength: number;
  pool: { max: number; idleMs: number; queueMax: number; queueTimeoutMs: number };
  conversationTtlMs: number;
  shutdownTimeoutMs: number;
  /** The MCP endpoint (/mcp): on or off, and the most bytes of rows one tool result carries. */
  mcp: { enabled: boolean; maxResultBytes: number };
}

export class ConfigError extends Error {}

/** The web UI's build: console/web/dist beside the sources, or web/ beside the production bundle (console/Dockerfile). */
export const defaultStaticDir = [join(import.meta.dirname, '..', 'web', 'dist'), join(import.meta.dirname, 'web')]
  .find((dir) => existsSync(dir)) ?? join(import.meta.dirname, '..', 'web', 'dist');

/** Reads the configuration from environment variables; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv): ConsoleConfig {
  const known = Object.fromEntries(Object.keys(schema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = schema.safeParse(known);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const c = parsed.data;
  return {
    port: c.PORT,
    ...(c.DBWARDEN_CONSOLE_HOST ? { host: c.DBWARDEN_CONSOLE_HOST } : {}),
    logLevel: c.DBWARDEN_LOG_LEVEL,
    ai: {
      ...(c.OPENAI_API_KEY ? { apiKey: c.OPENAI_API_KEY } : {}),
      ...(c.OPENAI_BASE_URL ? { baseURL: c.OPENAI_BASE_URL } : {}),
      model: c.OPENAI_MODEL,
      timeoutMs: c.OPENAI_TIMEOUT,
      maxRetries: c.OPENAI_MAX_RETRIES,
    },
    staticDir: c.DBWARDEN_CONSOLE_STATIC_DIR ?? defaultStaticDir,
    cacheTtlMs: c.DBWARDEN_CONSOLE_CACHE_TTL,
    credentialsTtlMs: c.DBWARDEN_CONSOLE_CREDENTIALS_TTL,
    maxSqlLength: c.DBWARDEN_CONSOLE_MAX_SQL_LENGTH,
    pool: {
      max: c.DBWARDEN_CONSOLE_POOL_MAX,
      idleMs: c.DBWARDEN_CONSOLE_POOL_IDLE,
      queueMax: c.DBWARDEN_CONSOLE_QUEUE_MAX,
      queueTimeoutMs: c.DBWARDEN_CONSOLE_QUEUE_TIMEOUT,
    },
    conversationTtlMs: c.DBWARDEN_CONSOLE_CONVERSATION_TTL,
    shutdownTimeoutMs: c.DBWARDEN_CONSOLE_SHUTDOWN_TIMEOUT,
    mcp: { enabled: c.DBWARDEN_CONSOLE_MCP, maxResultBytes: c.DBWARDEN_CONSOLE_MCP_MAX_RESULT_BYTES },
  };
}
