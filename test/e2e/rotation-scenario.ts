/**
 * Rotation on one engine, both strategies: a client querying in a loop through the Secret's credentials
 * during 10 rotations, old passwords stopping when they should, and a rotation on schedule.
 */
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { AccessPolicy } from '@dbwarden/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCrds } from '../support/crds.js';
import { eventually, kubeConfig, uniqueName } from '../support/kube.js';
import { startOperator, type RunningOperator } from '../support/operator.js';
import { Resources } from '../support/resources.js';
import { connectWith, createShop, type EngineName, type ShopDatabase } from '../support/shop-db.js';

const authFailure = /password authentication failed|Access denied/i;

export function rotationScenario(engine: EngineName): void {
  let kc: KubeConfig;
  let ns: string;
  let r: Resources;
  let db: ShopDatabase;
  let operator: RunningOperator;

  /** Logs in with these credentials and runs one query; returns the error message, or undefined on success. */
  async function tryQuery(secret: Record<string, string>): Promise<string | undefined> {
    try {
      const conn = await connectWith(engine, secret);
      try {
        await conn.query('SELECT 1');
      } finally {
        await conn.close();
      }
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }

  async function rotatedAt(secretName: string): Promise<string | undefined> {
    const s = await r.core.readNamespacedSecret({ namespace: ns, name: secretName });
    return s.metadata?.annotations?.['dbwarden.io/rotated-at'];
  }

  async function rotate(policy: string, secretName: string, value: string): Promise<void> {
    const before = await r.readSecret(secretName);
    await r.patch('accesspolicies', policy, { metadata: { annotations: { 'dbwarden.io/rotate': value } } });
    await eventually(`rotation ${value} of ${policy}`, async () => (await r.readSecret(secretName))?.password !== before?.password, 30_000);
  }

  beforeAll(async () => {
    kc = kubeConfig();
    ns = uniqueName(`rot-${engine === 'postgres' ? 'pg' : 'my'}`);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
    await applyCrds(kc);
    r = new Resources(kc, ns);
    db = await createShop(engine);
    await r.secret('admin', { username: db.admin.username, password: db.admin.password });
    await r.secret('db-ca', { 'ca.crt': db.ca });
    operator = await startOperator([ns]);
    await r.connection('shop', {
      engine, host: db.host, port: db.port, database: db.database,
      adminSecretRef: { name: 'admin' }, tls: { mode: 'verify-full', caSecretRef: { name: 'db-ca' } },
    });
    await r.waitReady('databaseconnections', 'shop');
  }, 120_000);

  afterAll(async () => {
    await operator?.stop();
    await db?.close();
    await kc?.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
  });

  describe.concurrent(`${engine}: rotation`, () => {
    it('alternating: a client looping through the Secret sees no authentication failure during 10 rotations', async () => {
      await r.policy('alt', { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }], rotation: { strategy: 'alternating', gracePeriod: '3s' } });
      await r.waitReady('accesspolicies', 'alt');
      let stop = false;
      let queries = 0;
      const failures: string[] = [];
      const client = (async () => {
        while (!stop) {
          const secret = await r.readSecret('alt-credentials');
          const error = secret && (await tryQuery(secret));
          queries++;
          if (error) failures.push(error);
        }
      })();
      const users = new Set<string>();
      try {
        for (let i = 1; i <= 10; i++) {
          await rotate('alt', 'alt-credentials', `r${i}`);
          users.add((await r.readSecret('alt-credentials'))!.username!);
        }
      } finally {
        stop = true;
        await client;
      }
      console.log(`${engine} alternating: ${queries} queries during 10 rotations, ${failures.length} failures`);
      expect(failures).toEqual([]);
      expect(queries).toBeGreaterThan(20);
      expect(users.size).toBe(2);
      const policy = await r.waitReady<AccessPolicy>('accesspolicies', 'alt');
      expect(Date.parse(policy.status!.nextRotationTime!)).toBeGreaterThan(Date.now());
    }, 180_000);

    it('alternating: the previous password works through the grace period, then stops', async () => {
      await r.policy('grace', { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }], rotation: { strategy: 'alternating', gracePeriod: '8s' } });
      await r.waitReady('accesspolicies', 'grace');
      const old = (await r.readSecret('grace-credentials'))!;
      await rotate('grace', 'grace-credentials', 'once');
      const rotatedAtMs = Date.parse((await rotatedAt('grace-credentials'))!);
      expect(await tryQuery(old)).toBeUndefined();
      const fresh = (await r.readSecret('grace-credentials'))!;
      expect(fresh.username).not.toBe(old.username);
      expect(await tryQuery(fresh)).toBeUndefined();
      await eventually('the previous password to stop working', async () => authFailure.test((await tryQuery(old)) ?? ''), 30_000);
      expect(Date.now() - rotatedAtMs).toBeGreaterThanOrEqual(8000);
      expect(await tryQuery(fresh)).toBeUndefined();
    }, 60_000);

    it('in-place: the password changes on the same user; without dual passwords the old one stops at once, and the operator says so', async () => {
      await r.policy('inplace', { connectionRef: { name: 'shop' }, tables: [{ name: 'products' }], rotation: { strategy: 'in-place', gracePeriod: '3s' } });
      const p = await r.waitReady<AccessPolicy>('accesspolicies', 'inplace');
      const old = (await r.readSecret('inplace-credentials'))!;
      expect(old.username).toBe(p.status?.username);
      await rotate('inplace', 'inplace-credentials', 'once');
      const fresh = (await r.readSecret('inplace-credentials'))!;
      expect(fresh.username).toBe(old.username);
      expect(await tryQuery(fresh)).toBeUndefined();
      expect(await tryQuery(old)).toMatch(authFailure);
      const events = await r.core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=inplace' });
      expect(events.items.map((e) => e.reason)).toContain('RotationInterrupts');
    }, 60_000);

    it('rotates on schedule (interval 1m) and restarts the listed consumers', async () => {
      await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
        namespace: ns,
        body: {
          metadata: { name: 'consumer' },
          spec: {
            selector: { matchLabels: { app: 'consumer' } },
            template: { metadata: { labels: { app: 'consumer' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
          },
        },
      });
      await r.policy('scheduled', {
        connectionRef: { name: 'shop' }, tables: [{ name: 'products' }],
        rotation: { interval: '1m', gracePeriod: '5s', restartTargets: [{ kind: 'Deployment', name: 'consumer' }] },
      });
      const first = await r.waitReady<AccessPolicy>('accesspolicies', 'scheduled');
      const created = first.status!.lastRotationTime!;
      const due = Date.parse(first.status!.nextRotationTime!);
      expect(due - Date.parse(created)).toBeGreaterThan(53_000);
      expect(due - Date.parse(created)).toBeLessThanOrEqual(60_000);
      const rotated = await eventually('the scheduled rotation', async () => {
        const p = await r.get<AccessPolicy>('accesspolicies', 'scheduled');
        return p?.status?.lastRotationTime !== created ? p : undefined;
      }, 90_000);
      expect(Date.parse(rotated.status!.lastRotationTime!)).toBeGreaterThanOrEqual(due - 1000);
      await eventually('the consumer to be restarted', async () => {
        const d = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: ns, name: 'consumer' });
        return d.spec?.template.metadata?.annotations?.['dbwarden.io/credentials-rotated-at'] === rotated.status!.lastRotationTime;
      }, 15_000);
    }, 150_000);

    it('refuses a restart target that does not exist, and rotates nothing', async () => {
      await r.policy('bad-target', {
        connectionRef: { name: 'shop' }, tables: [{ name: 'products' }],
        rotation: { restartTargets: [{ kind: 'StatefulSet', name: 'nope' }] },
      });
      const p = await r.waitReady('accesspolicies', 'bad-target', 'False', 'RestartTargetNotFound');
      expect(p.status?.conditions?.find((c) => c.type === 'Ready')?.message).toContain('StatefulSet nope');
      expect(await r.readSecret('bad-target-credentials')).toBeUndefined();
      // Created later (after the failures' backoff has grown past 15 s): noticed within a resync period (5 s here).
      await new Promise((resolve) => setTimeout(resolve, 17_000));
      await kc.makeApiClient(AppsV1Api).createNamespacedStatefulSet({
        namespace: ns,
        body: {
          metadata: { name: 'nope' },
          spec: {
            serviceName: 'nope',
            selector: { matchLabels: { app: 'nope' } },
            template: { metadata: { labels: { app: 'nope' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
          },
        },
      });
      await r.waitReady('accesspolicies', 'bad-target', 'True', undefined, 10_000);
      expect(await r.readSecret('bad-target-credentials')).toBeDefined();
    }, 60_000);
  });
}
