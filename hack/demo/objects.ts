import { join } from 'node:path';
import { stringify } from 'yaml';
import { info } from '../env/log.js';
import { run, sleep, type RunResult } from '../env/proc.js';
import { demoNamespace } from './manifests.js';

/** kubectl against the local environment (its admin kubeconfig), optionally with stdin. */
export type Kubectl = (args: string[], input?: string) => Promise<RunResult>;

export function kubectlFor(env: Record<string, string>): Kubectl {
  return (args, input) => run('kubectl', args, { env: { ...process.env, ...env }, ...(input ? { input } : {}) });
}

export const serverSideApply = ['apply', '--server-side', '--force-conflicts', '--field-manager=dbwarden-demo'];

/** Applies the two CRDs from `dir` (crds/ or charts/dbwarden/crds/) and waits until both are Established. */
export async function applyCrds(kubectl: Kubectl, dir: string): Promise<void> {
  const names = ['databaseconnections.dbwarden.io', 'accesspolicies.dbwarden.io'];
  await kubectl([...serverSideApply, ...names.flatMap((n) => ['-f', join(dir, `${n}.yaml`)])]);
  // Polled, not `kubectl wait`: a CRD created a moment ago may have no status yet, and kubectl then fails at once.
  for (const crd of names) {
    for (let tries = 0; ; tries++) {
      const { stdout } = await kubectl(['get', 'crd', crd, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}']);
      if (stdout.trim() === 'True') break;
      if (tries >= 120) throw new Error(`CRD ${crd} is not Established after 60s`);
      await sleep(500);
    }
  }
}

export async function applyObjects(kubectl: Kubectl, objects: object[]): Promise<void> {
  await kubectl([...serverSideApply, '-f', '-'], objects.map((o) => stringify(o)).join('---\n'));
}

/** Waits until the demo's four policies are Ready; false (and a note) when they are not within timeoutSeconds. */
export async function waitForPolicies(kubectl: Kubectl, timeoutSeconds = 120): Promise<boolean> {
  for (let i = 0; i < timeoutSeconds; i++) {
    const { stdout } = await kubectl(['get', 'accesspolicies', '-n', demoNamespace, '-o',
      'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
    const statuses = stdout.trim().split('\n');
    if (statuses.length === 4 && statuses.every((s) => s === 'True')) return true;
    await sleep(1000);
  }
  info('  some policies are not Ready yet; see the table below and the operator log');
  return false;
}
