import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EnvError } from './errors.js';
import { heartbeat, info, step } from './log.js';
import { cacheDir } from './paths.js';
import { run } from './proc.js';

/** A Go module under hack/ whose commands are built once and cached, like hack/localkube. */
export interface GoBuild {
  /** Cache folder name: ~/.cache/dbwarden/<component>/<version>-<hash>/. */
  component: string;
  version: string;
  /** The module's directory (its go.mod, go.sum and Go files make the cache key). */
  sourceDir: string;
  /** Packages to build (import paths or ./dirs); each makes a binary named after its last element. */
  packages: string[];
  ldflags?: string[];
  tags?: string[];
  /** What this is, for the progress line. */
  title: string;
  /** Roughly how long a cold build takes here, for the progress line. */
  coldEstimate: string;
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (name === 'go.mod' || name === 'go.sum' || name.endsWith('.go')) files.push(path);
  }
  return files;
}

/** The cache folder of this build: keyed by the version and a hash of the module's sources. */
export function goBuildDir(build: GoBuild): string {
  const hash = createHash('sha256');
  for (const file of sourceFiles(build.sourceDir)) {
    hash.update(relative(build.sourceDir, file));
    hash.update(readFileSync(file));
  }
  hash.update(JSON.stringify([build.packages, build.ldflags ?? [], build.tags ?? []]));
  return join(cacheDir, build.component, `${build.version}-${hash.digest('hex').slice(0, 12)}`);
}

/** Builds the module's commands unless the cache holds them; returns the folder holding the binaries. */
export async function ensureGoBuild(build: GoBuild): Promise<string> {
  const dir = goBuildDir(build);
  if (existsSync(join(dir, 'build.json'))) return dir;
  await run('go', ['version']).catch(() => {
    throw new EnvError(`Go is needed once to build ${build.title}`, 'install Go 1.26.6 or newer and put it on PATH');
  });
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const env = { ...process.env, GOWORK: 'off', CGO_ENABLED: '0', GOFLAGS: '-mod=mod -buildvcs=false' };
  const t0 = Date.now();
  await step(`Building ${build.title} (cold: ${build.coldEstimate} on 2 cores; cached after)`, async () => {
    let compiled = 0;
    const stop = heartbeat(15_000, (s) => `${s}s: ${compiled} packages compiled`);
    try {
      await run('go', ['mod', 'download'], { cwd: build.sourceDir, env });
      const args = ['build', '-v', '-trimpath', '-ldflags', ['-s', '-w', ...(build.ldflags ?? [])].join(' ')];
      if (build.tags?.length) args.push('-tags', build.tags.join(' '));
      await run('go', [...args, '-o', `${tmp}/`, ...build.packages], {
        cwd: build.sourceDir,
        env,
        onLine: (line) => {
          if (line && !line.startsWith('#') && !line.includes(' ')) compiled += 1;
        },
      });
    } catch (err) {
      throw new EnvError(
        `building ${build.title} failed: ${(err as Error).message}`,
        `the build runs in ${build.sourceDir} with GOWORK=off CGO_ENABLED=0 and needs the Go module proxy`,
      );
    } finally {
      stop();
    }
  });
  writeFileSync(join(tmp, 'build.json'), `${JSON.stringify({ seconds: Math.round((Date.now() - t0) / 1000), builtAt: new Date().toISOString() })}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  info(`  cached at ${dir}`);
  return dir;
}
