import type { V1Secret } from '@kubernetes/client-node';
import { accessPolicies, apiVersion, policyFinalizer, type AccessPolicy, type DatabaseConnection } from '@dbwarden/crds';
import type { Logger } from 'pino';
import type { KubeClient } from '../../kube/client.js';
import type { EventRecorder } from '../../kube/events.js';
import { sameJson } from '../../util/deep-equal.js';
import { parseDuration } from '../../util/duration.js';
import { isReady } from '../conditions.js';
import type { ConnectionHandle, ConnectionRegistry } from '../connection/registry.js';
import { ReconcileError } from '../errors.js';
import { failureOf } from '../failure.js';
import type { ReconcileResult } from '../result.js';
import { credentialData } from './credentials.js';
import { grantsFor, principalFor, secretNameFor } from './desired.js';
import { finalize } from './finalizer.js';
import { ensureCredentials } from './provision.js';
import { SecretStore } from './secret-store.js';
import { failedStatus, provisionedStatus } from './status.js';

export interface PolicyMetrics {
  driftCorrected(engine: string, direction: 'granted' | 'revoked', count: number): void;
}

export interface PolicyReconcilerDeps {
  getPolicy(namespace: string, name: string): AccessPolicy | undefined;
  getConnection(namespace: string, name: string): DatabaseConnection | undefined;
  /** Reads a Secret from a cache; without it the reconciler reads from the API. */
  getSecret?: (namespace: string, name: string) => V1Secret | undefined;
  kube: KubeClient;
  registry: ConnectionRegistry;
  events: EventRecorder;
  metrics?: PolicyMetrics;
  log: Logger;
  resyncMs: number;
}

const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Makes an AccessPolicy true in its database: a dedicated user with exactly the declared privileges, its
 * credentials in an owned Secret, drift corrected on every pass. Writes status only when it changed.
 */
export class PolicyReconciler {
  constructor(private readonly deps: PolicyReconcilerDeps) {}

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split('/') as [string, string];
    const policy = this.deps.getPolicy(namespace, name);
    if (!policy) return {};
    const target = { apiVersion, kind: accessPolicies.kind, metadata: policy.metadata };
    try {
      if (policy.metadata?.deletionTimestamp) {
        await finalize(policy, { ...this.deps, handle: () => this.handle(policy) });
        return {};
      }
      await this.ensureFinalizer(policy);
      const result = await this.provision(policy);
      return result;
    } catch (err) {
      const failure = failureOf(err);
      this.deps.log.warn({ key, reason: failure.reason, detail: failure.message }, 'access policy not ready');
      await this.writeStatus(policy, failedStatus(policy, failure));
      this.deps.events.warning(target, failure.reason, failure.message);
      if (!failure.retryable) return {};
      throw err;
    }
  }

  private async handle(policy: AccessPolicy): Promise<ConnectionHandle> {
    const namespace = policy.metadata!.namespace!;
    const ref = policy.spec.connectionRef.name;
    const connection = this.deps.getConnection(namespace, ref);
    if (!connection) throw new ReconcileError('ConnectionNotFound', `DatabaseConnection ${namespace}/${ref} does not exist`);
    try {
      return await this.deps.registry.get(connection);
    } catch (err) {
      const f = failureOf(err);
      throw new ReconcileError('ConnectionNotReady', `DatabaseConnection ${ref} is not ready (${f.reason}): ${f.message}`);
    }
  }

  private async ensureFinalizer(policy: AccessPolicy): Promise<void> {
    const finalizers = policy.metadata?.finalizers ?? [];
    if (finalizers.includes(policyFinalizer)) return;
    await this.deps.kube.setFinalizers(accessPolicies.plural, policy.metadata!.namespace!, policy.metadata!.name!,
      [...finalizers, policyFinalizer], policy.metadata!.resourceVersion!);
  }

  private async provision(policy: AccessPolicy): Promise<ReconcileResult> {
    const { engine, resolved } = await this.handle(policy);
    const { settings } = resolved;
    const principal = principalFor(policy, settings.engine, settings.tls.mode);
    const grants = grantsFor(policy, settings.engine);
    const store = await SecretStore.open(this.deps.kube, policy, secretNameFor(policy), this.deps.getSecret);
    const render = (username: string, password: string): Record<string, string> => credentialData(settings, username, password);

    const active = await ensureCredentials(store, engine, principal, render, policy.status?.username === principal.name);
    const sync = await engine.syncGrants(principal, grants);
    await store.write({ data: render(active.username, active.password), rotatedAt: active.rotatedAt });

    const generation = policy.metadata?.generation ?? 0;
    const changed = sync.granted.length + sync.revoked.length > 0;
    const drifted = changed && policy.status?.observedGeneration === generation && isReady(policy);
    const now = new Date();
    if (drifted) this.reportDrift(policy, settings.engine, sync.granted, sync.revoked);

    const intervalMs = parseDuration(policy.spec.rotation?.interval ?? '2160h');
    const next = new Date(Date.parse(active.rotatedAt) + intervalMs);
    await this.writeStatus(policy, provisionedStatus(policy, {
      username: principal.name,
      activeUsername: active.username,
      secretName: store.name,
      lastRotationTime: active.rotatedAt,
      nextRotationTime: rfc3339(next),
      report: sync.report,
      ...(drifted ? { drift: { time: rfc3339(now), granted: sync.granted, revoked: sync.revoked } } : {}),
    }, now));
    return { requeueAfterMs: this.deps.resyncMs };
  }

  private reportDrift(policy: AccessPolicy, engine: string, granted: string[], revoked: string[]): void {
    const target = { apiVersion, kind: accessPolicies.kind, metadata: policy.metadata };
    const parts = [revoked.length ? `revoked ${revoked.join('; ')}` : '', granted.length ? `granted ${granted.join('; ')}` : ''].filter(Boolean);
    this.deps.events.warning(target, 'GrantsDrifted', `the database differed from the policy and was corrected: ${parts.join('; ')}`);
    this.deps.log.warn({ policy: `${policy.metadata?.namespace}/${policy.metadata?.name}`, granted, revoked }, 'grant drift corrected');
    this.deps.metrics?.driftCorrected(engine, 'granted', granted.length);
    this.deps.metrics?.driftCorrected(engine, 'revoked', revoked.length);
  }

  private async writeStatus(policy: AccessPolicy, status: AccessPolicy['status']): Promise<void> {
    if (sameJson(status, policy.status)) return;
    await this.deps.kube.patchStatus(accessPolicies.plural, policy.metadata!.namespace!, policy.metadata!.name!, status!);
  }
}
