import { describe, expect, it } from 'vitest';
import { ConfigError, defaultStaticDir, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has defaults for everything, and no AI without a key', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.ai).toEqual({ model: 'gpt-4o-mini', timeoutMs: 60_000, maxRetries: 2 });
    expect(c.staticDir).toBe(defaultStaticDir);
    expect(c.pool).toEqual({ max: 5, idleMs: 60_000, queueMax: 100, queueTimeoutMs: 10_000 });
    expect(c.credentialsTtlMs).toBe(5_000);
  });

  it('reads the documented variables', () => {
    const c = loadConfig({
      PORT: '0', OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'http://127.0.0.1:1/v1', OPENAI_MODEL: 'llama3', DBWARDEN_CONSOLE_CACHE_TTL: '0s',
      DBWARDEN_CONSOLE_CREDENTIALS_TTL: '0s',
    });
    expect(c.port).toBe(0);
    expect(c.ai).toMatchObject({ apiKey: 'k', baseURL: 'http://127.0.0.1:1/v1', model: 'llama3' });
    expect(c.cacheTtlMs).toBe(0);
    expect(c.credentialsTtlMs).toBe(0);
  });

  it('lists every problem with the variable to fix', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', OPENAI_BASE_URL: 'not a url', DBWARDEN_CONSOLE_POOL_IDLE: '5x', DBWARDEN_CONSOLE_CREDENTIALS_TTL: '10m' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'OPENAI_BASE_URL', 'DBWARDEN_CONSOLE_POOL_IDLE', 'DBWARDEN_CONSOLE_CREDENTIALS_TTL']) expect(message).toContain(name);
  });
});
