import type { KubernetesObject } from '@kubernetes/client-node';
import type { Cache } from '../cache.js';
import type { WorkQueue } from '../runtime/workqueue.js';

/** The events of a cache, which a controller's watches.ts turns into work-queue keys. */
export type Watched<T extends KubernetesObject> = Pick<Cache<T>, 'onAdd' | 'onUpdate' | 'onDelete'>;

/** Where a controller's watches put keys. */
export type Queue = Pick<WorkQueue, 'add' | 'addAfter'>;

interface SpecMetadata {
  metadata?: { generation?: number; deletionTimestamp?: unknown; annotations?: object };
}

/**
 * Whether an update asks for a pass: the spec (generation), deletion or annotations changed. Finalizers are left
 * out: the operator adds its own in the pass that provisions, so that change needs no second pass; one removed
 * by someone else is put back by the next resync, deletion by deletionTimestamp.
 */
export function specChanged(a: SpecMetadata, b: SpecMetadata): boolean {
  return a.metadata?.generation !== b.metadata?.generation || a.metadata?.deletionTimestamp !== b.metadata?.deletionTimestamp ||
    JSON.stringify(a.metadata?.annotations) !== JSON.stringify(b.metadata?.annotations);
}
