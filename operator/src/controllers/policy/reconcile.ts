import type { V1Secret } from '@kubernetes/client-node';
import { accessPolicies, apiVersion, policyFinalizer, type AccessPolicy, type DatabaseConnection } from '@dbwarden/api';
import type { Logger } from 'pino';
import type { KubeClient } from '../../kube/client.js';
import type { EventRecorder } from '../../kube/events.js';
import { sameJson } from '../../util/deep-equal.js';
import { isReady } from '../conditions.js';
import type { ConnectionHandle, ConnectionRegistry } from '../connection/registry.js';
import { applyNetworkPolicy, type CachedNetworkPolicy } from '../network/apply.js';
import { egressPolicy, egressPolicyName } from '../network/desired.js';
import { EngineError, type Engine, type PrincipalSpec } from '../../engines/engine.js';
import { ReconcileError, WaitingForObject } from '../../errors.js';
import { AuditedFailure } from '../audited-failure.js';
import { failureOf } from '../failure.js';
import type { ReconcileResult } from '../result.js';
import { credentialData } from './credentials.js';
import { assertAllowedNames, systemSchemaRefusal } from './refusals.js';
import { grantsFor, principalFor, secretNameFor } from './desired.js';
import { finalize } from './finalizer.js';
import { ensureCredentials, knownPasswords, rfc3339, type CredentialContext } from './provision.js';
import { checkRestartTargets, restartTargets } from './restart.js';
import { graceMs, nextRotation, pendingRequest, retirePrevious, rotateIfDue } from './rotation.js';
import { SecretStore } from './secret-store.js';
import { failedStatus, provisionedStatus } from './status.js';

export interface PolicyMetrics {
  driftCorrected(engine: string, direction: 'granted' | 'revoked', count: number): void;
  credentialAge(policy: AccessPolicy, seconds: number): void;
}

