/**
 * What the console's own identity may read, with the shipped RBAC only: config/console/rbac.yaml as it is
 * (ServiceAccount dbwarden-system/dbwarden-console, no Secret access) and the real operator (config/rbac),
 * which keeps, in each namespace, a Role granting that ServiceAccount `get` on exactly the credentials Secrets
 * of console-enabled policies. Checked with the console's own token: what it may read, what it is refused,
 * and that the operator follows policies coming, changing and going, and puts its Role back when tampered with.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, RbacAuthorizationV1Api, type KubeConfig, type V1Role } from '@kubernetes/client-node';
import type { AccessPolicy } from '@dbwarden/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Informer } from '../../operator/src/runtime/informer.js';
import { applyCrds } from '../support/crds.js';
import { required } from '../support/env.js';
import { eventually, kubeConfig, uniqueName } from '../support/kube.js';
import { startOperator, type RunningOperator } from '../support/operator.js';
import { Resources } from '../support/resources.js';
import { createPostgresShop, type ShopDatabase } from '../support/shop-db.js';
import { kubeConfigWithToken } from './console-harness.js';

const root = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const roleName = 'dbwarden-console-credentials';

let kc: KubeConfig;
let ns: string;
let other: string;
let r: Resources;
let db: ShopDatabase;
let operator: RunningOperator | undefined;
let consoleCore: CoreV1Api;
let rbac: RbacAuthorizationV1Api;
let roles: Informer<V1Role>;
/** Every version of the Role the watch saw, as its resourceNames, by resourceVersion (a watch that lists again may deliver one twice). */
const roleVersionsSeen = new Map<string, string[] | undefined>();
const recordRole = (role: V1Role): void => {
  if (role.metadata?.name === roleName) roleVersionsSeen.set(role.metadata.resourceVersion ?? '', role.rules?.[0]?.resourceNames);
};

/** The console's answer to `get` of a Secret: 200, or the HTTP status it was refused with. */
async function consoleGet(namespace: string, name: string): Promise<number> {
  try {
    await consoleCore.readNamespacedSecret({ namespace, name });
    return 200;
  } catch (err) {
    return (err as { code?: number }).code ?? 0;
  }
}

const grantedNames = (): string[] | undefined => roles.get(ns, roleName)?.rules?.[0]?.resourceNames;

