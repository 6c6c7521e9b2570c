/**
 * GitOps: how Argo CD and Flux judge dbwarden's resources, and that the operator never fights Git.
 *
 * Real objects in real states (fresh, Ready, waiting for their connection, failed, a spec change not yet
 * observed; a connection Ready and one unreachable) are judged by kstatus (Flux's default), by Flux's own
 * CEL evaluator with the healthCheckExprs of docs/gitops/flux/policies-kustomization.yaml, and by the Lua of
 * docs/gitops/argocd/argocd-cm.yaml in gopher-lua, the interpreter Argo CD uses. A policy applied with
 * server-side apply, as Argo CD and Flux do, shows no diff after the operator has reconciled it: the operator
 * owns only status and its finalizer.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { applyCrds } from '../support/crds.js';
import { required } from '../support/env.js';
import { ensureNamespaces, kubectl } from '../support/helm.js';
import { evaluateHealth, ensureHealthChecker, type FluxHealthCheck, type HealthResult } from '../support/helm-health.js';
import { kubeConfig, uniqueName } from '../support/kube.js';
import { startOperator, type RunningOperator } from '../support/operator.js';
import { Resources } from '../support/resources.js';
import { createPostgresShop, type ShopDatabase } from '../support/shop-db.js';

const root = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const ns = uniqueName('gitops');
const unwatched = uniqueName('gitops-off');
const manager = 'gitops-controller';

let kc: KubeConfig;
let r: Resources;
let db: ShopDatabase;
let operator: RunningOperator | undefined;

const argoCm = parse(readFileSync(join(root, 'docs', 'gitops', 'argocd', 'argocd-cm.yaml'), 'utf8')) as { data: Record<string, string> };
const lua = argoCm.data['resource.customizations.health.dbwarden.io_AccessPolicy']!;
const fluxKustomization = readFileSync(join(root, 'docs', 'gitops', 'flux', 'policies-kustomization.yaml'), 'utf8')
  .split(/^---$/m).map((d) => parse(d) as { kind: string; spec: { healthCheckExprs?: FluxHealthCheck[] } }).find((d) => d.kind === 'Kustomization')!;
const fluxChecks = fluxKustomization.spec.healthCheckExprs!;

const policyManifest = {
  apiVersion: 'dbwarden.io/v1alpha1', kind: 'AccessPolicy',
  metadata: { name: 'ok', namespace: ns },
  spec: { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }], console: { enabled: true } },
};

async function get(plural: string, namespace: string, name: string): Promise<object> {
  return kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: 'dbwarden.io', version: 'v1alpha1', namespace, plural, name }) as Promise<object>;
}

beforeAll(async () => {
  await ensureHealthChecker();
  kc = kubeConfig();
  await applyCrds();
  await ensureNamespaces([ns, unwatched]);
  r = new Resources(kc, ns);
  db = await createPostgresShop();
  await r.secret('admin', { username: db.admin.username, password: db.admin.password });
  await r.secret('db-ca', { 'ca.crt': db.ca });
  operator = await startOperator([ns]);
}, 900_000);

afterAll(async () => {
  // Delete the policies while the operator runs, so their finalizers drop the users and the namespace goes.
  if (operator) {
    await r.patch('accesspolicies', 'waiting', { spec: { deletionPolicy: 'Retain' } }).catch(() => undefined);
    await kubectl(['delete', 'accesspolicies', '--all', '-n', ns, '--timeout=60s']).catch(() => undefined);
  }
  await operator?.stop();
  await db?.close();
  await kubectl(['delete', 'namespace', '--wait=false', '--ignore-not-found', ns, unwatched]).catch(() => undefined);
});

describe('GitOps', () => {
  let results: Map<string, HealthResult>;

  it('applies policies as Argo CD and Flux do (server-side apply), and the operator never makes a diff', async () => {
    const connection = { engine: 'postgres' as const, host: db.host, database: db.database, adminSecretRef: { name: 'admin' }, tls: { mode: 'verify-full' as const, caSecretRef: { name: 'db-ca' } } };
    await r.connection('shop', { ...connection, port: db.port });
    await r.connection('down', { ...connection, port: 1 });
    const env = { ...process.env, KUBECONFIG: required('KUBECONFIG') };
    const manifest = stringify(policyManifest);
    const applyAs = (args: string[]): Promise<{ stdout: string }> => {
      const child = run('kubectl', args, { env });
      child.child.stdin?.end(manifest);
      return child;
    };
    await applyAs(['apply', '--server-side', `--field-manager=${manager}`, '-f', '-']);
    await r.waitReady('accesspolicies', 'ok');
    await r.policy('waiting', { connectionRef: { name: 'missing' }, tables: [{ name: 'products' }] });
    await r.policy('broken', { connectionRef: { name: 'shop' }, tables: [{ name: 'no_such_table' }] });
    await r.waitReady('accesspolicies', 'waiting', 'False', 'ConnectionNotFound');
    await r.waitReady('accesspolicies', 'broken', 'False', 'TableNotFound');
    await r.waitReady('databaseconnections', 'down', 'False', 'Unreachable');
    await new Resources(kc, unwatched).policy('fresh', { connectionRef: { name: 'shop' } });

    // What Flux's drift detection and Argo CD's server-side diff compute: nothing to change.
    const diff = await applyAs(['diff', '--server-side', `--field-manager=${manager}`, '-f', '-'])
      .then(({ stdout }) => ({ code: 0, stdout }), (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code, stdout: `${e.stdout}${e.stderr}` }));
    expect(diff).toEqual({ code: 0, stdout: '' });
    interface ManagedFields { manager: string; subresource?: string; fieldsV1: Record<string, Record<string, unknown>> }
    const live = JSON.parse(await kubectl(['get', 'accesspolicy', 'ok', '-n', ns, '-o', 'json', '--show-managed-fields'])) as { metadata: { managedFields: ManagedFields[] } };
    const operatorFields = live.metadata.managedFields.filter((f) => f.manager === 'dbwarden-operator');
    expect(operatorFields.length).toBeGreaterThan(0);
    for (const f of operatorFields) {
      if (f.subresource === 'status') continue;
      expect(Object.keys(f.fieldsV1)).toEqual(['f:metadata']);
      expect(Object.keys(f.fieldsV1['f:metadata']!)).toEqual(['f:finalizers']);
    }
    expect(live.metadata.managedFields.find((f) => f.manager === manager)?.fieldsV1).toHaveProperty('f:spec');
  });

  it('reads the Ready condition with the documented Argo CD Lua and Flux expressions', async () => {
    // A spec change the operator has not seen yet: stop it, then change the policy.
    await operator!.stop();
    operator = undefined;
    await r.patch('accesspolicies', 'broken', { spec: { console: { rowLimit: 10 } } });
    const objects = await Promise.all([
      get('accesspolicies', ns, 'ok'), get('accesspolicies', ns, 'waiting'), get('accesspolicies', ns, 'broken'),
      get('accesspolicies', unwatched, 'fresh'), get('databaseconnections', ns, 'shop'), get('databaseconnections', ns, 'down'),
    ]);
    results = new Map((await evaluateHealth(objects, lua, fluxChecks)).map((h) => [`${h.kind}/${h.name}`, h]));
    const summary = [...results.values()].map((h) => ({ object: `${h.kind}/${h.name}`, kstatus: h.kstatus, flux: h.flux, argo: h.argo }));
    console.log(`GitOps health:\n${summary.map((s) => `  ${s.object.padEnd(32)} kstatus ${s.kstatus.padEnd(11)} Flux ${s.flux.padEnd(11)} Argo CD ${s.argo}`).join('\n')}`);
    expect(summary).toEqual([
      { object: 'AccessPolicy/ok', kstatus: 'Current', flux: 'Current', argo: 'Healthy' },
      { object: 'AccessPolicy/waiting', kstatus: 'InProgress', flux: 'InProgress', argo: 'Progressing' },
      { object: 'AccessPolicy/broken', kstatus: 'InProgress', flux: 'InProgress', argo: 'Progressing' },
      // Before the operator writes any status, kstatus calls it Current (it cannot tell it will get a Ready
      // condition); the Flux expressions cannot be evaluated yet (no status), so Flux keeps waiting.
      { object: 'AccessPolicy/fresh', kstatus: 'Current', flux: 'Error', argo: 'Progressing' },
      { object: 'DatabaseConnection/shop', kstatus: 'Current', flux: 'Current', argo: 'Healthy' },
      // kstatus reads Ready=False as InProgress: Flux without healthCheckExprs reports it only at its timeout.
      { object: 'DatabaseConnection/down', kstatus: 'InProgress', flux: 'Failed', argo: 'Degraded' },
    ]);
    expect(results.get('AccessPolicy/waiting')?.argoMessage).toMatch(/^ConnectionNotFound: /);
    expect(results.get('DatabaseConnection/down')?.argoMessage).toMatch(/^Unreachable: /);
    expect(results.get('AccessPolicy/fresh')?.fluxError).toMatch(/no such attribute|undeclared|status/);
  });

  it('fails a policy for good reasons: Ready=False that is not a wait', async () => {
    operator = await startOperator([ns]);
    await r.waitReady('accesspolicies', 'broken', 'False', 'TableNotFound');
    const [broken] = await evaluateHealth([await get('accesspolicies', ns, 'broken')], lua, fluxChecks);
    expect(broken).toMatchObject({ kstatus: 'InProgress', flux: 'Failed', argo: 'Degraded' });
    expect(broken?.argoMessage).toMatch(/^TableNotFound: /);
  });
});
