/**
 * dbwarden as it ships, running as pods on a real node: its images, its Helm chart (and once its kustomize
 * install), its RBAC and `restricted` securityContext, NetworkPolicies enforced by a real enforcer, consumers
 * restarted on rotation, leader failover as pods, and the documented uninstall. The databases run as pods
 * too. The same body runs on the local node (`npm test`) and on kind (`hack/kind-e2e.sh`).
 */
import { randomBytes } from 'node:crypto';
import { AppsV1Api, CoordinationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { AccessPolicy, AccessPolicySpec } from '@dbwarden/api';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeConfig, uniqueName } from '../support/kube.js';
import { Resources } from '../support/resources.js';
import { clientDeployment, networkStopped, reachabilityProbe, serverAnswered } from './clients.js';
import { deployDatabase, type PodDatabase } from './databases.js';
import {
  appImages, consoleDeployment, helmInstall, helmUninstall, kustomizeInstall, operatorDeployment, systemNamespace,
} from './install.js';
import { apply, kubectl, PodLogs, portForward, readyReplicas, rolledOut } from './kubectl.js';

let kc: KubeConfig;
let core: CoreV1Api;
const shop = uniqueName('shop');
let r: Resources;
let pg: PodDatabase;
let my: PodDatabase;
/** What the shop's PostgreSQL client Deployment prints (started by the convergence test). */
let pgClient: PodLogs;
const logs: PodLogs[] = [];
const figures: Record<string, number> = {};

const ready = (p: AccessPolicy | undefined): boolean => {
  const c = p?.status?.conditions?.find((x) => x.type === 'Ready');
  return c?.status === 'True' && c.observedGeneration === p?.metadata?.generation;
};

const follow = (selector: string): PodLogs => {
  const collector = new PodLogs(shop, selector).start();
  logs.push(collector);
  return collector;
};

/** Waits for a line matching `test` in what the pods print, after `from` lines. */
const line = (collector: PodLogs, what: string, test: (text: string) => boolean, from = 0, timeoutMs = 120_000): Promise<string> =>
  eventually(what, () => collector.lines.slice(from).find((l) => test(l.line))?.line, timeoutMs);