beforeAll(async () => {
  kc = kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  ns = uniqueName('console-access');
  other = uniqueName('console-access-x');
  for (const name of [ns, other]) await core.createNamespace({ body: { metadata: { name } } });
  await applyCrds(kc);
  r = new Resources(kc, ns);
  db = await createPostgresShop();
  await r.secret('admin', { username: db.admin.username, password: db.admin.password });
  await r.secret('db-ca', { 'ca.crt': db.ca });
  // The operator (dbwarden-system/dbwarden-operator, config/rbac) first: it makes namespace dbwarden-system.
  operator = await startOperator([ns]);
  // The console's RBAC exactly as shipped, and a token of its ServiceAccount.
  await run('kubectl', ['apply', '--server-side', '--force-conflicts', '--field-manager=dbwarden-tests', '-f', join(root, 'config', 'console', 'rbac.yaml')],
    { env: { ...process.env, KUBECONFIG: required('KUBECONFIG') } });
  const token = await core.createNamespacedServiceAccountToken({ namespace: 'dbwarden-system', name: 'dbwarden-console', body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  consoleCore = kubeConfigWithToken(kc, token.status!.token!).makeApiClient(CoreV1Api);

  roles = new Informer<V1Role>(kc, { path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles` });
  roles.onAdd(recordRole);
  roles.onUpdate((_old, role) => recordRole(role));
  roles.start();
  await roles.waitForSync(AbortSignal.timeout(20_000));

  await r.connection('shop', {
    engine: 'postgres', host: db.host, port: db.port, database: db.database,
    adminSecretRef: { name: 'admin' }, tls: { mode: 'verify-full', caSecretRef: { name: 'db-ca' } },
  });
  const console = { enabled: true };
  await r.policy('queried', { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }], console });
  await r.policy('named', { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }], console, secretName: 'named-secret' });
  await r.policy('plain', { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }] });
  // Names the admin Secret as its own: the operator refuses it (SecretConflict), and must grant nothing for it.
  await r.policy('sneaky', { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }], console, secretName: 'admin' });
  for (const name of ['queried', 'named', 'plain']) await r.waitReady('accesspolicies', name, 'True', undefined, 60_000);
  await r.waitReady('accesspolicies', 'sneaky', 'False', 'SecretConflict', 30_000);
  // A Secret of the same name in a namespace the operator does not watch.
  await kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: other, body: { metadata: { name: 'queried-credentials' }, stringData: { password: 'x' } } });
}, 180_000);

afterAll(async () => {
  roles?.stop();
  await operator?.stop();
  await db?.close();
  for (const name of [ns, other]) await kc?.makeApiClient(CoreV1Api).deleteNamespace({ name }).catch(() => undefined);
});

describe("the console's Secret access, kept by the operator", () => {
  it("may get exactly the console-enabled policies' Secrets, by name, and nothing else", async () => {
    await eventually('the console to read the Secrets of its policies', async () =>
      (await consoleGet(ns, 'queried-credentials')) === 200 && (await consoleGet(ns, 'named-secret')) === 200);
    expect(grantedNames()).toEqual(['named-secret', 'queried-credentials']);
    expect(await consoleGet(ns, 'admin')).toBe(403); // an admin Secret, even one a console-enabled policy names
    expect(await consoleGet(ns, 'db-ca')).toBe(403);
    expect(await consoleGet(ns, 'plain-credentials')).toBe(403); // a policy without console.enabled
    expect(await consoleGet(other, 'queried-credentials')).toBe(403); // the same name in another namespace
    await expect(consoleCore.listNamespacedSecret({ namespace: ns })).rejects.toMatchObject({ code: 403 });
    await expect(consoleCore.listSecretForAllNamespaces()).rejects.toMatchObject({ code: 403 });

    const role = roles.get(ns, roleName)!;
    expect(role.metadata?.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'dbwarden', 'app.kubernetes.io/component': 'console-access' });
    expect(role.metadata?.ownerReferences?.map((o) => `${o.kind}/${o.name}`)).toEqual(['AccessPolicy/named', 'AccessPolicy/queried']);
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['named-secret', 'queried-credentials'], verbs: ['get'] }]);
    const binding = await rbac.readNamespacedRoleBinding({ namespace: ns, name: roleName });
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'dbwarden-console', namespace: 'dbwarden-system' }]);
  });

  it('writes nothing when nothing changed: a resync leaves the Role and RoleBinding as they are', async () => {
    const versions = async (): Promise<string[]> => [
      (await rbac.readNamespacedRole({ namespace: ns, name: roleName })).metadata!.resourceVersion!,
      (await rbac.readNamespacedRoleBinding({ namespace: ns, name: roleName })).metadata!.resourceVersion!,
    ];
    const before = await versions();
    await new Promise((resolve) => setTimeout(resolve, 7_000)); // more than the tests' 5 s resync period
    const writes = () => operator!.logs.filter((l) => l.includes('console may read')).slice(-4).join('\n');
    expect(await versions(), `the operator's last writes of them:\n${writes()}`).toEqual(before);
  });

  it('puts its Role and RoleBinding back at once when someone changes or deletes them', async () => {
    // Widened to every Secret of the namespace: narrowed again.
    const widened = await rbac.replaceNamespacedRole({ namespace: ns, name: roleName, body: { ...roles.get(ns, roleName)!, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }] } });
    // A version after the widened one (the watch may not have delivered the widening yet, and the cache's older
    // version already has the right names): the label patch below must not land on the widened Role.
    await eventually('the Role narrowed again', () =>
      Number(roles.get(ns, roleName)?.metadata?.resourceVersion) > Number(widened.metadata!.resourceVersion) &&
      grantedNames()?.join() === 'named-secret,queried-credentials', 10_000);
    // Its label taken away (the operator's cache no longer holds it): taken back.
    await rbac.patchNamespacedRole({ namespace: ns, name: roleName, body: [{ op: 'remove', path: '/metadata/labels/app.kubernetes.io~1managed-by' }] });
    await eventually('the Role labelled again', async () =>
      (await rbac.readNamespacedRole({ namespace: ns, name: roleName })).metadata?.labels?.['app.kubernetes.io/managed-by'] === 'dbwarden', 10_000);
    // Another subject added to the binding: removed; the binding deleted: made again.
    const binding = await rbac.readNamespacedRoleBinding({ namespace: ns, name: roleName });
    await rbac.replaceNamespacedRoleBinding({ namespace: ns, name: roleName, body: { ...binding, subjects: [...binding.subjects!, { kind: 'ServiceAccount', name: 'default', namespace: ns }] } });
    await eventually('the extra subject removed', async () =>
      (await rbac.readNamespacedRoleBinding({ namespace: ns, name: roleName })).subjects?.length === 1, 10_000);
    await rbac.deleteNamespacedRoleBinding({ namespace: ns, name: roleName });
    await eventually('the RoleBinding made again', async () =>
      (await rbac.readNamespacedRoleBinding({ namespace: ns, name: roleName }).catch(() => undefined))?.subjects?.[0]?.name === 'dbwarden-console', 10_000);
    await eventually('the console to read again', async () => (await consoleGet(ns, 'queried-credentials')) === 200, 10_000);
  });

  it('follows the policies: a new secretName, console.enabled switched off, the last one gone', async () => {
    await r.patch('accesspolicies', 'named', { spec: { secretName: 'named-secret-2' } });
    await eventually('the new Secret granted and the old one not', async () =>
      (await r.get<AccessPolicy>('accesspolicies', 'named'))?.status?.secretName === 'named-secret-2' &&
      grantedNames()?.join() === 'named-secret-2,queried-credentials', 30_000);
    await eventually('the console to read the new Secret', async () => (await consoleGet(ns, 'named-secret-2')) === 200, 10_000);
    await eventually('the old Secret refused', async () => (await consoleGet(ns, 'named-secret')) === 403, 10_000);

    await r.patch('accesspolicies', 'queried', { spec: { console: { enabled: false } } });
    await eventually('the Secret of a policy switched off refused', async () => (await consoleGet(ns, 'queried-credentials')) === 403, 10_000);
    // (The test's own watch may deliver the Role a moment after the API server enforces it.)
    await eventually('the Role to name only the other Secret', () => grantedNames()?.join() === 'named-secret-2', 10_000);

    // The last console-enabled policy gone: no Role and no RoleBinding left (never one with no names).
    await r.delete('accesspolicies', 'named');
    await r.gone('accesspolicies', 'named');
    await eventually('the Role and RoleBinding deleted', async () =>
      !roles.get(ns, roleName) && (await rbac.listNamespacedRoleBinding({ namespace: ns })).items.every((b) => b.metadata?.name !== roleName), 10_000);
    expect(await consoleGet(ns, 'named-secret-2')).toBe(403);

    // Switched on again: granted again.
    await r.patch('accesspolicies', 'queried', { spec: { console: { enabled: true } } });
    await eventually('the console to read again', async () => (await consoleGet(ns, 'queried-credentials')) === 200, 10_000);
    await eventually('the Role to name that Secret only', () => grantedNames()?.join() === 'queried-credentials', 10_000);
    // Every version of the Role the watch saw named its Secrets, but the one this test widened: the operator
    // never wrote one that grants every Secret (no resourceNames, or an empty list).
    const versions = [...roleVersionsSeen.values()];
    expect(versions.length).toBeGreaterThan(4);
    expect(versions.filter((names) => !names?.length), JSON.stringify([...roleVersionsSeen])).toEqual([undefined]);
  });

  it('ran without one request refused by RBAC (config/rbac is enough, without escalate or bind)', async () => {
    expect(await operator!.stop()).toBe(0);
    operator = undefined;
  });
});
