import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { EnvError } from './errors.js';
import { heartbeat, info, step } from './log.js';
import { cacheDir, repoRoot } from './paths.js';
import { run } from './proc.js';

/** The Kubernetes release the local control plane is built from (see hack/localkube/go.mod). */
export const kubernetesVersion = 'v1.36.3';

const sourceDir = join(repoRoot, 'hack', 'localkube');

/** The cached binary's path: keyed by the Kubernetes version and a hash of the Go sources. */
export function localkubePath(): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(sourceDir, file)));
  return join(cacheDir, 'localkube', `${kubernetesVersion}-${hash.digest('hex').slice(0, 12)}`, 'localkube');
}

/** Builds hack/localkube unless the cache already holds this version. Returns the binary's path. */
export async function ensureLocalkube(): Promise<string> {
  const binary = localkubePath();
  if (existsSync(binary)) return binary;
  await run('go', ['version']).catch(() => {
    throw new EnvError(
      'Go is needed once to build the local Kubernetes (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy)',
      'install Go 1.26 or newer and put it on PATH',
    );
  });
  mkdirSync(join(binary, '..'), { recursive: true });
  const [major, minor] = kubernetesVersion.slice(1).split('.');
  const ldflags = [
    '-s', '-w',
    `-X k8s.io/component-base/version.gitVersion=${kubernetesVersion}`,
    `-X k8s.io/component-base/version.gitMajor=${major}`,
    `-X k8s.io/component-base/version.gitMinor=${minor}`,
    '-X k8s.io/component-base/version.gitTreeState=clean',
  ].join(' ');
  const env = { ...process.env, GOWORK: 'off', CGO_ENABLED: '0', GOFLAGS: '-mod=mod -buildvcs=false' };
  await step(`Building localkube (control plane and node components) from k8s.io/kubernetes ${kubernetesVersion} (cold: 10–30 min on 2 cores; cached after)`, async () => {
    let compiled = 0;
    let last = '';
    const stop = heartbeat(15_000, (s) => `${s}s: ${compiled} packages compiled${last ? `, now ${last}` : ''}`);
    try {
      await run('go', ['mod', 'download'], { cwd: sourceDir, env });
      await run('go', ['build', '-v', '-trimpath', '-ldflags', ldflags, '-o', `${binary}.tmp`, '.'], {
        cwd: sourceDir,
        env,
        onLine: (line) => {
          if (line && !line.startsWith('#') && !line.includes(' ')) {
            compiled += 1;
            last = line;
          }
        },
      });
    } catch (err) {
      throw new EnvError(
        `building the local control plane failed: ${(err as Error).message}`,
        `the build runs in ${sourceDir} with GOWORK=off CGO_ENABLED=0; it needs the Go module proxy and about 3 GiB of memory for the link step`,
      );
    } finally {
      stop();
    }
    renameSync(`${binary}.tmp`, binary);
  });
  info(`  control plane binary cached at ${binary}`);
  return binary;
}
