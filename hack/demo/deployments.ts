import { EnvError } from '../env/errors.js';
import { info } from '../env/log.js';
import { sleep } from '../env/proc.js';
import type { Kubectl } from './objects.js';

interface Deployment {
  metadata: { name: string; generation?: number };
  spec: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
}

interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  status?: {
    phase?: string;
    containerStatuses?: Array<{ ready: boolean; restartCount: number; state?: { waiting?: { reason?: string; message?: string } } }>;
  };
}

/** Rolled out: the current generation seen, every replica updated, Ready and available, no old pod left. */
function rolledOut(d: Deployment): boolean {
  const want = d.spec.replicas ?? 1;
  const s = d.status ?? {};
  return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 1)
    && s.updatedReplicas === want && s.readyReplicas === want && s.availableReplicas === want && s.replicas === want;
}

function describe(d: Deployment): string {
  const s = d.status ?? {};
  const failure = s.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  return `${d.metadata.name} ${s.readyReplicas ?? 0}/${d.spec.replicas ?? 1} ready${failure ? ` (${failure.reason}: ${failure.message})` : ''}`;
}

function describePod(p: Pod): string {
  const c = p.status?.containerStatuses?.[0];
  const waiting = c?.state?.waiting?.reason;
  return `${p.metadata.name} ${p.metadata.deletionTimestamp ? 'Terminating' : (p.status?.phase ?? 'Pending')}${c ? `${c.ready ? ' ready' : ''}${waiting ? ` ${waiting}` : ''}${c.restartCount ? ` restarts ${c.restartCount}` : ''}` : ''}`;
}

/**
 * Waits until the Deployments are rolled out, saying every 15 s where their pods are (image, scheduling,
 * probes); fails after timeoutMs with that and where to look.
 */
export async function waitForDeployments(kubectl: Kubectl, namespace: string, names: string[], timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let nextReport = Date.now() + 15_000;
  for (;;) {
    const { stdout } = await kubectl(['get', 'deployments', '-n', namespace, ...names, '-o', 'json']);
    const deployments = (JSON.parse(stdout) as { items: Deployment[] }).items;
    if (deployments.length === names.length && deployments.every(rolledOut)) return;
    const late = Date.now() > deadline;
    if (late || Date.now() > nextReport) {
      nextReport = Date.now() + 15_000;
      const { stdout: podJson } = await kubectl(['get', 'pods', '-n', namespace, '-o', 'json']);
      const pods = (JSON.parse(podJson) as { items: Pod[] }).items;
      const summary = `${deployments.map(describe).join('; ')}. Pods: ${pods.map(describePod).join(', ') || 'none'}`;
      if (late) {
        throw new EnvError(`the Deployments were not Ready after ${timeoutMs / 1000}s: ${summary}`,
          `kubectl describe pods -n ${namespace}; kubectl get events -n ${namespace}; kubectl logs -n ${namespace} <pod>  (source .dev/env first)`);
      }
      info(`  … ${summary}`);
    }
    await sleep(1000);
  }
}
