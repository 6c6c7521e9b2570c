/**
 * What the console benchmark runs against, all real and built from the console end-to-end harness's parts
 * (test/e2e/console-harness.ts, test/support): a namespace, a PostgreSQL shop database with the recommended
 * provisioning admin, the operator bundle provisioning one read-only AccessPolicy, the console's RBAC from
 * config/console, users as ServiceAccounts with TokenRequest tokens, and the console in this process.
 *
 * Unlike the harness, every piece is registered for removal as soon as it is made (so a failure or Ctrl-C at
 * any point leaves nothing), the database, its roles and the policy's users are dropped, names carry the run
 * id so a later run can remove what a killed one left, and the console uses its production defaults (cache,
 * pool, queue, log level) with its log written to a file.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import {
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { accessPolicies, group, version, type AccessPolicy } from '@dbwarden/api';
import { loadConfig, type ConsoleConfig } from '../console/server/config.js';
import { createLogger } from '../console/server/logger.js';
import { startConsole, type RunningConsole } from '../console/server/server.js';
import { info, step } from '../hack/env/log.js';
import { setupPostgresShop } from '../hack/shop/setup.js';
import { consoleRbacManifests, kubeConfigWithToken, waitForConsoleAccess } from '../test/e2e/console-harness.js';
import { postgresAdmin } from '../test/support/databases.js';
import { required } from '../test/support/env.js';
import { startOperator } from '../test/support/operator.js';
import { Resources } from '../test/support/resources.js';

/** Prefix of the run's namespace (`dbwcbench-<id>`), database, roles and users (`dbwcbench_<id>…`). */
export const prefix = 'dbwcbench';
/** Label on the run's namespace (value: the run id); the annotation names the process that owns it. */
const runLabel = 'dbwarden.io/console-bench';
const pidAnnotation = 'dbwarden.io/bench-pid';
const fieldManager = 'dbwarden-bench';
export const policyName = 'reader';

/** Uses the running local environment, or starts it (`npm run env:up`), and puts its settings in process.env. */
/**
 * Undo actions, run in the reverse order of registration, each once; a failing one does not stop the rest.
 * Once the teardown has begun (Ctrl-C while something is being made), an action registered late runs at once,
 * and the teardown waits for it.
 */
export class Teardown {
  private readonly actions: Array<{ what: string; run: () => Promise<unknown> }> = [];
  private readonly late: Array<Promise<void>> = [];
  private readonly failed: string[] = [];
  private done: Promise<string[]> | undefined;

  add(what: string, run: () => Promise<unknown>): void {
    if (this.done) this.late.push(this.attempt(what, run));
    else this.actions.push({ what, run });
  }

  /** Registers the undo of something being made, which waits until it is made (or failed) and gets it, if any. */
  track<T>(what: string, making: Promise<T>, undo: (made: T | undefined) => Promise<unknown>): Promise<T> {
    this.add(what, async () => undo(await making.catch(() => undefined)));
    return making;
  }

  /** Returns what failed. */
  run(): Promise<string[]> {
    this.done ??= (async () => {
      await Promise.resolve(); // this.done is set from here on: late registrations run at once
      for (let a = this.actions.pop(); a; a = this.actions.pop()) await this.attempt(a.what, a.run);
      await Promise.all(this.late);
      return this.failed;
    })();
    return this.done;
  }

