import { accessPolicies, apiVersion, policyFinalizer, type AccessPolicy } from '@dbwarden/api';
import type { KubeClient } from '../../kube/client.js';
import type { EventRecorder } from '../../kube/events.js';
import { isNotFound } from '../../kube/errors.js';
import type { ConnectionHandle } from '../connection/registry.js';
import { ReconcileError } from '../../errors.js';
import { failureOf } from '../failure.js';
import { ownedBy, readCredentials } from './credentials.js';
import { principalFor, secretNameFor } from './desired.js';
import { knownPasswords } from './provision.js';

export interface FinalizerDeps {
  kube: KubeClient;
  events: EventRecorder;
  handle(): Promise<ConnectionHandle>;
}

/**
 * Runs when a policy is deleted. Delete: revoke everything, end sessions and drop the user, then let the
 * policy go (its Secret is garbage-collected). Retain: leave the user and keep its Secret (no longer owned),
 * so what uses it keeps working. What blocks deletion is said in status, and retried.
 */
export async function finalize(policy: AccessPolicy, deps: FinalizerDeps): Promise<void> {
  const finalizers = policy.metadata?.finalizers ?? [];
  if (!finalizers.includes(policyFinalizer)) return;
  const namespace = policy.metadata!.namespace!;
  const target = { apiVersion, kind: accessPolicies.kind, metadata: policy.metadata };

  if (policy.spec.deletionPolicy === 'Retain') {
    await orphanSecret(deps.kube, policy);
    deps.events.normal(target, 'UserRetained', `deletionPolicy is Retain: database user ${policy.status?.username ?? ''} and Secret ${secretNameFor(policy)} are left in place`);
  } else {
    let handle: ConnectionHandle;
    try {
      handle = await deps.handle();
    } catch (err) {
      const f = failureOf(err);
      throw new ReconcileError('DeletionBlocked',
        `cannot drop the database user: ${f.message}. Fix the connection, or set spec.deletionPolicy to Retain to leave the user in place`);
    }
    const { engine, resolved } = handle;
    const principal = principalFor(policy, resolved.settings.engine, resolved.settings.tls.mode);
    const stored = readCredentials(await deps.kube.getSecret(namespace, secretNameFor(policy)));
    const known = knownPasswords(stored);
    try {
      // A user the policy never got to own (e.g. its name was taken) is not ours to drop.
      const ownership = await engine.ownership(principal, known);
      if (ownership.state === 'ours' || ownership.ours.length > 0) {
        await engine.drop(principal, known);
      }
    } catch (err) {
      const f = failureOf(err);
      throw new ReconcileError(f.reason === 'DropBlocked' ? 'DropBlocked' : 'DeletionBlocked',
        `cannot drop database user ${principal.name}: ${f.message}`);
    }
    deps.events.normal(target, 'UserDropped', `database user ${principal.name} revoked and dropped`);
  }
  await deps.kube.setFinalizers(accessPolicies.plural, namespace, policy.metadata!.name!,
    finalizers.filter((f) => f !== policyFinalizer), policy.metadata!.resourceVersion!);
}

async function orphanSecret(kube: KubeClient, policy: AccessPolicy): Promise<void> {
  const namespace = policy.metadata!.namespace!;
  const secret = await kube.getSecret(namespace, secretNameFor(policy));
  if (!secret || !ownedBy(secret, policy)) return;
  secret.metadata!.ownerReferences = secret.metadata!.ownerReferences?.filter((r) => r.uid !== policy.metadata?.uid);
  try {
    await kube.replaceSecret(namespace, secret);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
