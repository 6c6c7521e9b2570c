/**
 * Removing what a run made: namespaces (after taking the finalizers off their AccessPolicies, since no operator
 * is left to drop users that the benchmark drops itself), cluster-scoped objects, databases and database users.
 * Also finds what earlier runs left behind when they were killed (their process is gone) and removes it.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  FlowcontrolApiserverV1Api,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { accessPolicies, databaseConnections, group, version } from '@dbwarden/api';
import { mariadbAdmin, postgresAdmin } from '../test/support/databases.js';
import { dropBenchDatabases } from './databases.js';
import { benchLabel, benchPidAnnotation, benchPrefix, info, isAlive, mapLimit, messageOf, retrying, sleep } from './support.js';

const notFound = (err: unknown): boolean => (err as { code?: number }).code === 404;
const ignoreNotFound = (err: unknown): void => {
  if (!notFound(err)) throw err;
};

/**
 * Takes the finalizers off every AccessPolicy in the namespace, deletes its dbwarden objects, Secrets and
 * Events in one request each (faster than the namespace controller, whose client is rate-limited, so the
 * deletion does not load the API server through the next measurement), deletes the namespace and waits
 * until it is gone. Returns how many AccessPolicies it held.
 */
export async function removeNamespace(admin: KubeConfig, namespace: string, waitMs = 180_000): Promise<number> {
  const objects = admin.makeApiClient(CustomObjectsApi);
  const core = admin.makeApiClient(CoreV1Api);
  let list: { items: KubernetesObject[] };
  try {
    list = (await objects.listNamespacedCustomObject({ group, version, namespace, plural: accessPolicies.plural })) as { items: KubernetesObject[] };
  } catch (err) {
    ignoreNotFound(err);
    return 0;
  }
  const held = list.items.filter((p) => p.metadata?.finalizers?.length);
  await mapLimit(held, 32, (p) => retrying(() => objects.patchNamespacedCustomObject({
    group, version, namespace, plural: accessPolicies.plural, name: p.metadata!.name!, body: { metadata: { finalizers: null } },
  }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))).catch(ignoreNotFound));
  for (const plural of [accessPolicies.plural, databaseConnections.plural]) {
    await objects.deleteCollectionNamespacedCustomObject({ group, version, namespace, plural }).catch(ignoreNotFound);
  }
  await core.deleteCollectionNamespacedSecret({ namespace }).catch(ignoreNotFound);
  await core.deleteCollectionNamespacedEvent({ namespace }).catch(ignoreNotFound);
  await core.deleteNamespace({ name: namespace }).catch(ignoreNotFound);
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    try {
      await core.readNamespace({ name: namespace });
    } catch (err) {
      ignoreNotFound(err);
      return list.items.length;
    }
    await sleep(1000);
  }
  info(`  namespace ${namespace} is still terminating after ${waitMs / 1000}s; going on`);
  return list.items.length;
}

/** Deletes the run's FlowSchemas and ClusterRoleBinding (and a ClusterRole, which older runs made). */
export async function removeClusterObjects(admin: KubeConfig, id: string): Promise<void> {
  const labelSelector = `${benchLabel}=${id}`;
  const flow = admin.makeApiClient(FlowcontrolApiserverV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  for (const fs of (await flow.listFlowSchema({ labelSelector })).items) await flow.deleteFlowSchema({ name: fs.metadata!.name! }).catch(ignoreNotFound);
  for (const b of (await rbac.listClusterRoleBinding({ labelSelector })).items) await rbac.deleteClusterRoleBinding({ name: b.metadata!.name! }).catch(ignoreNotFound);
  for (const r of (await rbac.listClusterRole({ labelSelector })).items) await rbac.deleteClusterRole({ name: r.metadata!.name! }).catch(ignoreNotFound);
}

/** Removes everything of run `id`: namespaces, cluster objects, databases and users. */
export async function removeRun(admin: KubeConfig, id: string): Promise<void> {
  const namespaces = await admin.makeApiClient(CoreV1Api).listNamespace({ labelSelector: `${benchLabel}=${id}` });
  for (const ns of namespaces.items) {
    const n = await removeNamespace(admin, ns.metadata!.name!);
    info(`  deleted namespace ${ns.metadata!.name}${n ? ` (${n} AccessPolicies)` : ''}`);
  }
  await removeClusterObjects(admin, id);
  const dropped = await dropBenchDatabases(`${benchPrefix}_${id}`);
  info(`  dropped ${dropped.databases} databases and ${dropped.users} database users/roles of run ${id}`);
}

/** Run ids that have databases or users on the local servers. */
async function runsInDatabases(): Promise<Set<string>> {
  const ids = new Set<string>();
  const re = new RegExp(`^(?:dbw_)?${benchPrefix}_([0-9a-f]{6})`);
  const pg = postgresAdmin();
  await pg.connect();
  try {
    const { rows } = await pg.query<{ name: string }>(
      `SELECT datname AS name FROM pg_database UNION ALL SELECT rolname FROM pg_roles`);
    for (const { name } of rows) {
      const m = re.exec(name);
      if (m?.[1]) ids.add(m[1]);
    }
  } finally {
    await pg.end();
  }
  const my = await mariadbAdmin();
  try {
    const [rows] = await my.query('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA UNION ALL SELECT User FROM mysql.user');
    for (const { name } of rows as { name: string }[]) {
      const m = re.exec(name);
      if (m?.[1]) ids.add(m[1]);
    }
  } finally {
    await my.end();
  }
  return ids;
}

/** Removes what earlier runs left behind: runs whose process is gone (runs in progress are left alone). */
export async function removeLeftovers(admin: KubeConfig): Promise<void> {
  const namespaces = (await admin.makeApiClient(CoreV1Api).listNamespace({ labelSelector: benchLabel })).items;
  const live = new Set<string>();
  const runs = new Set<string>(await runsInDatabases());
  for (const ns of namespaces) {
    const id = ns.metadata?.labels?.[benchLabel];
    if (!id) continue;
    runs.add(id);
    const pid = Number(ns.metadata?.annotations?.[benchPidAnnotation]);
    if (pid && isAlive(pid) && pid !== process.pid) live.add(id);
  }
  const flow = admin.makeApiClient(FlowcontrolApiserverV1Api);
  for (const fs of (await flow.listFlowSchema({ labelSelector: benchLabel })).items) {
    const id = fs.metadata?.labels?.[benchLabel];
    if (id) runs.add(id);
  }
  for (const id of runs) {
    if (live.has(id)) {
      info(`  run ${id} is still in progress (its process is alive): leaving it alone`);
      continue;
    }
    info(`  removing what run ${id} left behind`);
    try {
      await removeRun(admin, id);
    } catch (err) {
      info(`  could not remove run ${id}: ${messageOf(err)}`);
    }
  }
}
