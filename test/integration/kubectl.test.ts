/**
 * The kubectl the demo, the tests and `.dev/env` use is the one hack/env/kubectl.ts builds from the control
 * plane's Kubernetes release, not whatever the machine has on PATH (this machine may have none, or an old one).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { kubectlPath } from '../../hack/env/kubectl.js';
import { kubernetesVersion } from '../../hack/env/localkube.js';
import { envFile } from '../../hack/env/paths.js';

const sh = (script: string, env: NodeJS.ProcessEnv = process.env): string => execFileSync('bash', ['-c', script, 'bash', envFile], { env, encoding: 'utf8' }).trim();

describe('kubectl', () => {
  it('is the cached build, first on the tests\' PATH, at the control plane\'s release', () => {
    expect(sh('command -v kubectl')).toBe(kubectlPath());
    const { clientVersion, serverVersion } = JSON.parse(sh('kubectl version -o json')) as Record<string, { gitVersion: string }>;
    expect(clientVersion?.gitVersion).toBe(kubernetesVersion);
    expect(serverVersion?.gitVersion).toBe(kubernetesVersion);
  });

  it('comes first for anyone who sources .dev/env, whatever else is on their PATH', () => {
    const path = sh('PATH=/usr/local/bin:/usr/bin:/bin; . "$1"; command -v kubectl', { HOME: process.env.HOME });
    expect(path).toBe(kubectlPath());
  });
});
