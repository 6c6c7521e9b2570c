import { CoreV1Api, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeConfig, uniqueName } from '../../../test/support/kube.js';
import { Informer } from './informer.js';
import { createOperatorMetrics } from './metrics.js';
import { OperatorServer } from './server.js';
import { WorkQueue } from './workqueue.js';

let kc: KubeConfig;
let core: CoreV1Api;
let namespace: string;

beforeAll(async () => {
  kc = kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  namespace = uniqueName('server');
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

afterAll(async () => {
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
});

async function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

describe.concurrent('OperatorServer', () => {
  it('is ready only once the caches have synced, and serves the metrics', async () => {
    const metrics = createOperatorMetrics();
    const queue = new WorkQueue({ name: 'accesspolicy', registry: metrics.registry });
    const informer = new Informer<V1ConfigMap>(kc, { path: `/api/v1/namespaces/${namespace}/configmaps`, name: 'configmaps' });
    const server = new OperatorServer({ port: 0, host: '127.0.0.1', registry: metrics.registry });
    server.track(informer);
    const port = await server.listen();
    try {
      const before = await get(port, '/readyz');
      expect(before.status).toBe(503);
      expect(JSON.parse(before.body)).toEqual({ status: 'failed', checks: [{ name: 'cache configmaps', ok: false }] });
      expect((await get(port, '/healthz')).status).toBe(200);

      informer.start();
      await informer.waitForSync(AbortSignal.timeout(20_000));
      const after = await get(port, '/readyz');
      expect(after.status).toBe(200);
      expect(JSON.parse(after.body)).toEqual({ status: 'ok', checks: [{ name: 'cache configmaps', ok: true }] });
      expect((await get(port, '/healthz')).status).toBe(200);

      queue.add('shop/ai');
      const scrape = await get(port, '/metrics');
      expect(scrape.status).toBe(200);
      expect(scrape.type).toContain('text/plain');
      expect(scrape.body).toContain('workqueue_depth{name="accesspolicy"} 1');
      expect(scrape.body).toContain('workqueue_adds_total{name="accesspolicy"} 1');
      expect(scrape.body).toContain('# TYPE workqueue_work_duration_seconds histogram');
      expect(scrape.body).toContain('# TYPE dbwarden_reconcile_total counter');
      expect(scrape.body).toContain('process_resident_memory_bytes');

      expect((await get(port, '/metrics', 'HEAD')).status).toBe(200);
      expect((await get(port, '/metrics', 'POST')).status).toBe(405);
      expect((await get(port, '/nothing')).status).toBe(404);
    } finally {
      informer.stop();
      await queue.shutdown();
      await server.close();
    }
    await expect(get(port, '/healthz')).rejects.toThrow();
  });

  it('fails the liveness probe when an informer is stuck', async () => {
    const metrics = createOperatorMetrics({ processMetrics: false });
    // Lists of a resource that does not exist fail; a long backoff and a watchdog that never looks keep it stuck.
    const stuck = new Informer(kc, {
      path: '/apis/nothing.dbwarden.io/v1/things',
      name: 'things',
      retryBaseMs: 60_000,
      stuckAfterMs: 300,
      watchdogIntervalMs: 600_000,
    });
    const server = new OperatorServer({ port: 0, host: '127.0.0.1', registry: metrics.registry });
    server.track(stuck);
    const port = await server.listen();
    try {
      stuck.start();
      const report = await eventually('a failing liveness probe', async () => {
        const res = await get(port, '/healthz');
        return res.status === 503 && res;
      }, 5_000);
      expect(JSON.parse(report.body)).toEqual({ status: 'failed', checks: [{ name: 'informer things', ok: false }] });
    } finally {
      stuck.stop();
      await server.close();
    }
  });
});
