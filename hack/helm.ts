/**
 * Helm, built once from its Go module and cached outside the repository keyed by version (like the local
 * control plane in hack/env/localkube.ts), so a fresh machine needs only Go. `tsx hack/helm.ts` prints its path;
 * `tsx hack/helm.ts -- <args>` runs it.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvError, runMain } from './env/errors.js';
import { heartbeat, info, step } from './env/log.js';
import { cacheDir } from './env/paths.js';
import { run } from './env/proc.js';

/** The Helm release the chart is tested with. */
export const helmVersion = 'v3.22.0';

/**
 * Helm's Makefile stamps its version, and the Kubernetes version `helm template` and `helm lint` assume
 * (from the k8s.io/client-go it is built with: v0.37.0 for Helm v3.22.0); `go install` alone would say v1.20.
 */
const ldflags = [
  '-s', '-w',
  `-X helm.sh/helm/v3/internal/version.version=${helmVersion}`,
  '-X helm.sh/helm/v3/internal/version.gitTreeState=clean',
  ...['pkg/chartutil', 'pkg/lint/rules'].flatMap((pkg) => [
    `-X helm.sh/helm/v3/${pkg}.k8sVersionMajor=1`,
    `-X helm.sh/helm/v3/${pkg}.k8sVersionMinor=37`,
  ]),
].join(' ');

/** Where the binary is cached: keyed by version and build flags, shared by every checkout on this machine. */
export function helmPath(): string {
  const flags = createHash('sha256').update(ldflags).digest('hex').slice(0, 8);
  return join(cacheDir, 'helm', `${helmVersion}-${flags}`, 'helm');
}

let building: Promise<string> | undefined;

/** Builds Helm with `go install` unless the cache holds it. Safe to call concurrently (also across processes). */
export function ensureHelm(): Promise<string> {
  building ??= build();
  return building;
}

async function build(): Promise<string> {
  const binary = helmPath();
  if (existsSync(binary)) return binary;
  await run('go', ['version']).catch(() => {
    throw new EnvError('Go is needed once to build Helm', 'install Go 1.26 or newer and put it on PATH');
  });
  const dir = join(binary, '..');
  mkdirSync(dir, { recursive: true });
  // Each builder installs into a directory of its own and renames the result into place: two processes
  // building at once both succeed, and nobody ever sees a half-written binary.
  const gobin = mkdtempSync(join(dir, 'build-'));
  const env = { ...process.env, GOBIN: gobin, GOWORK: 'off', CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' };
  try {
    await step(`Building Helm ${helmVersion} from its Go module (cold: 2–5 min on 2 cores; cached after)`, async () => {
      let compiled = 0;
      const stop = heartbeat(15_000, (s) => `${s}s: ${compiled} packages compiled`);
      try {
        await run('go', ['install', '-v', '-trimpath', '-ldflags', ldflags, `helm.sh/helm/v3/cmd/helm@${helmVersion}`], {
          env,
          onLine: (line) => {
            if (line && !line.startsWith('#') && !line.includes(' ')) compiled += 1;
          },
        });
      } catch (err) {
        throw new EnvError(`building Helm failed: ${(err as Error).message}`, 'it needs the Go module proxy (GOPROXY) and about 1 GiB of memory');
      } finally {
        stop();
      }
    });
    renameSync(join(gobin, 'helm'), binary);
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
  info(`  helm cached at ${binary}`);
  return binary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runMain(async () => {
    const helm = await ensureHelm();
    const separator = process.argv.indexOf('--');
    if (separator === -1) {
      process.stdout.write(`${helm}\n`);
      return;
    }
    const result = spawnSync(helm, process.argv.slice(separator + 1), { stdio: 'inherit' });
    process.exit(result.status ?? 1);
  });
}
