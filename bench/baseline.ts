/**
 * The baseline: a plain script that provisions the same policies with the operator's own engines and makes the
 * same Kubernetes writes the operator makes for a new policy (finalizer patch, Secret created with the pending
 * password, database user, Secret updated with the credentials, grants, status patch), one policy after
 * another: no work queue, no cache, no concurrency.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { accessPolicies, policyFinalizer, type AccessPolicy } from '@dbwarden/api';
import { annotations, credentialData, pendingPasswordKey, pendingUsernameKey, secretManifest } from '../operator/src/controllers/policy/credentials.js';
import { grantsFor, principalFor, secretNameFor } from '../operator/src/controllers/policy/desired.js';
import { rfc3339 } from '../operator/src/controllers/policy/provision.js';
import { nextRotation } from '../operator/src/controllers/policy/rotation.js';
import { provisionedStatus } from '../operator/src/controllers/policy/status.js';
import { generatePassword } from '../operator/src/credentials/password.js';
import type { Engine } from '../operator/src/engines/engine.js';
import { createEngine } from '../operator/src/engines/index.js';
import { KubeClient } from '../operator/src/kube/client.js';
import type { EnvState } from '../hack/env/state.js';
import { cpuSnapshot, cpuUsage, type CpuUsage } from './cpu.js';
import { settingsOf, type BenchDatabase } from './databases.js';
import { heartbeat, info, seconds } from './support.js';
import { applyPolicies, type PolicyObject } from './workload.js';

export interface BaselineResult {
  policies: number;
  /** From the first create to the last status patch. */
  seconds: number;
  applySeconds: number;
  /** Changing statements the engines ran (the operator's dbwarden_database_writes_total, counted the same way). */
  dbWrites: number;
  cpu: CpuUsage;
}

/**
 * Provisions one new policy as the operator's first pass does (reconcile.ts provision(), provision.ts
 * ensureCredentials/changePassword/promote, the least-privilege audit): the same engine calls, the same four
 * writes, the same objects. The reads the operator makes on the way (its caches; a NetworkPolicy lookup per
 * pass) are left out; it writes no NetworkPolicy for these policies, which name no clients.
 */
async function provisionOne(kube: KubeClient, engine: Engine, db: BenchDatabase, policy: AccessPolicy): Promise<void> {
  const namespace = policy.metadata!.namespace!;
  const name = policy.metadata!.name!;
  const settings = settingsOf(db);
  const principal = principalFor(policy, engine.kind, settings.tls.mode);
  const grants = grantsFor(policy, engine.kind);
  const secretName = secretNameFor(policy);

  await kube.setFinalizers(accessPolicies.plural, namespace, name, [policyFinalizer], policy.metadata!.resourceVersion!);
  const ownership = await engine.ownership(principal, {});
  if (ownership.state !== 'absent') throw new Error(`baseline: database user ${principal.name} already exists`);
  const logins = engine.loginNames(principal);
  const passwords = Object.fromEntries(logins.map((login) => [login, generatePassword()]));
  const username = logins[0]!;
  const password = passwords[username]!;

  const pending = await kube.createSecret(namespace, secretManifest(policy, secretName, { data: { [pendingUsernameKey]: username, [pendingPasswordKey]: password } }));
  await engine.ensurePrincipal(principal, passwords);
  const rotatedAt = rfc3339(new Date());
  await kube.replaceSecret(namespace, secretManifest(policy, secretName, {
    data: credentialData(settings, username, password), annotations: { [annotations.rotatedAt]: rotatedAt },
  }, pending));
  const sync = await engine.syncGrants(principal, grants);
  const findings: string[] = [];
  for (const login of logins) {
    const audit = await engine.audit(login);
    if (audit.exists) findings.push(...audit.findings.map((f) => `${login}: ${f}`));
  }

  await kube.patchStatus(accessPolicies.plural, namespace, name, provisionedStatus(policy, {
    username: principal.name, activeUsername: username, secretName, lastRotationTime: rotatedAt,
    nextRotationTime: rfc3339(nextRotation(rotatedAt, policy)), report: sync.report, findings,
  }));
}

export async function runBaseline(opts: {
  env: EnvState;
  /** Applies the policies (as the user does in the operator's run). */
  admin: KubeConfig;
  /** Makes the operator's writes (the operator's identity). */
  writer: KubeConfig;
  namespace: string;
  /** Connection name → database, as the policies reference them. */
  databases: Record<string, BenchDatabase>;
  policies: readonly PolicyObject[];
  applyConcurrency: number;
}): Promise<BaselineResult> {
  let dbWrites = 0;
  const engines = new Map(Object.entries(opts.databases).map(([name, db]) => [name, {
    db, engine: createEngine(settingsOf(db), { onWrite: () => void dbWrites++ }),
  }]));
  const kube = new KubeClient(opts.writer);
  try {
    // Like the operator's connection controller before any policy: connect and read the server's facts.
    for (const { engine } of engines.values()) await engine.facts();

    let done = 0;
    const stopHeartbeat = heartbeat(10_000, (s) => `baseline: ${done}/${opts.policies.length} provisioned after ${s}s`);
    const cpuBefore = cpuSnapshot();
    const t0 = Date.now();
    try {
      const created = await applyPolicies(opts.admin, opts.namespace, opts.policies, opts.applyConcurrency);
      const applied = Date.now();
      info(`  baseline: applied ${created.length} AccessPolicies in ${seconds(applied - t0)}s; provisioning them one after another`);
      for (const policy of created) {
        const target = engines.get(policy.spec.connectionRef.name);
        if (!target) throw new Error(`baseline: no database for connection ${policy.spec.connectionRef.name}`);
        await provisionOne(kube, target.engine, target.db, policy);
        done++;
      }
      const t1 = Date.now();
      const cpu = cpuUsage(cpuBefore, cpuSnapshot(), opts.env, undefined);
      return { policies: created.length, seconds: seconds(t1 - t0), applySeconds: seconds(applied - t0), dbWrites, cpu };
    } finally {
      stopHeartbeat();
    }
  } finally {
    await Promise.all([...engines.values()].map(({ engine }) => engine.close()));
  }
}
