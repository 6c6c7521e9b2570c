import type { KubernetesObject } from '@kubernetes/client-node';
import { keyOf } from './object-key.js';

export interface SnapshotDiff<T> {
  added: T[];
  updated: { old: T; new: T }[];
  /** The last state the cache knew of each object that is gone. */
  deleted: T[];
}

/**
 * What changed between the cached objects and a fresh list: the events a relist must emit so that
 * handlers end up with the same view as the cache. An object whose resourceVersion did not change
 * is not an update.
 */
export function diffSnapshot<T extends KubernetesObject>(cached: ReadonlyMap<string, T>, listed: readonly T[]): SnapshotDiff<T> {
  const diff: SnapshotDiff<T> = { added: [], updated: [], deleted: [] };
  const seen = new Set<string>();
  for (const obj of listed) {
    const key = keyOf(obj);
    seen.add(key);
    const old = cached.get(key);
    if (!old) diff.added.push(obj);
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) diff.updated.push({ old, new: obj });
  }
  for (const [key, old] of cached) {
    if (!seen.has(key)) diff.deleted.push(old);
  }
  return diff;
}
