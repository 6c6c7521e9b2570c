import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { workQueueMetrics } from './workqueue-metrics.js';

describe('workQueueMetrics', () => {
  it('registers once per registry, so every queue on it shares the metrics', () => {
    const registry = new Registry();
    const first = workQueueMetrics(registry);
    expect(workQueueMetrics(registry)).toBe(first);
    expect(registry.getSingleMetric('workqueue_depth')).toBe(first.depth);
    expect(workQueueMetrics(new Registry())).not.toBe(first);
  });
});
