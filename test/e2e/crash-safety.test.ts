/**
 * Crash safety of the password protocol: the operator is killed with SIGKILL at each step (test hook
 * DBWARDEN_CRASH_AT), and at random moments during a rotation storm; the Secret must always hold a password
 * that logs in (the active one, or the pending one the next pass promotes), and nothing is ever lost.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { AccessPolicySpec } from '@dbwarden/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCrds } from '../support/crds.js';
import { eventually, kubeConfig, uniqueName } from '../support/kube.js';
import { startOperator, type RunningOperator } from '../support/operator.js';
import { Resources } from '../support/resources.js';
import { connectWith, createMysqlShop, createPostgresShop, type EngineName, type ShopDatabase } from '../support/shop-db.js';

let kc: KubeConfig;
let ns: string;
let r: Resources;
const dbs: Partial<Record<EngineName, ShopDatabase>> = {};
const running = new Set<RunningOperator>();

const kills = Number(process.env.DBWARDEN_CRASH_KILLS ?? 200);

async function operator(env: NodeJS.ProcessEnv = {}): Promise<RunningOperator> {
  const o = await startOperator([ns], ['--workers=8'], env);
  running.add(o);
  return o;
}

async function logsIn(engine: EngineName, secret: Record<string, string>, username?: string, password?: string): Promise<boolean> {
  if (!username || !password) return false;
  try {
    const conn = await connectWith(engine, { ...secret, username, password, uri: secret.uri!.replace(/\/\/[^@]*@/, `//${encodeURIComponent(username)}:${encodeURIComponent(password)}@`) });
    await conn.close();
    return true;
  } catch {
    return false;
  }
}

/** Which of the Secret's passwords log in: the active one, the pending one, or none (a lost credential). */
async function usable(engine: EngineName, secretName: string): Promise<'active' | 'pending' | 'none' | 'no-secret'> {
  const s = await r.readSecret(secretName);
  if (!s) return 'no-secret';
  if (await logsIn(engine, s, s.username, s.password)) return 'active';
  if (await logsIn(engine, s, s['pending-username'], s['pending-password'])) return 'pending';
  return 'none';
}

const exited = (o: RunningOperator): Promise<void> => new Promise((resolve) => {
  if (o.process.exitCode !== null || o.process.signalCode !== null) resolve();
  else o.process.once('exit', () => resolve());
});

beforeAll(async () => {
  kc = kubeConfig();
  ns = uniqueName('crash');
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  await applyCrds(kc);
  r = new Resources(kc, ns);
  dbs.postgres = await createPostgresShop();
  dbs.mysql = await createMysqlShop();
  for (const [engine, db] of Object.entries(dbs) as [EngineName, ShopDatabase][]) {
    await r.secret(`${engine}-admin`, { username: db.admin.username, password: db.admin.password });
    await r.secret(`${engine}-ca`, { 'ca.crt': db.ca });
    await r.connection(engine, {
      engine, host: db.host, port: db.port, database: db.database,
      adminSecretRef: { name: `${engine}-admin` }, tls: { mode: 'verify-full', caSecretRef: { name: `${engine}-ca` } },
    });
  }
}, 120_000);

afterAll(async () => {
  for (const o of running) await o.stop('SIGKILL');
  for (const db of Object.values(dbs)) await db?.close();
  await kc?.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
});

const spec = (engine: EngineName, strategy: 'alternating' | 'in-place'): AccessPolicySpec => ({
  connectionRef: { name: engine }, tables: [{ name: 'products' }], rotation: { strategy, gracePeriod: '1s' },
});

