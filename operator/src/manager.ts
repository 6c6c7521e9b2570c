import { hostname } from 'node:os';
import type { KubeConfig, KubernetesObject, V1NetworkPolicy, V1Role, V1RoleBinding, V1Secret } from '@kubernetes/client-node';
import { accessPolicies, apiVersion, databaseConnections, managedByLabel, type AccessPolicy, type DatabaseConnection } from '@dbwarden/api';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { Cache, identityOnly } from './cache.js';
import type { OperatorConfig } from './config.js';
import { findCondition } from './controllers/conditions.js';
import { ConsoleAccessReconciler } from './controllers/console-access/reconcile.js';
import { consoleAccessSelector, consoleEnabled } from './controllers/console-access/desired.js';
import { referencedSecrets } from './controllers/connection/desired.js';
import { ConnectionReconciler } from './controllers/connection/reconcile.js';
import { ConnectionRegistry } from './controllers/connection/registry.js';
import { typed } from './controllers/network/apply.js';
import { ownerLabels } from './controllers/network/desired.js';
import { policyLabel } from './controllers/policy/credentials.js';
import { secretNameFor } from './controllers/policy/desired.js';
import { PolicyReconciler } from './controllers/policy/reconcile.js';
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

/** How long a connection's pass waits for more of its policies' changes to coalesce with. */
const policyBurstMs = 1000;

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

  const keyOf = (o: { metadata?: { namespace?: string; name?: string } }): string => `${o.metadata?.namespace}/${o.metadata?.name}`;
  // Finalizers are left out: the operator adds its own in the pass that provisions, so that change needs no
  // second pass; one removed by someone else is put back by the next resync, deletion by deletionTimestamp.
  const specChanged = (a: { metadata?: { generation?: number; deletionTimestamp?: unknown; annotations?: object } }, b: typeof a): boolean =>
    a.metadata?.generation !== b.metadata?.generation || a.metadata?.deletionTimestamp !== b.metadata?.deletionTimestamp ||
    JSON.stringify(a.metadata?.annotations) !== JSON.stringify(b.metadata?.annotations);

  connections.onAdd((c) => connectionQueue.add(keyOf(c)));
  connections.onUpdate((old, c) => {
    if (specChanged(old, c)) connectionQueue.add(keyOf(c));
    const before = findCondition(old.status?.conditions, 'Ready');
    const after = findCondition(c.status?.conditions, 'Ready');
    if (specChanged(old, c) || before?.status !== after?.status) for (const p of policiesOf(c)) policyQueue.add(keyOf(p));
  });
  connections.onDelete((c) => {
    connectionQueue.add(keyOf(c));
    for (const p of policiesOf(c)) policyQueue.add(keyOf(p));
  });
  const connectionOf = (p: AccessPolicy): string => `${p.metadata?.namespace}/${p.spec.connectionRef.name}`;
  const postureInputs = (p: AccessPolicy): string => JSON.stringify([p.metadata?.generation, p.status?.conditions?.map((c) => [c.type, c.status, c.message]), p.status?.lastRotationTime]);
  // A connection's pass (its ingress NetworkPolicy, its posture) follows its policies; while many of them
  // change at once (hundreds provisioned together), one pass a second covers them all.
  const connectionFollows = (p: AccessPolicy): void => connectionQueue.addAfter(connectionOf(p), policyBurstMs);
  policies.onAdd((p) => {
    policyQueue.add(keyOf(p));
    connectionFollows(p);
  });
  policies.onUpdate((old, p) => {
    if (specChanged(old, p)) policyQueue.add(keyOf(p));
    if (postureInputs(old) !== postureInputs(p)) connectionFollows(p);
  });
  policies.onDelete((p) => {
    policyQueue.add(keyOf(p));
    connectionFollows(p);
    metrics.credentialAge.remove({ namespace: p.metadata?.namespace ?? '', policy: p.metadata?.name ?? '' });
  });
  const ownerOf = (s: V1Secret): string | undefined => s.metadata?.labels?.[policyLabel];
  // The echo of the operator's own Secret write needs no pass; anyone else's change to a Secret is undone.
  secrets.onUpdate((_old, s) => ownerOf(s) && !kube.ownSecretWrites.isOwn(s) && policyQueue.add(`${s.metadata?.namespace}/${ownerOf(s)}`));
  secrets.onDelete((s) => {
    kube.ownSecretWrites.forget(s);
    if (ownerOf(s)) policyQueue.add(`${s.metadata?.namespace}/${ownerOf(s)}`);
  });

  // A managed NetworkPolicy someone else changed or deleted is put back by its owner's pass at once, not at
  // the next resync; the echo of the operator's own write starts nothing.
  const networkPolicyChanged = (np: V1NetworkPolicy): void => {
    const labels = np.metadata?.labels ?? {};
    const namespace = np.metadata?.namespace;
    if (labels[ownerLabels.policy]) policyQueue.add(`${namespace}/${labels[ownerLabels.policy]}`);
    if (labels[ownerLabels.connection]) connectionQueue.add(`${namespace}/${labels[ownerLabels.connection]}`);
  };
  networkPolicies.onUpdate((_old, np) => !kube.ownNetworkPolicyWrites.isOwn(typed(np) ?? np) && networkPolicyChanged(np));
  networkPolicies.onDelete((np) => {
    kube.ownNetworkPolicyWrites.forget(np);
    networkPolicyChanged(np);
  });

  const connectionsReading = (s: V1Secret): DatabaseConnection[] => connections.list().filter((c) =>
    c.metadata?.namespace === s.metadata?.namespace && referencedSecrets(c).includes(s.metadata?.name ?? ''));
  const secretChanged = (s: V1Secret): void => {
    for (const c of connectionsReading(s)) connectionQueue.add(keyOf(c));
  };
  for (const cache of [secretNames, secrets]) {
    // A connection naming one of the operator's own Secrets is odd, but followed all the same.
    cache.onAdd(secretChanged);
    cache.onUpdate((_old, s) => secretChanged(s));
    cache.onDelete(secretChanged);
  }

  // The console's access in a namespace follows its policies (console toggled, Secret named), the Secrets the
  // operator writes for them, and its own Roles and RoleBindings: a change by anyone else is put back at once.
  if (consoleAccessQueue) {
    const namespaceOf = (o: KubernetesObject): void => consoleAccessQueue.add(o.metadata?.namespace ?? '');
    const consoleInputs = (p: AccessPolicy): string => JSON.stringify([consoleEnabled(p), secretNameFor(p), p.status?.secretName, p.metadata?.uid]);
    policies.onAdd(namespaceOf);
    policies.onUpdate((old, p) => consoleInputs(old) !== consoleInputs(p) && namespaceOf(p));
    policies.onDelete(namespaceOf);
    const ownership = (s: V1Secret): string => JSON.stringify([s.metadata?.ownerReferences, s.metadata?.labels?.[policyLabel]]);
    secrets.onAdd(namespaceOf);
    secrets.onUpdate((old, s) => ownership(old) !== ownership(s) && namespaceOf(s));
    secrets.onDelete(namespaceOf);
    const follow = <T extends KubernetesObject>(cache: Cache<T> | undefined): void => {
      cache?.onAdd(namespaceOf);
      cache?.onUpdate((_old, o) => namespaceOf(o));
      cache?.onDelete(namespaceOf);
    };
    follow(consoleRoles);
    follow(consoleBindings);
  }

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