  private async attempt(what: string, run: () => Promise<unknown>): Promise<void> {
    const t0 = Date.now();
    try {
      await run();
      if (Date.now() - t0 >= 1000) info(`  cleanup: ${what} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    } catch (err) {
      this.failed.push(what);
      info(`  cleanup: ${what} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

const notFound = (err: unknown): boolean => (err as { code?: number }).code === 404;
const ignoreNotFound = (err: unknown): void => {
  if (!notFound(err)) throw err;
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Takes the finalizers off what is left of the namespace's AccessPolicies (no operator runs any more), deletes it, waits. */
async function removeNamespace(kc: KubeConfig, namespace: string): Promise<void> {
  const objects = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  try {
    const list = (await objects.listNamespacedCustomObject({ group, version, namespace, plural: accessPolicies.plural })) as { items: AccessPolicy[] };
    for (const p of list.items.filter((i) => i.metadata?.finalizers?.length)) {
      await objects.patchNamespacedCustomObject({ group, version, namespace, plural: accessPolicies.plural, name: p.metadata!.name!, body: { metadata: { finalizers: null } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch)).catch(ignoreNotFound);
    }
    await core.deleteNamespace({ name: namespace });
  } catch (err) {
    ignoreNotFound(err);
    return;
  }
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(1000)) {
    try {
      await core.readNamespace({ name: namespace });
    } catch (err) {
      ignoreNotFound(err);
      return;
    }
  }
  info(`  namespace ${namespace} is still terminating after 120s; going on`);
}

/** Drops the databases and roles named `<like>*` (the shop database, its owner and admin, the policy's users). */
async function dropDatabases(namePrefix: string): Promise<{ databases: number; roles: string[] }> {
  const like = `${namePrefix.replace(/_/g, '\\_')}%`;
  const root = postgresAdmin();
  await root.connect();
  try {
    const dbs = await root.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [like]);
    for (const { datname } of dbs.rows) await root.query(`DROP DATABASE IF EXISTS ${root.escapeIdentifier(datname)} WITH (FORCE)`);
    // Roles may depend on each other (memberships, grantors): drop what can go, pass after pass.
    const dropped = new Set<string>();
    for (let pass = 0; pass < 4; pass++) {
      const roles = (await root.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname LIKE $1 ORDER BY rolcanlogin DESC, rolname DESC', [like])).rows;
      if (!roles.length) break;
      for (const { rolname } of roles) {
        await root.query(`DROP ROLE IF EXISTS ${root.escapeIdentifier(rolname)}`).then(() => dropped.add(rolname), () => undefined);
      }
    }
    const left = (await root.query('SELECT 1 FROM pg_roles WHERE rolname LIKE $1', [like])).rowCount ?? 0;
    if (left) throw new Error(`${left} roles named ${namePrefix}* could not be dropped`);
    return { databases: dbs.rows.length, roles: [...dropped].sort() };
  } finally {
    await root.end();
  }
}

const consoleBindingOf = (namespace: string): string => `dbwarden-console-${namespace}`;

/** Removes what earlier runs left behind when they were killed (their process is gone); runs in progress are left alone. */
export async function removeLeftovers(kc: KubeConfig): Promise<void> {
  const namespaces = (await kc.makeApiClient(CoreV1Api).listNamespace({ labelSelector: runLabel })).items;
  const runs = new Set<string>();
  const live = new Set<string>();
  for (const ns of namespaces) {
    const id = ns.metadata?.labels?.[runLabel];
    if (!id) continue;
    runs.add(id);
    const pid = Number(ns.metadata?.annotations?.[pidAnnotation]);
    if (pid && pid !== process.pid && isAlive(pid)) live.add(id);
  }
  const root = postgresAdmin();
  await root.connect();
  try {
    const { rows } = await root.query<{ name: string }>('SELECT datname AS name FROM pg_database UNION ALL SELECT rolname FROM pg_roles');
    for (const { name } of rows) {
      const id = new RegExp(`^${prefix}_([0-9a-f]{6})`).exec(name)?.[1];
      if (id) runs.add(id);
    }
  } finally {
    await root.end();
  }
  for (const id of runs) {
    if (live.has(id)) continue;
    info(`  removing what console benchmark run ${id} left behind`);
    await removeNamespace(kc, `${prefix}-${id}`);
    await kc.makeApiClient(RbacAuthorizationV1Api).deleteClusterRoleBinding({ name: consoleBindingOf(`${prefix}-${id}`) }).catch(ignoreNotFound);
    await dropDatabases(`${prefix}_${id}`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The console's settings from the environment (DBWARDEN_CONSOLE_*, DBWARDEN_LOG_LEVEL), else its defaults; no AI. */
function benchConsoleConfig(): ConsoleConfig {
  const own = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('DBWARDEN_CONSOLE_') || k === 'DBWARDEN_LOG_LEVEL'));
  return loadConfig({ ...own, PORT: '0', DBWARDEN_CONSOLE_HOST: '127.0.0.1' });
}

export interface ConsoleBench {
  namespace: string;
  console: RunningConsole;
  config: ConsoleConfig;
  /** `/api/v1/namespaces/<namespace>/policies/reader/query` */
  queryPath: string;
  /** Bearer tokens of the users (ServiceAccounts bound to dbwarden-console-user). */
  tokens: string[];
  /** The policy's credentials Secret, read as a workload would (for the direct connection). */
  secret: Record<string, string>;
  /** Every password the run made or read, for the check that none reaches a log or a response. */
  passwords: string[];
}

export async function setUpConsoleBench(opts: { kc: KubeConfig; id: string; users: number; logFile: string; teardown: Teardown }): Promise<ConsoleBench> {
  const { kc, id, teardown } = opts;
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const namespace = `${prefix}-${id}`;
  const names = { database: `${prefix}_${id}`, admin: { username: `${prefix}_${id}_admin`, password: '' } };
  const passwords: string[] = [];

  await teardown.track(`namespace ${namespace}`,
    core.createNamespace({ body: { metadata: { name: namespace, labels: { [runLabel]: id }, annotations: { [pidAnnotation]: String(process.pid) } } } }),
    () => removeNamespace(kc, namespace));
  const resources = new Resources(kc, namespace);

  await teardown.track(`database ${names.database} and its roles`, step(`Creating the shop database ${names.database} (PostgreSQL, CREATEROLE admin)`, async () => {
    names.admin.password = randomBytes(24).toString('base64url');
    passwords.push(names.admin.password);
    const root = postgresAdmin();
    await root.connect();
    try {
      await setupPostgresShop(root, (database) => postgresAdmin(required('PGSSLROOTCERT'), database), names);
    } finally {
      await root.end();
    }
  }), async () => {
    const dropped = await dropDatabases(names.database);
    info(`  dropped ${dropped.databases} database and roles ${dropped.roles.join(', ') || 'none'}`);
  });

  await step('Starting the operator (dist/operator/main.mjs, config/rbac) and provisioning the policy', async () => {
    await resources.secret('db-admin', { username: names.admin.username, password: names.admin.password });
    await resources.secret('db-ca', { 'ca.crt': readFileSync(required('PGSSLROOTCERT'), 'utf8') });
    // The console's ServiceAccount is dbwarden-console in this namespace (consoleRbacManifests): the operator grants it the policy's Secret.
    await teardown.track('operator', startOperator([namespace], [`--console-namespace=${namespace}`]), async (operator) => operator?.stop());
    await resources.connection('shop', {
      engine: 'postgres', host: '127.0.0.1', port: Number(required('PGPORT')), database: names.database,
      adminSecretRef: { name: 'db-admin' }, tls: { mode: 'verify-full', caSecretRef: { name: 'db-ca' } },
    });
    // Deleted while the operator still runs, so that it revokes and drops the policy's users itself.
    await teardown.track(`AccessPolicy ${policyName}`, resources.policy(policyName, {
      connectionRef: { name: 'shop' }, username: `${prefix}_${id}_reader`, access: 'read-only',
      tables: [{ name: 'products' }, { name: 'orders' }], console: { enabled: true },
    }), async () => {
      await resources.delete('accesspolicies', policyName).catch(ignoreNotFound);
      await resources.gone('accesspolicies', policyName, 60_000);
    });
    await resources.waitReady('accesspolicies', policyName, 'True', undefined, 90_000);
  });
  const policy = await resources.get<AccessPolicy>('accesspolicies', policyName);
  const secret = await resources.readSecret(policy?.status?.secretName ?? `${policyName}-credentials`);
  if (!secret?.password) throw new Error(`the Secret of AccessPolicy ${namespace}/${policyName} has no password`);
  passwords.push(secret.password);

  const tokens = await step(`Console RBAC (config/console) and ${opts.users} users with the dbwarden-console-user ClusterRole`, async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    await teardown.track('console ClusterRoleBinding', (async () => {
      for (const o of consoleRbacManifests(namespace)) await objects.patch(o, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
    })(), () => rbac.deleteClusterRoleBinding({ name: consoleBindingOf(namespace) }).catch(ignoreNotFound));
    const users = Array.from({ length: opts.users }, (_, i) => `user-${i}`);
    for (const name of users) await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'users-query' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'dbwarden-console-user' },
        subjects: users.map((name) => ({ kind: 'ServiceAccount', name, namespace })),
      },
    });
    return Promise.all([...users, 'dbwarden-console'].map((name) => tokenFor(core, namespace, name)));
  });
  const consoleToken = tokens.pop()!;
  await waitForConsoleAccess(kubeConfigWithToken(kc, consoleToken), resources, [policyName]);

  const config = benchConsoleConfig();
  const running = await step('Starting the console (production defaults, log to a file)', async () => {
    const logStream = createWriteStream(opts.logFile, { mode: 0o600 });
    teardown.add('console log', () => new Promise<void>((resolve) => logStream.end(resolve)));
    const log = createLogger(config.logLevel, logStream);
    return teardown.track('console', startConsole({ config, kubeConfig: kubeConfigWithToken(kc, consoleToken), log }), async (started) => started?.close());
  });

  return {
    namespace, console: running, config, tokens, secret, passwords,
    queryPath: `/api/v1/namespaces/${namespace}/policies/${policyName}/query`,
  };
}

async function tokenFor(core: CoreV1Api, namespace: string, name: string): Promise<string> {
  const request = await core.createNamespacedServiceAccountToken({ name, namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  if (!request.status?.token) throw new Error(`no token for ${namespace}/${name}`);
  return request.status.token;
}