describe('crash safety', () => {
  it.each([
    ['after-pending', 'postgres', 'alternating'],
    ['after-database', 'postgres', 'alternating'],
    ['after-promote', 'postgres', 'in-place'],
    ['after-pending', 'mysql', 'in-place'],
    ['after-database', 'mysql', 'in-place'],
    ['after-promote', 'mysql', 'alternating'],
  ] as const)('a kill %s during a rotation (%s, %s) loses nothing', async (step, engine, strategy) => {
    const name = `step-${step}-${engine}-${strategy}`.replace(/_/g, '-');
    const normal = await operator();
    await r.policy(name, spec(engine, strategy));
    await r.waitReady('accesspolicies', name);
    await normal.stop();
    running.delete(normal);

    const crashing = await operator({ DBWARDEN_CRASH_AT: step });
    await r.patch('accesspolicies', name, { metadata: { annotations: { 'dbwarden.io/rotate': 'crash' } } });
    await exited(crashing);
    running.delete(crashing);
    expect(crashing.process.signalCode).toBe('SIGKILL');
    const after = await usable(engine, `${name}-credentials`);
    expect(['active', 'pending']).toContain(after);

    const recovered = await operator();
    await eventually('the rotation to complete after the restart', async () => {
      const s = await r.core.readNamespacedSecret({ namespace: ns, name: `${name}-credentials` });
      return s.metadata?.annotations?.['dbwarden.io/rotate-handled'] === 'crash' && !s.data?.['pending-password'];
    }, 30_000);
    expect(await usable(engine, `${name}-credentials`)).toBe('active');
    await recovered.stop();
    running.delete(recovered);
  }, 90_000);

  it('a kill after the pending password is written, while creating a user, loses nothing', async () => {
    const crashing = await operator({ DBWARDEN_CRASH_AT: 'after-pending' });
    await r.policy('create-crash', spec('postgres', 'alternating'));
    await exited(crashing);
    running.delete(crashing);
    const s = await r.readSecret('create-crash-credentials');
    expect(s?.['pending-password']).toBeDefined();
    expect(s?.password).toBeUndefined();
    const recovered = await operator();
    await r.waitReady('accesspolicies', 'create-crash');
    const final = (await r.readSecret('create-crash-credentials'))!;
    expect(final.password).toBe(s?.['pending-password']);
    expect(await usable('postgres', 'create-crash-credentials')).toBe('active');
    await recovered.stop();
    running.delete(recovered);
  }, 60_000);

  it(`${kills} random kills during a rotation storm with 50 policies lose no credential`, async () => {
    const names: [string, EngineName][] = [];
    for (let i = 0; i < 50; i++) {
      const engine: EngineName = i % 2 ? 'mysql' : 'postgres';
      const name = `storm-${i}`;
      names.push([name, engine]);
      await r.policy(name, spec(engine, i % 4 < 2 ? 'alternating' : 'in-place'));
    }
    const warm = await operator();
    for (const [name] of names) await r.waitReady('accesspolicies', name, 'True', undefined, 120_000);
    await warm.stop();
    running.delete(warm);

    let stop = false;
    let requests = 0;
    const storm = (async () => {
      while (!stop) {
        const [name] = names[Math.floor(Math.random() * names.length)]!;
        await r.patch('accesspolicies', name, { metadata: { annotations: { 'dbwarden.io/rotate': `s${requests++}` } } }).catch(() => undefined);
        await new Promise((res) => setTimeout(res, 50));
      }
    })();
    const counts = { kills: 0, checks: 0, active: 0, pending: 0, lost: 0 };
    const rotatedBefore = new Map<string, string | undefined>();
    for (const [name] of names) rotatedBefore.set(name, (await r.readSecret(`${name}-credentials`))?.password);
    try {
      for (let k = 0; k < kills; k++) {
        const o = await operator();
        await new Promise((res) => setTimeout(res, 200 + Math.random() * 1800));
        await o.stop('SIGKILL');
        running.delete(o);
        counts.kills++;
        // Check a sample after every kill, and every policy every 20 kills.
        const sample = k % 20 === 19 ? names : [...names].sort(() => Math.random() - 0.5).slice(0, 5);
        for (const [name, engine] of sample) {
          const state = await usable(engine, `${name}-credentials`);
          counts.checks++;
          if (state === 'active') counts.active++;
          else if (state === 'pending') counts.pending++;
          else counts.lost++;
        }
      }
    } finally {
      stop = true;
      await storm;
    }
    const final = await operator();
    for (const [name, engine] of names) {
      await eventually(`${name} to settle`, async () => {
        const s = await r.readSecret(`${name}-credentials`);
        return s && !s['pending-password'] && (await usable(engine, `${name}-credentials`)) === 'active';
      }, 60_000);
    }
    let rotatedPolicies = 0;
    for (const [name] of names) if ((await r.readSecret(`${name}-credentials`))?.password !== rotatedBefore.get(name)) rotatedPolicies++;
    console.log(`crash storm: ${counts.kills} SIGKILLs, ${requests} rotation requests, ${rotatedPolicies}/50 policies rotated, ` +
      `${counts.checks} checks: ${counts.active} active password works, ${counts.pending} only the pending one (recoverable), ${counts.lost} lost`);
    expect(counts.lost).toBe(0);
    expect(rotatedPolicies).toBeGreaterThan(25);
    await final.stop();
    running.delete(final);
  }, 3_600_000);
});
