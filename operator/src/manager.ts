import { hostname } from 'node:os';
import type { KubeConfig, KubernetesObject, V1NetworkPolicy, V1Role, V1RoleBinding, V1Secret } from '@kubernetes/client-node';
import { accessPolicies, apiVersion, databaseConnections, managedByLabel, type AccessPolicy, type DatabaseConnection } from '@dbwarden/api';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { Cache, identityOnly } from './cache.js';
import type { OperatorConfig } from './config.js';
import { ConsoleAccessReconciler } from './controllers/console-access/reconcile.js';
import { consoleAccessSelector } from './controllers/console-access/desired.js';
import { watchConsoleAccess } from './controllers/console-access/watches.js';
import { ConnectionReconciler } from './controllers/connection/reconcile.js';
import { ConnectionRegistry } from './controllers/connection/registry.js';
import { watchConnections } from './controllers/connection/watches.js';
import { PolicyReconciler } from './controllers/policy/reconcile.js';
import { watchPolicies } from './controllers/policy/watches.js';
import { createEngine } from './engines/index.js';
import { KubeClient } from './kube/client.js';
import { EventRecorder } from './kube/events.js';
import { LeaderElector } from './runtime/leader.js';
import { forController } from './runtime/logger.js';
import { createOperatorMetrics, reconcileObserver } from './runtime/metrics.js';
import { OperatorServer } from './runtime/server.js';
import { WorkQueue } from './runtime/workqueue.js';

const apiPrefix = `/apis/${apiVersion}`;
const selector = Object.entries(managedByLabel).map(([k, v]) => `${k}=${v}`).join(',');
/** Every object but those the operator manages (a missing label matches too). */
const notManagedSelector = Object.entries(managedByLabel).map(([k, v]) => `${k}!=${v}`).join(',');

/** Spreads periodic passes out by ±10% so objects created together do not resync together forever. */
const jitter = (ms: number): number => Math.round(ms * (0.9 + Math.random() * 0.2));

