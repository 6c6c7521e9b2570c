/**
 * The page the element tests share: Vite's dev server serves test/fixture.html, which mounts one element at
 * a time in real Chromium; requests to the console API are answered by the test (page.route), so each
 * element's states — loading, refusals, errors, cancel — can be produced on purpose.
 */
import { join } from 'node:path';
import type { Page, Route } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { launchBrowser, type TestBrowser } from '../../../test/support/browser.js';

const webRoot = join(import.meta.dirname, '..');
let server: ViteDevServer | undefined;
let browser: TestBrowser | undefined;
/** The fixture page, once useComponentPage's beforeAll has run. */
export let page: Page;

/** Starts the dev server and Chromium for this test file, and checks at the end that the page logged no errors. */
export function useComponentPage(): void {
  beforeAll(async () => {
    server = await createServer({
      configFile: join(webRoot, 'vite.config.ts'),
      logLevel: 'silent',
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, proxy: {} },
      // Every dependency is already ESM: no pre-bundling, so no reload while a test runs.
      optimizeDeps: { noDiscovery: true, include: [] },
    });
    await server.listen();
    browser = await launchBrowser();
    page = await browser.page();
    await page.goto(`${server.resolvedUrls!.local[0]}test/fixture.html`);
    await page.waitForFunction(() => window.dbwReady === true);
  }, 120_000);

  afterAll(async () => {
    const errors = browser?.errors ?? [];
    await browser?.close();
    await server?.close();
    // The API errors the tests answer on purpose are logged by Chromium as failed resources.
    expect(errors.filter((e) => !/Failed to load resource: the server responded with a status of (401|403|409|422)/.test(e))).toEqual([]);
  });

  beforeEach(async () => {
    await page.unrouteAll();
  });
}

/** Mounts one element with these properties; `withApi` gives it a ConsoleApi whose requests the test answers. */
export const mount = (tag: string, props: Record<string, unknown> = {}, withApi = false): Promise<void> =>
  page.evaluate(([t, p, a]) => window.dbw.mount(t, p, a), [tag, props, withApi] as const);

/** The details of the events of this type the mounted element fired. */
export const events = (type: string): Promise<unknown[]> =>
  page.evaluate((t) => window.dbw.events.filter((e) => e.type === t).map((e) => e.detail), type);

/** Answers an intercepted API request with JSON. */
export const json = (route: Route, status: number, body: unknown): Promise<void> =>
  route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
