import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WorkOutcome } from './workqueue.js';
import { workQueueMetrics, type WorkQueueMetrics } from './workqueue-metrics.js';

/** Every metric the operator exports, on one registry. */
export interface OperatorMetrics {
  registry: Registry;
  /** Reconcile passes by controller and result: success, error or requeue. */
  reconcileTotal: Counter<'controller' | 'result'>;
  reconcileDuration: Histogram<'controller'>;
  /** Privileges the operator had to grant or revoke because the database drifted from the policy. */
  driftCorrections: Counter<'engine' | 'direction'>;
  /** Age of the credentials an AccessPolicy currently hands out. */
  credentialAge: Gauge<'namespace' | 'policy'>;
  /** Shared by every WorkQueue created with this registry. */
  workqueue: WorkQueueMetrics;
}

export interface OperatorMetricsOptions {
  /** Node.js process metrics (CPU, memory, event loop, GC); default true. */
  processMetrics?: boolean;
}

/** A fresh registry with the operator's metrics; tests call it once per test for isolation. */
export function createOperatorMetrics(options: OperatorMetricsOptions = {}): OperatorMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    reconcileTotal: new Counter({
      name: 'dbwarden_reconcile_total',
      help: 'Reconcile passes by controller and result (success, error, requeue).',
      labelNames: ['controller', 'result'],
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'dbwarden_reconcile_duration_seconds',
      help: 'Duration of one reconcile pass.',
      labelNames: ['controller'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    driftCorrections: new Counter({
      name: 'dbwarden_drift_corrections_total',
      help: 'Privileges granted or revoked to bring a database back to its policies.',
      labelNames: ['engine', 'direction'],
      registers,
    }),
    credentialAge: new Gauge({
      name: 'dbwarden_credential_age_seconds',
      help: 'Seconds since the credentials of an AccessPolicy were last rotated.',
      labelNames: ['namespace', 'policy'],
      registers,
    }),
    workqueue: workQueueMetrics(registry),
  };
}

/** A WorkQueue onOutcome that counts and times a controller's reconciles; a terminal failure counts as error. */
export function reconcileObserver(metrics: OperatorMetrics, controller: string): (outcome: WorkOutcome) => void {
  return (outcome) => {
    const result = outcome.result === 'terminal' ? 'error' : outcome.result;
    metrics.reconcileTotal.inc({ controller, result });
    metrics.reconcileDuration.observe({ controller }, outcome.durationSeconds);
  };
}