export interface RunningManager {
  port: number;
  /** Resolves when the operator stopped (after stop(), or with an error when leadership was lost). */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** Wires caches, controllers, work queues, leader election and the HTTP endpoints; starts them. */
export async function startManager(config: OperatorConfig, kc: KubeConfig, log: Logger): Promise<RunningManager> {
  const metrics = createOperatorMetrics();
  const dbWrites = new Counter({
    name: 'dbwarden_database_writes_total',
    help: 'Statements that changed a database (DDL, GRANT, REVOKE, passwords, ended sessions), by engine and kind.',
    labelNames: ['engine', 'kind'],
    registers: [metrics.registry],
  });

  const cacheOpts = { namespaces: config.namespaces, logger: log };
  const connections = new Cache<DatabaseConnection>(kc, { ...cacheOpts, prefix: apiPrefix, plural: databaseConnections.plural });
  const policies = new Cache<AccessPolicy>(kc, { ...cacheOpts, prefix: apiPrefix, plural: accessPolicies.plural });
  const secrets = new Cache<V1Secret>(kc, { ...cacheOpts, prefix: '/api/v1', plural: 'secrets', labelSelector: selector });
  // The NetworkPolicies it writes: each pass compares with the cache instead of reading from the API server.
  const networkPolicies = new Cache<V1NetworkPolicy>(kc, { ...cacheOpts, prefix: '/apis/networking.k8s.io/v1', plural: 'networkpolicies', labelSelector: selector });
  // Every other Secret, as metadata only (PartialObjectMetadata): the API server sends no data, enough to notice
  // an admin or CA Secret change. Annotations still come (kubectl's client-side last-applied-configuration holds
  // a copy of the data), so only the identity is kept. The operator's own credentials Secrets are in `secrets`
  // above: each write to one makes one watch event, not two.
  const secretNames = new Cache<KubernetesObject>(kc, {
    ...cacheOpts, prefix: '/api/v1', plural: 'secrets', labelSelector: notManagedSelector, metadataOnly: true,
    transform: identityOnly,
  });
  // The console's Roles and RoleBindings (no console, no caches: the operator then needs no RBAC for them).
  const consoleIdentity = config.consoleServiceAccount ? { namespace: config.consoleNamespace, serviceAccount: config.consoleServiceAccount } : undefined;
  const consoleRoles = consoleIdentity && new Cache<V1Role>(kc, { ...cacheOpts, prefix: '/apis/rbac.authorization.k8s.io/v1', plural: 'roles', labelSelector: consoleAccessSelector });
  const consoleBindings = consoleIdentity && new Cache<V1RoleBinding>(kc, { ...cacheOpts, prefix: '/apis/rbac.authorization.k8s.io/v1', plural: 'rolebindings', labelSelector: consoleAccessSelector });

  const kube = new KubeClient(kc);
  const events = new EventRecorder(kube.core, log);
  const registry = new ConnectionRegistry(
    (namespace, name) => kube.getSecret(namespace, name),
    (settings) => createEngine(settings, { onWrite: (engine, kind) => dbWrites.inc({ engine, kind }) }),
  );
  const policiesOf = (c: DatabaseConnection): AccessPolicy[] =>
    policies.list().filter((p) => p.metadata?.namespace === c.metadata?.namespace && p.spec.connectionRef.name === c.metadata?.name);
  const connectionReconciler = new ConnectionReconciler({
    get: (ns, name) => connections.get(ns, name),
    policiesOf,
    namespaces: { operator: config.operatorNamespace, console: config.consoleNamespace },
    getNetworkPolicy: (ns, name) => networkPolicies.get(ns, name),
    kube, registry, events, log: forController(log, 'connection'), resyncMs: config.resyncMs,
  });
  const policyReconciler = new PolicyReconciler({
    getPolicy: (ns, name) => policies.get(ns, name),
    getConnection: (ns, name) => connections.get(ns, name),
    getSecret: (ns, name) => secrets.get(ns, name),
    unmanagedSecretExists: (ns, name) => secretNames.get(ns, name) !== undefined,
    getNetworkPolicy: (ns, name) => networkPolicies.get(ns, name),
    kube, registry, events, log: forController(log, 'accesspolicy'), resyncMs: config.resyncMs,
    metrics: {
      driftCorrected: (engine, direction, n) => n && metrics.driftCorrections.inc({ engine, direction }, n),
      credentialAge: (p, seconds) => metrics.credentialAge.set({ namespace: p.metadata?.namespace ?? '', policy: p.metadata?.name ?? '' }, Math.round(seconds)),
    },
  });

  const inNamespace = <T extends KubernetesObject>(cache: Cache<T>, namespace: string): T[] => cache.list().filter((o) => o.metadata?.namespace === namespace);
  const consoleAccessReconciler = consoleIdentity && consoleRoles && consoleBindings && new ConsoleAccessReconciler({
    policiesIn: (namespace) => inNamespace(policies, namespace),
    getSecret: (ns, name) => secrets.get(ns, name),
    access: { roles: (ns) => inNamespace(consoleRoles, ns), bindings: (ns) => inNamespace(consoleBindings, ns) },
    identity: consoleIdentity, kube, log: forController(log, 'console-access'), resyncMs: config.resyncMs,
  });

  const queueOpts = (name: string) => ({ name, registry: metrics.registry, logger: log, onOutcome: reconcileObserver(metrics, name) });
  const connectionQueue = new WorkQueue(queueOpts('connection'));
  const policyQueue = new WorkQueue(queueOpts('accesspolicy'));
  const consoleAccessQueue = consoleAccessReconciler && new WorkQueue(queueOpts('console-access'));

  // Each controller says what starts its passes (its watches.ts), as controller-runtime's SetupWithManager does.
  watchConnections(connectionQueue, { connections, policies, secrets: [secretNames, secrets], networkPolicies }, kube);
  watchPolicies(policyQueue, { connections, policies, secrets, networkPolicies }, {
    policiesOf, ownSecretWrites: kube.ownSecretWrites, ownNetworkPolicyWrites: kube.ownNetworkPolicyWrites,
  });
  if (consoleAccessQueue && consoleRoles && consoleBindings) {
    watchConsoleAccess(consoleAccessQueue, { policies, secrets, roles: consoleRoles, bindings: consoleBindings });
  }
  policies.onDelete((p) => metrics.credentialAge.remove({ namespace: p.metadata?.namespace ?? '', policy: p.metadata?.name ?? '' }));

  const caches: Pick<Cache<KubernetesObject>, 'statuses' | 'start' | 'stop' | 'waitForSync'>[] = [connections, policies, secrets, secretNames, networkPolicies, ...(consoleRoles && consoleBindings ? [consoleRoles, consoleBindings] : [])];
  const server = new OperatorServer({ port: config.metricsPort, registry: metrics.registry, logger: log });
  for (const cache of caches) for (const status of cache.statuses) server.track(status);
  const port = await server.listen();
  log.info(`serving metrics and health on port ${port}`);

  for (const cache of caches) cache.start();
  await Promise.all(caches.map((c) => c.waitForSync()));
  log.info({ namespaces: config.namespaces.length ? config.namespaces : 'all' }, 'caches synced');

  const runWorkers = (): Promise<void> => Promise.all([
    connectionQueue.run(config.workers, async (key) => {
      const r = await connectionReconciler.reconcile(key);
      return r.requeueAfterMs ? { requeueAfterMs: jitter(r.requeueAfterMs) } : undefined;
    }),
    policyQueue.run(config.workers, async (key) => {
      const r = await policyReconciler.reconcile(key);
      return r.requeueAfterMs ? { requeueAfterMs: jitter(r.requeueAfterMs) } : undefined;
    }),
    consoleAccessQueue?.run(config.workers, async (namespace) => {
      const r = await consoleAccessReconciler!.reconcile(namespace);
      return r.requeueAfterMs ? { requeueAfterMs: jitter(r.requeueAfterMs) } : undefined;
    }),
  ]).then(() => undefined);

  let elector: LeaderElector | undefined;
  let resolveDone!: () => void;
  let rejectDone!: (err: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });

  let workers: Promise<void> | undefined;
  if (config.leaderElect) {
    const identity = `${process.env.POD_NAME ?? hostname()}_${process.pid}`;
    elector = new LeaderElector(kc, {
      namespace: config.leaderElectionNamespace, name: config.leaderElectionId, identity, logger: log,
      leaseDurationMs: config.leaseDurationMs, renewDeadlineMs: config.renewDeadlineMs, retryPeriodMs: config.retryPeriodMs,
    });
    void elector.run({
      onStartedLeading: () => {
        log.info({ identity }, 'became leader: reconciling');
        workers = runWorkers();
      },
      onStoppedLeading: (reason) => {
        if (reason === 'lost') rejectDone(new Error('leader election lost: exiting so another replica takes over'));
      },
    });
  } else {
    workers = runWorkers();
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      log.info('shutting down');
      await Promise.all([connectionQueue.shutdown(), policyQueue.shutdown(), consoleAccessQueue?.shutdown()]);
      await workers;
      await elector?.stop();
      for (const cache of caches) cache.stop();
      await registry.closeAll();
      await server.close();
      resolveDone();
    })();
    return stopping;
  };
  return { port, done, stop };
}
