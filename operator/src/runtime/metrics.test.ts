import { describe, expect, it } from 'vitest';
import { createOperatorMetrics, reconcileObserver } from './metrics.js';
import { WorkQueue } from './workqueue.js';

describe('createOperatorMetrics', () => {
  it('gives every caller its own registry', () => {
    const a = createOperatorMetrics({ processMetrics: false });
    const b = createOperatorMetrics({ processMetrics: false });
    a.driftCorrections.inc({ engine: 'postgres', direction: 'revoked' });
    expect(a.registry).not.toBe(b.registry);
    expect(b.registry.getSingleMetric('dbwarden_drift_corrections_total')).toBe(b.driftCorrections);
  });

  it('exports the operator metrics, the work-queue metrics and the process metrics', async () => {
    const metrics = createOperatorMetrics();
    metrics.driftCorrections.inc({ engine: 'mysql', direction: 'granted' }, 3);
    metrics.credentialAge.set({ namespace: 'shop', policy: 'ai' }, 3600);
    const queue = new WorkQueue({ name: 'accesspolicy', registry: metrics.registry });
    const text = await metrics.registry.metrics();
    expect(text).toContain('dbwarden_drift_corrections_total{engine="mysql",direction="granted"} 3');
    expect(text).toContain('dbwarden_credential_age_seconds{namespace="shop",policy="ai"} 3600');
    expect(text).toContain('# TYPE dbwarden_reconcile_total counter');
    expect(text).toContain('# TYPE dbwarden_reconcile_duration_seconds histogram');
    expect(text).toContain('workqueue_depth{name="accesspolicy"} 0');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_heap_size_used_bytes');
    await queue.shutdown();
  });
});

describe('reconcileObserver', () => {
  it('counts reconciles by controller and result, terminal failures as errors, and times them', async () => {
    const metrics = createOperatorMetrics({ processMetrics: false });
    const observe = reconcileObserver(metrics, 'databaseconnection');
    observe({ key: 'a/b', result: 'success', durationSeconds: 0.2 });
    observe({ key: 'a/b', result: 'requeue', durationSeconds: 0.2 });
    observe({ key: 'a/b', result: 'error', durationSeconds: 0.2 });
    observe({ key: 'a/b', result: 'terminal', durationSeconds: 0.2 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('dbwarden_reconcile_total{controller="databaseconnection",result="success"} 1');
    expect(text).toContain('dbwarden_reconcile_total{controller="databaseconnection",result="requeue"} 1');
    expect(text).toContain('dbwarden_reconcile_total{controller="databaseconnection",result="error"} 2');
    expect(text).toContain('dbwarden_reconcile_duration_seconds_count{controller="databaseconnection"} 4');
  });
});
