import type { AccessPolicy } from '@dbwarden/api';
import type { KubeClient } from '../../kube/client.js';
import { WaitingForObject } from '../../errors.js';

/** The pod-template annotation whose change makes a workload's pods restart with the new credentials. */
export const restartAnnotation = 'dbwarden.io/credentials-rotated-at';

/**
 * Every restart target must exist before anything rotates: a typo must not go unnoticed until a rotation. The
 * operator does not watch workloads, so the policy is checked again every resync period until they exist.
 */
export async function checkRestartTargets(kube: KubeClient, policy: AccessPolicy): Promise<void> {
  const namespace = policy.metadata!.namespace!;
  const missing: string[] = [];
  for (const t of policy.spec.rotation?.restartTargets ?? []) {
    if ((await kube.podTemplateAnnotations(t.kind, namespace, t.name)) === undefined) missing.push(`${t.kind} ${t.name}`);
  }
  if (missing.length) {
    throw new WaitingForObject('RestartTargetNotFound',
      `spec.rotation.restartTargets names ${missing.join(', ')}, which does not exist in namespace ${namespace}; fix the list (nothing was rotated)`);
  }
}

/** Rolls each target whose pods have not seen the credentials of `rotatedAt` yet. Returns the ones restarted. */
export async function restartTargets(kube: KubeClient, policy: AccessPolicy, rotatedAt: string): Promise<string[]> {
  const namespace = policy.metadata!.namespace!;
  const restarted: string[] = [];
  for (const t of policy.spec.rotation?.restartTargets ?? []) {
    const current = await kube.podTemplateAnnotations(t.kind, namespace, t.name);
    if (current === undefined || current[restartAnnotation] === rotatedAt) continue;
    await kube.annotatePodTemplate(t.kind, namespace, t.name, restartAnnotation, rotatedAt);
    restarted.push(`${t.kind} ${t.name}`);
  }
  return restarted;
}
