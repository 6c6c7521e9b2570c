import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The work-queue metrics, one series per queue (label `name`), named like client-go's. */
export interface WorkQueueMetrics {
  depth: Gauge<'name'>;
  adds: Counter<'name'>;
  retries: Counter<'name'>;
  workDuration: Histogram<'name'>;
}

const byRegistry = new WeakMap<Registry, WorkQueueMetrics>();

/** The work-queue metrics of a registry, registered on first use; every queue on the registry shares them. */
export function workQueueMetrics(registry: Registry): WorkQueueMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: WorkQueueMetrics = {
    depth: new Gauge({ name: 'workqueue_depth', help: 'Keys waiting in the work queue.', labelNames: ['name'], registers }),
    adds: new Counter({ name: 'workqueue_adds_total', help: 'Keys added to the work queue.', labelNames: ['name'], registers }),
    retries: new Counter({
      name: 'workqueue_retries_total',
      help: 'Keys re-added with backoff after a failure.',
      labelNames: ['name'],
      registers,
    }),
    workDuration: new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'Time spent processing one key.',
      labelNames: ['name'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
