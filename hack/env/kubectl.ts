/**
 * kubectl, built once from k8s.io/kubernetes/cmd/kubectl at the release hack/localkube runs (hack/kubectl/go.mod)
 * and cached in ~/.cache/dbwarden/kubectl/<version>-<hash>/, like the control plane and Helm: the demo, the
 * tests and `.dev/env` put its folder first on PATH, so they never depend on (or are confused by) whatever
 * kubectl the machine has. `tsx hack/env/kubectl.ts` prints its path; `tsx hack/env/kubectl.ts -- <args>` runs it.
 */
import { spawnSync } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMain } from './errors.js';
import { ensureGoBuild, goBuildDir, type GoBuild } from './gobuild.js';
import { kubernetesVersion } from './localkube.js';
import { repoRoot } from './paths.js';

const [major, minor] = kubernetesVersion.slice(1).split('.');
/** What `kubectl version` reports, as the Kubernetes release build stamps it. */
const versionFlags = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
  `-X ${pkg}.gitVersion=${kubernetesVersion}`,
  `-X ${pkg}.gitMajor=${major}`,
  `-X ${pkg}.gitMinor=${minor}`,
  `-X ${pkg}.gitTreeState=clean`,
]);

export const kubectlBuild: GoBuild = {
  component: 'kubectl',
  version: kubernetesVersion,
  sourceDir: join(repoRoot, 'hack', 'kubectl'),
  packages: ['k8s.io/kubernetes/cmd/kubectl'],
  ldflags: versionFlags,
  title: `kubectl ${kubernetesVersion} from k8s.io/kubernetes/cmd/kubectl`,
  coldEstimate: '2–6 min',
};

/** Where the binary is (or will be) cached. */
export function kubectlPath(): string {
  return join(goBuildDir(kubectlBuild), 'kubectl');
}

let building: Promise<string> | undefined;

/** Builds kubectl unless the cache holds it; returns the binary's path. */
export function ensureKubectl(): Promise<string> {
  building ??= ensureGoBuild(kubectlBuild).then((dir) => join(dir, 'kubectl'));
  return building;
}

/** PATH with the folder of this kubectl first (once). */
export function pathWithKubectl(kubectl: string, path = process.env.PATH ?? ''): string {
  const dir = dirname(kubectl);
  return [dir, ...path.split(delimiter).filter((p) => p && p !== dir)].join(delimiter);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runMain(async () => {
    const kubectl = await ensureKubectl();
    const separator = process.argv.indexOf('--');
    if (separator === -1) {
      process.stdout.write(`${kubectl}\n`);
      return;
    }
    const result = spawnSync(kubectl, process.argv.slice(separator + 1), { stdio: 'inherit' });
    process.exit(result.status ?? 1);
  });
}
