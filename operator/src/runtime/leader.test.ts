import { createServer, connect, type Server, type Socket } from 'node:net';
import { CoordinationV1Api, CoreV1Api, KubeConfig, V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeConfig, uniqueName } from '../../../test/support/kube.js';
import { getJson } from './kube-list.js';
import { LeaderElector, type LeaderElectionOptions, type StoppedLeadingReason } from './leader.js';

let kc: KubeConfig;
let core: CoreV1Api;
let leases: CoordinationV1Api;
let namespace: string;
const electors: LeaderElector[] = [];

beforeAll(async () => {
  kc = kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  leases = kc.makeApiClient(CoordinationV1Api);
  namespace = uniqueName('leader');
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

afterAll(async () => {
  await Promise.all(electors.map((e) => e.stop()));
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
});

/** Short timings so a test takes seconds: the lease lasts 2 s, the leader gives up after 1.5 s without renewing. */
const fast = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 250 };

interface Candidate {
  elector: LeaderElector;
  startedAt?: number;
  stopped?: { reason: StoppedLeadingReason; at: number };
  leadership?: AbortSignal;
  done: Promise<void>;
}

function candidate(options: Partial<LeaderElectionOptions> & { name: string; identity: string }, config = kc): Candidate {
  const elector = new LeaderElector(config, { namespace, ...fast, ...options });
  electors.push(elector);
  const c: Candidate = { elector, done: Promise.resolve() };
  c.done = elector.run({
    onStartedLeading: (signal) => {
      c.startedAt = Date.now();
      c.leadership = signal;
    },
    onStoppedLeading: (reason) => {
      c.stopped = { reason, at: Date.now() };
    },
  });
  return c;
}

/** A TCP proxy to the API server that can be cut, to take one elector off the network. */
async function cuttableProxy(target: URL): Promise<{ port: number; cut: () => void }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    cut: () => {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

function throughProxy(port: number): KubeConfig {
  const config = new KubeConfig();
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster || !user) throw new Error('kubeconfig without cluster or user');
  config.loadFromClusterAndUser({ ...cluster, server: `https://127.0.0.1:${port}` }, user);
  return config;
}

async function holderOf(name: string): Promise<string | undefined> {
  return (await leases.readNamespacedLease({ namespace, name })).spec?.holderIdentity;
}

describe.concurrent('LeaderElector', () => {
  it('lets only one of two candidates lead, and hands over quickly when the leader stops', async () => {
    const name = uniqueName('pair');
    const a = candidate({ name, identity: 'a' });
    const b = candidate({ name, identity: 'b' });
    await eventually('a leader', () => a.elector.isLeader() || b.elector.isLeader(), 30_000); // the first acquisition: not what these tests time (a loaded API server can stall for seconds)
    for (let i = 0; i < 40; i++) {
      expect(a.elector.isLeader() && b.elector.isLeader()).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const [leader, follower] = a.elector.isLeader() ? [a, b] : [b, a];
    expect(await holderOf(name)).toBe(leader === a ? 'a' : 'b');
    expect(leader.startedAt).toBeDefined();

    const stoppedAt = Date.now();
    await leader.elector.stop();
    expect(leader.stopped?.reason).toBe('released');
    expect(leader.leadership?.aborted).toBe(true);
    expect(leader.elector.isLeader()).toBe(false);
    await eventually('the follower to take over', () => follower.elector.isLeader(), 5_000);
    expect(Date.now() - stoppedAt).toBeLessThan(fast.leaseDurationMs);
    const lease = await getJson<V1Lease>(kc, `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${name}`, {});
    expect(lease.spec).toMatchObject({ holderIdentity: follower === a ? 'a' : 'b', leaseDurationSeconds: 2, leaseTransitions: 1 });
    expect(String(lease.spec?.renewTime)).toMatch(/T[\d:]+\.\d{6}Z$/);
  });

  it('takes over a lease whose holder vanished without releasing it once the lease duration has passed', async () => {
    const name = uniqueName('crash');
    const a = candidate({ name, identity: 'a', releaseOnStop: false });
    await eventually('a to lead', () => a.elector.isLeader(), 30_000);
    const b = candidate({ name, identity: 'b' });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(b.elector.isLeader()).toBe(false);

    const stoppedAt = Date.now();
    await a.elector.stop();
    expect(await holderOf(name)).toBe('a');
    await eventually('b to take over', () => b.elector.isLeader(), 10_000);
    const waited = Date.now() - stoppedAt;
    expect(waited).toBeGreaterThan(fast.leaseDurationMs - 2 * fast.retryPeriodMs - 200);
    // The upper bound has room for a loaded machine's timer delays (a 2-core CI run with every suite at once).
    expect(waited).toBeLessThan(fast.leaseDurationMs + 4 * fast.retryPeriodMs + 1500);
  });

  it('stops leading when someone else takes the lease', async () => {
    const name = uniqueName('stolen');
    const a = candidate({ name, identity: 'a' });
    await eventually('a to lead', () => a.elector.isLeader(), 30_000);
    // The leader renews every 250 ms: a renewal between the read and the replace is a 409; read again then.
    await eventually('the lease to be stolen', async () => {
      const lease = await leases.readNamespacedLease({ namespace, name });
      const now = new V1MicroTime();
      await leases.replaceNamespacedLease({
        namespace,
        name,
        body: { metadata: lease.metadata, spec: { holderIdentity: 'thief', leaseDurationSeconds: 60, acquireTime: now, renewTime: now } },
      });
      return true;
    }, 10_000);
    const stolenAt = Date.now();
    await a.done;
    expect(a.stopped?.reason).toBe('lost');
    expect(a.leadership?.aborted).toBe(true);
    expect(a.elector.isLeader()).toBe(false);
    expect((a.stopped?.at ?? Infinity) - stolenAt).toBeLessThan(fast.renewDeadlineMs + 2 * fast.retryPeriodMs + 500);
    expect(await holderOf(name)).toBe('thief');
  });

  it('stops leading when it cannot renew, before a successor can take the lease', async () => {
    const name = uniqueName('cut-off');
    const proxy = await cuttableProxy(new URL(kc.getCurrentCluster()?.server ?? ''));
    const a = candidate({ name, identity: 'a' }, throughProxy(proxy.port));
    await eventually('a to lead', () => a.elector.isLeader(), 30_000);
    const b = candidate({ name, identity: 'b' });
    await new Promise((resolve) => setTimeout(resolve, 500));

    proxy.cut();
    const cutAt = Date.now();
    await a.done;
    expect(a.stopped?.reason).toBe('lost');
    // It gave up before its lease could expire, so no moment had two leaders.
    expect((a.stopped?.at ?? Infinity) - cutAt).toBeLessThan(fast.leaseDurationMs);
    await eventually('b to take over', () => b.elector.isLeader(), 10_000);
    expect(b.startedAt).toBeGreaterThan(a.stopped?.at ?? Infinity);
  });

  it('refuses timings where the leader could outlive its lease', () => {
    expect(() => new LeaderElector(kc, { namespace, name: 'x', identity: 'x', leaseDurationMs: 5_000, renewDeadlineMs: 5_000 })).toThrow(
      /leaseDurationMs/,
    );
  });
});