export interface PolicyReconcilerDeps {
  getPolicy(namespace: string, name: string): AccessPolicy | undefined;
  getConnection(namespace: string, name: string): DatabaseConnection | undefined;
  /** Reads a Secret from a cache; without it the reconciler reads from the API. */
  getSecret?: (namespace: string, name: string) => V1Secret | undefined;
  /** With getSecret: whether a Secret dbwarden does not manage exists (a cache of their metadata). */
  unmanagedSecretExists?: (namespace: string, name: string) => boolean;
  /** Reads a NetworkPolicy dbwarden manages from a cache; without it the reconciler reads from the API. */
  getNetworkPolicy?: CachedNetworkPolicy;
  kube: KubeClient;
  registry: ConnectionRegistry;
  events: EventRecorder;
  metrics?: PolicyMetrics;
  log: Logger;
  resyncMs: number;
}

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
      const audited = err instanceof AuditedFailure ? err : undefined;
      await this.writeStatus(policy, failedStatus(policy, failure, new Date(), audited?.findings, audited?.revoked));
      this.deps.events.warning(target, failure.reason, failure.message);
      if (!failure.retryable) return {};
      if (err instanceof WaitingForObject) return { requeueAfterMs: this.deps.resyncMs };
      throw err;
    }
  }

  private connection(policy: AccessPolicy): DatabaseConnection {
    const namespace = policy.metadata!.namespace!;
    const ref = policy.spec.connectionRef.name;
    const connection = this.deps.getConnection(namespace, ref);
    // Not retried: creating the DatabaseConnection enqueues its policies (watches.ts), and resync re-checks.
    if (!connection) throw new ReconcileError('ConnectionNotFound', `DatabaseConnection ${namespace}/${ref} does not exist`, false);
    return connection;
  }

  private async handle(policy: AccessPolicy, connection = this.connection(policy)): Promise<ConnectionHandle> {
    try {
      return await this.deps.registry.get(connection);
    } catch (err) {
      const f = failureOf(err);
      throw new ReconcileError('ConnectionNotReady', `DatabaseConnection ${connection.metadata?.name} is not ready (${f.reason}): ${f.message}`);
    }
  }

  private async ensureFinalizer(policy: AccessPolicy): Promise<void> {
    const finalizers = policy.metadata?.finalizers ?? [];
    if (finalizers.includes(policyFinalizer)) return;
    await this.deps.kube.setFinalizers(accessPolicies.plural, policy.metadata!.namespace!, policy.metadata!.name!,
      [...finalizers, policyFinalizer], policy.metadata!.resourceVersion!);
  }

  private async provision(policy: AccessPolicy): Promise<ReconcileResult> {
    const connection = this.connection(policy);
    assertAllowedNames(policy, connection.spec.engine);
    const forbidden = systemSchemaRefusal(policy, connection);
    if (forbidden) return this.refuse(policy, connection, forbidden);
    // The network fence does not wait for the database: it is right even while the database is down.
    await applyNetworkPolicy(this.deps.kube, policy.metadata!.namespace!, egressPolicyName(policy), egressPolicy(policy, connection),
      this.deps.getNetworkPolicy);
    const { engine, resolved, facts } = await this.handle(policy, connection);
    const { settings } = resolved;
    assertAllowedNames(policy, settings.engine, settings.admin.username);
    const principal = principalFor(policy, settings.engine, settings.tls.mode);
    const grants = grantsFor(policy, settings.engine);
    const target = { apiVersion, kind: accessPolicies.kind, metadata: policy.metadata };
    await checkRestartTargets(this.deps.kube, policy);
    const store = await SecretStore.open(this.deps.kube, policy, secretNameFor(policy), this.deps.getSecret, this.deps.unmanagedSecretExists);
    const ctx: CredentialContext = {
      store, engine, principal, graceMs: graceMs(policy),
      render: (username, password) => credentialData(settings, username, password),
    };

    let active = await ensureCredentials(ctx, policy.status?.username === principal.name);
    const graceLeftMs = await retirePrevious(ctx, active);
    const rotation = await rotateIfDue(ctx, policy, active, facts.dualPasswords);
    active = rotation.active;
    if (rotation.rotated) {
      const unsafe = principal.strategy === 'in-place' && !facts.dualPasswords;
      this.deps.events.normal(target, 'CredentialsRotated', `Secret ${store.name} now holds new credentials for ${active.username}`);
      if (unsafe) {
        this.deps.events.warning(target, 'RotationInterrupts',
          `${facts.serverVersion} has no dual passwords: with the in-place strategy the old password stopped working at once, so consumers fail until they read the new Secret; use the alternating strategy`);
      }
    }
    const sync = await engine.syncGrants(principal, grants).catch(async (err: unknown) => {
      throw new AuditedFailure(err, await this.findingsAfter(err, engine, principal));
    });
    const findings = await this.audit(engine, principal);
    await store.write({ data: ctx.render(active.username, active.password) });
    const restarted = await restartTargets(this.deps.kube, policy, active.rotatedAt);
    if (restarted.length) this.deps.events.normal(target, 'RestartedConsumers', `restarted ${restarted.join(', ')} to pick up the new credentials`);

    const generation = policy.metadata?.generation ?? 0;
    const changed = sync.granted.length + sync.revoked.length > 0;
    const drifted = changed && policy.status?.observedGeneration === generation && isReady(policy);
    const now = new Date();
    if (drifted) this.reportDrift(policy, settings.engine, sync.granted, sync.revoked);
    this.deps.metrics?.credentialAge(policy, (now.getTime() - Date.parse(active.rotatedAt)) / 1000);

    const next = nextRotation(active.rotatedAt, policy);
    await this.writeStatus(policy, provisionedStatus(policy, {
      username: principal.name,
      activeUsername: active.username,
      secretName: store.name,
      lastRotationTime: active.rotatedAt,
      nextRotationTime: rfc3339(next),
      report: sync.report,
      findings,
      ...(drifted ? { drift: { time: rfc3339(now), granted: sync.granted, revoked: sync.revoked } } : {}),
    }, now));
    const waits = [this.deps.resyncMs, next.getTime() - now.getTime(), graceLeftMs ?? Infinity];
    if (pendingRequest(policy, store.credentials.rotateHandled)) waits.push(graceLeftMs ?? 1000);
    return { requeueAfterMs: Math.max(1000, Math.min(...waits)) };
  }

  /**
   * A spec that names a system schema is refused; what an earlier version granted there is revoked first (a
   * repair on upgrade), said in an event, and the users are audited, so the status tells the whole story.
   */
  private async refuse(policy: AccessPolicy, connection: DatabaseConnection, refusal: EngineError): Promise<never> {
    let handle: ConnectionHandle;
    try {
      handle = await this.handle(policy, connection);
    } catch (err) {
      // Retried: the database must still be checked for what an earlier version granted there.
      throw new ReconcileError(refusal.reason, `${refusal.message}. The database could not be checked for privileges granted there earlier: ${failureOf(err).message}`);
    }
    const { engine, resolved: { settings } } = handle;
    assertAllowedNames(policy, settings.engine, settings.admin.username);
    const principal = principalFor(policy, settings.engine, settings.tls.mode);
    // Passwords prove MySQL users ours only when they come from the policy's own Secret.
    const store = await SecretStore.open(this.deps.kube, policy, secretNameFor(policy), this.deps.getSecret, this.deps.unmanagedSecretExists).catch(() => undefined);
    let revoked: string[];
    try {
      revoked = await engine.revokeSystemPrivileges(principal, store ? knownPasswords(store.credentials) : {});
    } catch (err) {
      // Still refused, and retried: the repair is owed. What stays is counted against LeastPrivilege.
      const message = `${refusal.message}. What an earlier version granted there could not be revoked: ${failureOf(err).message}`;
      throw new AuditedFailure(new ReconcileError(refusal.reason, message), await this.findingsAfter(err, engine, principal));
    }
    let message = refusal.message;
    if (revoked.length > 0) {
      message += `. Revoked what an earlier version had granted there: ${revoked.join('; ')}`;
      const target = { apiVersion, kind: accessPolicies.kind, metadata: policy.metadata };
      this.deps.events.warning(target, 'SystemPrivilegesRevoked', `revoked privileges on system catalogs: ${revoked.join('; ')}`);
      this.deps.log.warn({ policy: `${policy.metadata?.namespace}/${policy.metadata?.name}`, revoked }, 'system catalog privileges revoked');
    }
    throw new AuditedFailure(new ReconcileError(refusal.reason, message, false), await this.audit(engine, principal), revoked);
  }

  /** The findings to report with a failed sync: the audit's, and what the sync could not revoke. */
  private async findingsAfter(err: unknown, engine: Engine, principal: PrincipalSpec): Promise<string[] | undefined> {
    const excess = err instanceof EngineError ? err.excess : [];
    const audited = await this.audit(engine, principal).catch(() => undefined);
    return audited === undefined && excess.length === 0 ? undefined : [...(audited ?? []), ...excess];
  }

  /** Least-privilege findings on the principal's existing logins, after this pass corrected what it could. */
  private async audit(engine: Engine, principal: PrincipalSpec): Promise<string[]> {
    const findings: string[] = [];
    for (const login of engine.loginNames(principal)) {
      const audit = await engine.audit(login);
      if (audit.exists) findings.push(...audit.findings.map((f) => `${login}: ${f}`));
    }
    return findings;
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
