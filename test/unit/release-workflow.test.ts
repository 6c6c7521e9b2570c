/**
 * .github/workflows/release.yaml cannot run here (no GitHub, no registry), so it is checked by reading it:
 * the trigger, the least permissions, actions pinned to a major version, both images multi-arch from their
 * own Dockerfiles, and the chart pushed to GHCR.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..', '..');

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  on: { push: { tags: string[] } };
  permissions: Record<string, string>;
  jobs: Record<string, { needs?: string; steps: Step[]; strategy?: { matrix: { component: string[] } } }>;
}

const workflow = parse(readFileSync(join(root, '.github/workflows/release.yaml'), 'utf8')) as Workflow;
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
const uses = (action: string): Step | undefined => steps.find((s) => s.uses?.startsWith(`${action}@`));

describe('release workflow', () => {
  it('runs on v* tags with contents: read and packages: write only', () => {
    expect(workflow.on).toEqual({ push: { tags: ['v*'] } });
    expect(workflow.permissions).toEqual({ contents: 'read', packages: 'write' });
  });

  it('pins every action to a major version', () => {
    for (const step of steps.filter((s) => s.uses)) expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/);
    for (const action of ['actions/checkout', 'docker/setup-qemu-action', 'docker/setup-buildx-action', 'docker/login-action', 'docker/build-push-action', 'azure/setup-helm']) {
      expect(uses(action), action).toBeDefined();
    }
  });

  it('builds both images for amd64 and arm64 from their Dockerfiles and pushes them to GHCR', () => {
    expect(workflow.jobs.images?.strategy?.matrix.component).toEqual(['operator', 'console']);
    for (const component of ['operator', 'console']) expect(existsSync(join(root, component, 'Dockerfile'))).toBe(true);
    const build = uses('docker/build-push-action')!.with!;
    expect(build).toMatchObject({ context: '.', file: '${{ matrix.component }}/Dockerfile', platforms: 'linux/amd64,linux/arm64', push: true });
    expect(uses('docker/metadata-action')!.with!.images).toBe('ghcr.io/${{ github.repository_owner }}/dbwarden-${{ matrix.component }}');
    expect(uses('docker/login-action')!.with).toMatchObject({ registry: 'ghcr.io', password: '${{ secrets.GITHUB_TOKEN }}' });
  });

  it('packages the chart after the images and pushes it to GHCR as OCI, the token only through stdin', () => {
    expect(workflow.jobs.chart?.needs).toBe('images');
    const script = steps.map((s) => s.run ?? '').join('\n');
    expect(script).toContain('helm package charts/dbwarden --version "$version" --app-version "$version"');
    expect(script).toMatch(/helm push "\$CHART" "oci:\/\/ghcr\.io\/\$\{OWNER_LC\}\/charts"/);
    expect(script).toContain('--password-stdin');
    expect(script).not.toContain('${{ secrets');
    expect(existsSync(join(root, 'charts/dbwarden/Chart.yaml'))).toBe(true);
  });
});
