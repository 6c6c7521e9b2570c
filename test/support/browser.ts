/**
 * Real Chromium for the browser tests: the system's /usr/bin/chromium (installed through apt when missing;
 * Playwright cannot download browsers here) driven by playwright-core, each launch with a fresh profile.
 * Screenshots go to test-results/screenshots/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ensurePackages } from '../../hack/env/packages.js';

export const chromiumPath = '/usr/bin/chromium';
export const screenshotDir = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
export const desktop = { width: 1280, height: 800 };
export const narrow = { width: 390, height: 844 };

const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Installs Debian's chromium when it is missing; a parallel worker doing the same is waited for. */
export async function ensureChromium(): Promise<void> {
  try {
    await ensurePackages([{ pkg: 'chromium', provides: chromiumPath }]);
  } catch (err) {
    // Another worker may hold apt's lock while it installs the same package.
    for (let i = 0; i < 600 && !existsSync(chromiumPath); i++) await new Promise((r) => setTimeout(r, 500));
    if (!existsSync(chromiumPath)) throw err;
  }
}

export interface TestBrowser {
  context: BrowserContext;
  /** A new page; errors the page logs or throws are collected in `errors`. */
  page(viewport?: { width: number; height: number }): Promise<Page>;
  errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  await ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), 'dbw-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: flags,
    viewport: desktop,
    acceptDownloads: true,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  const errors: string[] = [];
  return {
    context,
    errors,
    async page(viewport = desktop) {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
      });
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as test-results/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
