/**
 * The console started the way docs/console.md says, on a checkout where nobody ran `npm run build:web`:
 * `npm run console` builds the web app first and serves it; the server started without a build says at /
 * how to get one instead of "Cannot GET /". (That the operator's default port is not the console's, so both
 * start side by side as documented, is test/unit/ports.test.ts.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { required } from '../support/env.js';

const root = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) {
    // npm runs the console in a process group of its own (detached): stop all of it.
    if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Starts a command in its own process group and resolves with the console's URL once it listens. */
async function start(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ url: string; output: string[] }> {
  const output: string[] = [];
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the console did not start:\n${output.join('\n')}`)), 240_000);
    child.once('exit', (code) => reject(new Error(`the console exited (${code}):\n${output.join('\n')}`)));
    for (const stream of [child.stdout, child.stderr]) {
      createInterface(stream).on('line', (line) => {
        output.push(line);
        const m = /"port":(\d+).*"msg":"dbwarden console listening"/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(`http://127.0.0.1:${m[1]}`);
        }
      });
    }
  });
  return { url, output };
}

const consoleEnv = (staticDir: string): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: required('KUBECONFIG'), PORT: '0', DBWARDEN_CONSOLE_HOST: '127.0.0.1', DBWARDEN_CONSOLE_STATIC_DIR: staticDir };
  delete env.OPENAI_API_KEY;
  return env;
};

describe('starting the console from a checkout', () => {
  it('npm run console builds the missing web app, then serves it at /', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbw-console-web-'));
    dirs.push(dir);
    const staticDir = join(dir, 'dist');
    const { url, output } = await start('npm', ['run', '--silent', 'console'], consoleEnv(staticDir));
    expect(output.join('\n')).toContain('Building the console web app');
    expect(existsSync(join(staticDir, 'index.html'))).toBe(true);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>dbwarden console</title>');
    expect(html).toMatch(/<script type="module"[^>]* src="\.\/assets\/[^"]+\.js"/);
  }, 300_000);

  it('the server without a web app build answers / with a page that says how to build it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbw-console-noweb-'));
    dirs.push(dir);
    const { url } = await start(process.execPath, ['--import', 'tsx', join(root, 'console', 'server', 'main.ts')], consoleEnv(join(dir, 'missing')));
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('npm run build:web');
    expect(html).not.toContain('Cannot GET');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/api/v1/me`)).status).toBe(401);
  }, 120_000);
});