async function consoleRequest(path: string, token: string, body?: object): Promise<{ status: number; json: unknown }> {
  const forward = await portForward(systemNamespace, `service/${consoleDeployment}`, 80);
  try {
    const res = await fetch(`http://127.0.0.1:${forward.port}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: await res.json().catch(() => undefined) };
  } finally {
    forward.stop();
  }
}

const connection = (db: PodDatabase): object => ({
  engine: db.engine, host: db.host, port: db.port, database: db.database,
  adminSecretRef: { name: db.adminSecret },
  tls: { mode: 'verify-full', caSecretRef: { name: db.caSecret } },
  network: { podSelector: { matchLabels: { app: db.name } } },
});

async function policy(name: string, spec: AccessPolicySpec): Promise<void> {
  await apply(stringify({ apiVersion: 'dbwarden.io/v1alpha1', kind: 'AccessPolicy', metadata: { name, namespace: shop }, spec }));
}

beforeAll(async () => {
  kc = kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  await kubectl(['create', 'namespace', shop]);
  r = new Resources(kc, shop);
}, 600_000);

afterAll(async () => {
  for (const collector of logs) collector.stop();
  if (Object.keys(figures).length) console.log(`in-cluster figures: ${JSON.stringify(figures)}`);
  // What a failed run leaves: its policies' finalizers would hold the namespace once no operator runs (the
  // databases go with the namespace), and the release would meet the next run's kustomize install.
  const left = await kubectl(['get', 'accesspolicies', '-n', shop, '-o', 'name']).catch(() => '');
  for (const name of left.split('\n').filter(Boolean)) {
    await kubectl(['patch', '-n', shop, name, '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}']).catch(() => undefined);
  }
  await kubectl(['delete', 'namespace', shop, '--wait=false']).catch(() => undefined);
  await helmUninstall().catch(() => undefined);
}, 300_000);

describe('kustomize install (kubectl apply -k config/default)', () => {
  it('operator (2 replicas) and console become Ready under the restricted Pod Security Standard, and are removed as documented', async () => {
    const overlay = await kustomizeInstall();
    await readyReplicas(systemNamespace, operatorDeployment, 2);
    await readyReplicas(systemNamespace, consoleDeployment, 2);
    const labels = JSON.parse(await kubectl(['get', 'namespace', systemNamespace, '-o', 'jsonpath={.metadata.labels}'])) as Record<string, string>;
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    // docs/uninstall.md, kustomize: the workloads, keeping the CRDs (and any policies) in place.
    for (const part of ['manager', 'console', 'rbac']) await kubectl(['delete', '-k', `${overlay}/../../../config/${part}`, '--ignore-not-found', '--wait=true']);
    await eventually('the kustomize workloads to be gone', async () =>
      (await kubectl(['get', 'deployments', '-n', systemNamespace, '-o', 'name'])).trim() === '', 120_000);
  });
});

describe('Helm install', () => {
  beforeAll(async () => {
    await helmInstall();
  }, 900_000);

  it('runs the operator (2 replicas) and the console under restricted, with the chart\'s ServiceAccounts; the console answers through its Service', async () => {
    await readyReplicas(systemNamespace, operatorDeployment, 2);
    await readyReplicas(systemNamespace, consoleDeployment, 1);
    const pods = await core.listNamespacedPod({ namespace: systemNamespace });
    const running = pods.items.filter((p) => p.status?.phase === 'Running');
    expect(running.map((p) => p.spec?.containers[0]?.image).sort()).toEqual([appImages.console, appImages.operator, appImages.operator].sort());
    for (const pod of running) {
      expect(pod.spec?.serviceAccountName).toMatch(/^dbwarden-(operator|console)$/);
      expect(pod.spec?.containers[0]?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    }
    const forward = await portForward(systemNamespace, `service/${consoleDeployment}`, 80);
    try {
      expect((await fetch(`http://127.0.0.1:${forward.port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${forward.port}/api/v1/policies`)).status).toBe(401);
    } finally {
      forward.stop();
    }
  });

  describe('the shop', () => {
    beforeAll(async () => {
      [pg, my] = await Promise.all([deployDatabase('postgres', 'shop-pg', shop), deployDatabase('mysql', 'shop-my', shop)]);
      await apply([
        { apiVersion: 'dbwarden.io/v1alpha1', kind: 'DatabaseConnection', metadata: { name: 'pg', namespace: shop }, spec: connection(pg) },
        { apiVersion: 'dbwarden.io/v1alpha1', kind: 'DatabaseConnection', metadata: { name: 'my', namespace: shop }, spec: connection(my) },
      ].map((doc) => stringify(doc)).join('---\n'));
    }, 600_000);

    it('converges: connections and policies Ready, and client Deployments read through the mounted Secrets', async () => {
      await policy('reader-pg', {
        connectionRef: { name: 'pg' }, tables: [{ name: 'products' }, { name: 'orders' }],
        clients: { podSelector: { matchLabels: { app: 'client-pg' } } }, console: { enabled: true },
      });
      await policy('reader-my', {
        connectionRef: { name: 'my' }, tables: [{ name: 'products' }, { name: 'orders' }],
        clients: { podSelector: { matchLabels: { app: 'client-my' } } },
      });
      await policy('no-emails-pg', {
        connectionRef: { name: 'pg' }, tables: [{ name: 'users', columns: ['id', 'full_name'] }],
        clients: { podSelector: { matchLabels: { app: 'client-pg-users' } } },
      });
      for (const name of ['pg', 'my']) await r.waitReady('databaseconnections', name, 'True', undefined, 120_000);
      for (const name of ['reader-pg', 'reader-my', 'no-emails-pg']) await r.waitReady('accesspolicies', name, 'True', undefined, 120_000);

      pgClient = follow('app=client-pg');
      const myClient = follow('app=client-my');
      const usersClient = follow('app=client-pg-users');
      await apply([
        clientDeployment({ name: 'client-pg', namespace: shop, engine: 'postgres', secret: 'reader-pg-credentials', labels: { app: 'client-pg' } }),
        clientDeployment({ name: 'client-my', namespace: shop, engine: 'mysql', secret: 'reader-my-credentials', labels: { app: 'client-my' } }),
        clientDeployment({ name: 'client-pg-users', namespace: shop, engine: 'postgres', secret: 'no-emails-pg-credentials', labels: { app: 'client-pg-users' },
          query: 'SELECT full_name FROM users ORDER BY id LIMIT 1' }),
      ].map((doc) => stringify(doc)).join('---\n'));
      expect(await line(pgClient, 'the PostgreSQL client to read 3 products', (l) => /^ok \d+ \S+ 3$/.test(l))).toBeTruthy();
      expect(await line(myClient, 'the MariaDB client to read 3 products', (l) => /^ok \d+ \S+ 3$/.test(l))).toBeTruthy();
      expect(await line(usersClient, 'the column-limited client to read a name', (l) => /^ok \d+ \S+ Ada$/.test(l))).toBeTruthy();
      const all = [...pgClient.lines, ...myClient.lines, ...usersClient.lines].map((l) => l.line).join('\n');
      for (const secret of ['reader-pg-credentials', 'reader-my-credentials']) {
        const password = (await r.readSecret(secret))?.password;
        expect(password && all.includes(password)).toBeFalsy();
      }
    });

    it('NetworkPolicies: a pod the policy does not select is stopped at the network; leaving spec.clients cuts a client off', async () => {
      const intruder = follow('app=intruder');
      await apply(stringify(clientDeployment({ name: 'intruder', namespace: shop, engine: 'postgres', secret: 'reader-pg-credentials', labels: { app: 'intruder' } })));
      const stopped = await line(intruder, 'the intruder to be stopped', (l) => l.startsWith('fail'));
      expect(networkStopped(stopped), stopped).toBe(true);
      expect(intruder.lines.some((l) => l.line.startsWith('ok'))).toBe(false);

      const mark = pgClient.lines.length;
      await r.patch('accesspolicies', 'reader-pg', { spec: { clients: { podSelector: { matchLabels: { app: 'someone-else' } } } } });
      const cut = await line(pgClient, 'the removed client to be cut off', (l) => l.startsWith('fail'), mark);
      expect(networkStopped(cut), cut).toBe(true);
      const back = pgClient.lines.length;
      await r.patch('accesspolicies', 'reader-pg', { spec: { clients: { podSelector: { matchLabels: { app: 'client-pg' } } } } });
      await line(pgClient, 'the client to be let back in', (l) => /^ok \d+ \S+ 3$/.test(l), back);
      await kubectl(['delete', 'deployment', '-n', shop, 'intruder', '--wait=false']);
    });

    it('the console reaches a database only where a policy lets it query (console.enabled)', async () => {
      // A pod with the console's labels in its namespace: what the operator's ingress NetworkPolicy admits as the console.
      const probe = reachabilityProbe({
        name: `console-probe-${randomBytes(3).toString('hex')}`, namespace: systemNamespace, engine: 'mysql', host: my.host, port: my.port,
        labels: { 'app.kubernetes.io/name': 'dbwarden-console' },
      }) as { metadata: { name: string } };
      const probeLogs = new PodLogs(systemNamespace, 'app.kubernetes.io/name=dbwarden-console').start();
      logs.push(probeLogs);
      await apply(stringify(probe));
      try {
        const blocked = await line(probeLogs, 'the console-labelled probe to be stopped', (l) => l.startsWith('fail'));
        expect(networkStopped(blocked), blocked).toBe(true);
        const mark = probeLogs.lines.length;
        await r.patch('accesspolicies', 'reader-my', { spec: { console: { enabled: true } } });
        const answered = await line(probeLogs, 'the console-labelled probe to reach MariaDB', (l) => l.startsWith('fail') && serverAnswered(l), mark);
        expect(answered).toMatch(/Access denied/);
      } finally {
        await kubectl(['delete', 'pod', '-n', systemNamespace, probe.metadata.name, '--wait=false']);
      }
      // The real console, through its Service, as a user bound to dbwarden-console-user.
      await apply(stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'analyst', namespace: shop } }) + '---\n' + stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'analyst-query', namespace: shop },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'dbwarden-console-user' },
        subjects: [{ kind: 'ServiceAccount', name: 'analyst', namespace: shop }],
      }));
      const token = (await kubectl(['create', 'token', 'analyst', '-n', shop, '--duration=10m'])).trim();
      for (const name of ['reader-pg', 'reader-my']) {
        const answer = await eventually(`a console query through ${name}`, async () => {
          const res = await consoleRequest(`/api/v1/namespaces/${shop}/policies/${name}/query`, token, { sql: 'SELECT count(*) AS n FROM products' });
          return res.status === 200 ? res.json : undefined;
        }, 60_000);
        expect(JSON.stringify(answer)).toMatch(/"rows":\[\["?3"?\]\]/);
      }
      const stranger = (await kubectl(['create', 'token', 'default', '-n', shop, '--duration=10m'])).trim();
      expect((await consoleRequest(`/api/v1/namespaces/${shop}/policies/reader-pg/schema`, stranger)).status).toBe(403);
    });

    it('a rotation with restartTargets rolls the Deployment; its new pods use the new password and a client loop sees no failed login', async () => {
      // The consumer first (its pod waits for the Secret), then the policy that names it as a restart target.
      const client = follow('app=rotating-client');
      await apply(stringify(clientDeployment({ name: 'rotating-client', namespace: shop, engine: 'postgres', secret: 'rotating-credentials', labels: { app: 'rotating-client' } })));
      await policy('rotating', {
        connectionRef: { name: 'pg' }, tables: [{ name: 'products' }], rotation: { restartTargets: [{ kind: 'Deployment', name: 'rotating-client' }] },
        clients: { podSelector: { matchLabels: { app: 'rotating-client' } } },
      });
      await r.waitReady('accesspolicies', 'rotating', 'True', undefined, 120_000);
      const before = (await r.get<AccessPolicy>('accesspolicies', 'rotating'))!.status!.activeUsername!;
      await rolledOut(shop, 'deployment/rotating-client');
      await line(client, 'the client to log in', (l) => l.startsWith(`ok `));
      const apps = kc.makeApiClient(AppsV1Api);
      const generation = (await apps.readNamespacedDeployment({ name: 'rotating-client', namespace: shop })).metadata?.generation ?? 0;
      const firstPods = client.pods;

      await kubectl(['annotate', '--overwrite', '-n', shop, 'accesspolicy/rotating', `dbwarden.io/rotate=${Date.now()}`]);
      const rotated = await eventually('the rotation', async () => {
        const p = await r.get<AccessPolicy>('accesspolicies', 'rotating');
        return p?.status?.activeUsername && p.status.activeUsername !== before ? p : undefined;
      }, 120_000);
      const after = rotated.status!.activeUsername!;
      await eventually('the Deployment to roll', async () =>
        ((await apps.readNamespacedDeployment({ name: 'rotating-client', namespace: shop })).metadata?.generation ?? 0) > generation, 60_000);
      await rolledOut(shop, 'deployment/rotating-client');
      const newPod = await eventually('a new pod logging in as the new user', () =>
        client.lines.find((l) => !firstPods.includes(l.pod) && l.line.startsWith(`ok `) && l.line.includes(` ${after} `)), 120_000);
      expect(newPod.line).toMatch(/ 3$/);
      // A few more attempts from the new pod, then count: not one failed login through the whole rotation.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      // From the first login on (before it, the Secret may still be on its way: the operator writes the new
      // password to it before the database learns it, and a pod mounting it can start in between).
      const firstLogin = client.lines.findIndex((l) => l.line.startsWith('ok '));
      const failed = client.lines.slice(firstLogin).filter((l) => l.line.startsWith('fail'));
      // A pod's very first packets can beat the NetworkPolicy enforcer's rules for its new address and be
      // refused (kube-router, kubernetes/kubernetes#85966): that is the network at pod start, not a login.
      const atStart = failed.filter((l) => networkStopped(l.line) && Number(l.line.split(' ')[1]) <= 3);
      expect(failed.filter((l) => !atStart.includes(l))).toEqual([]);
      figures.rotationClientAttempts = client.lines.length;
      figures.rotationFailedLogins = failed.length - atStart.length;
      figures.rotationRefusedAtPodStart = atStart.length;
    });

    it('leader failover as pods: the leader is deleted during a batch of 100 policies, all become Ready, and the takeover is measured', async () => {
      const coordination = kc.makeApiClient(CoordinationV1Api);
      const lease = async (): Promise<string> =>
        (await coordination.readNamespacedLease({ name: operatorDeployment, namespace: systemNamespace })).spec?.holderIdentity ?? '';
      const holder = await lease();
      expect(holder).not.toBe('');
      const batchReady = async (): Promise<number> => {
        const list = (await r.objects.listNamespacedCustomObject({ group: 'dbwarden.io', version: 'v1alpha1', namespace: shop, plural: 'accesspolicies' })) as { items: AccessPolicy[] };
        return list.items.filter((p) => p.metadata?.name?.startsWith('batch-') && ready(p)).length;
      };
      const names = Array.from({ length: 100 }, (_, i) => `batch-${String(i).padStart(3, '0')}`);
      const started = Date.now();
      await apply(names.map((name) => stringify({
        apiVersion: 'dbwarden.io/v1alpha1', kind: 'AccessPolicy', metadata: { name, namespace: shop },
        spec: { connectionRef: { name: 'pg' }, tables: [{ name: 'products' }], rotation: { strategy: 'in-place' } },
      })).join('---\n'));
      // Some are done, most are not: the leader goes in the middle of the batch.
      await eventually('the first policies of the batch to be Ready', async () => (await batchReady()) >= 5, 120_000);
      const leaderPod = holder.split('_')[0]!;
      const killed = Date.now();
      await kubectl(['delete', 'pod', '-n', systemNamespace, leaderPod, '--grace-period=0', '--force']);
      const newHolder = await eventually('another operator pod to take the Lease', async () => {
        const now = await lease();
        return now && now.split('_')[0] !== leaderPod ? now : undefined;
      }, 120_000);
      figures.takeoverSeconds = (Date.now() - killed) / 1000;
      expect(newHolder.split('_')[0]).not.toBe(leaderPod);
      await eventually('all 100 policies to be Ready', async () => (await batchReady()) === 100, 600_000);
      figures.batchSeconds = (Date.now() - started) / 1000;
      // The Deployment replaced the deleted pod: two replicas again.
      await readyReplicas(systemNamespace, operatorDeployment, 2);
    });

    it('uninstalls as docs/uninstall.md says: policies first (users dropped, a Retained one kept with its Secret), then the release; the CRDs stay', async () => {
      await r.patch('accesspolicies', 'no-emails-pg', { spec: { deletionPolicy: 'Retain' } });
      const retained = (await r.get<AccessPolicy>('accesspolicies', 'no-emails-pg'))!.status!.username!;
      // docs/uninstall.md deletes every policy (-A); this cluster may hold other suites' policies, so the shop's.
      await kubectl(['delete', 'accesspolicies', '--all', '-n', shop, '--wait=true', '--timeout=5m']);
      expect((await kubectl(['get', 'accesspolicies', '-n', shop, '-o', 'name'])).trim()).toBe('');
      const managed: string = await pg.superSql(`SELECT rolname FROM pg_roles WHERE shobj_description(oid, 'pg_authid') LIKE 'managed by dbwarden:%' ORDER BY 1`);
      expect(managed.trim().split('\n').filter(Boolean).every((name) => name.startsWith(retained))).toBe(true);
      expect(managed).toContain(retained);
      const myUsers: string = await my.superSql(`SELECT User FROM mysql.user WHERE User LIKE 'dbw\\_%'`);
      expect(myUsers.trim()).toBe('');
      const secrets = await kubectl(['get', 'secrets', '-n', shop, '-l', 'app.kubernetes.io/managed-by=dbwarden', '-o', 'jsonpath={range .items[*]}{.metadata.name}{" "}{.metadata.ownerReferences}{"\\n"}{end}']);
      expect(secrets.trim()).toBe('no-emails-pg-credentials');
      // No console-enabled policy left: the operator deleted the console's Role and RoleBinding in shop.
      await eventually('the console\'s Role and RoleBinding to be gone', async () =>
        (await kubectl(['get', 'roles,rolebindings', '-n', shop, '-l', 'app.kubernetes.io/component=console-access', '-o', 'name'])).trim() === '', 30_000);
      await kubectl(['delete', 'databaseconnections', '--all', '-n', shop]);
      await helmUninstall();
      await eventually('the release\'s pods to be gone', async () =>
        (await kubectl(['get', 'pods', '-n', systemNamespace, '-o', 'name'])).trim() === '', 120_000);
      expect(await kubectl(['get', 'crd', 'accesspolicies.dbwarden.io', '-o', 'name'])).toContain('accesspolicies.dbwarden.io');
      // The user the Retained policy left still works with the Secret that stayed.
      const client = follow('app=retained-client');
      await apply(stringify(clientDeployment({ name: 'retained-client', namespace: shop, engine: 'postgres', secret: 'no-emails-pg-credentials', labels: { app: 'retained-client' },
        query: 'SELECT full_name FROM users ORDER BY id LIMIT 1' })));
      await line(client, 'the retained user to still log in', (l) => /^ok \d+ \S+ Ada$/.test(l));
    });
  });
});
