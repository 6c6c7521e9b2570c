import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Informer } from './runtime/informer.js';
import type { CacheStatus } from './runtime/server.js';

/**
 * Drops metadata.managedFields, as controller-runtime's default cache transform does: often the largest
 * part of an object, never read by the operator, and kept by the server when a write omits it.
 */
export function withoutManagedFields(obj: KubernetesObject): KubernetesObject {
  if (!obj.metadata?.managedFields) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/**
 * Only what identifies an object and its version: for Secrets cached to notice changes. Their annotations are
 * dropped too, since kubectl's client-side last-applied-configuration annotation holds a copy of the data.
 */
export function identityOnly({ metadata }: KubernetesObject): KubernetesObject {
  return { metadata: { name: metadata?.name, namespace: metadata?.namespace, uid: metadata?.uid, resourceVersion: metadata?.resourceVersion } };
}

/**
 * One resource type cached from every watched namespace: a single cluster-wide informer, or one informer
 * per namespace when the operator is scoped (so it needs RBAC only there). Cached objects never hold
 * managedFields; `transform` may reduce them further.
 */
export class Cache<T extends KubernetesObject> {
  readonly informers: Informer<T>[];

  constructor(kc: KubeConfig, opts: {
    prefix: string;
    plural: string;
    namespaces: string[];
    labelSelector?: string;
    /** Metadata only, as PartialObjectMetadata (see InformerOptions.metadataOnly). */
    metadataOnly?: boolean;
    transform?: (obj: KubernetesObject) => KubernetesObject;
    logger: Logger;
  }) {
    const paths = opts.namespaces.length
      ? opts.namespaces.map((ns) => `${opts.prefix}/namespaces/${ns}/${opts.plural}`)
      : [`${opts.prefix}/${opts.plural}`];
    this.informers = paths.map((path) => new Informer<T>(kc, {
      path,
      name: path,
      logger: opts.logger,
      ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
      ...(opts.metadataOnly ? { metadataOnly: true } : {}),
      transform: opts.transform ?? withoutManagedFields,
    }));
  }

  get(namespace: string, name: string): T | undefined {
    for (const informer of this.informers) {
      const found = informer.get(namespace, name);
      if (found) return found;
    }
    return undefined;
  }

  list(): T[] {
    return this.informers.flatMap((i) => i.list());
  }

  onAdd(handler: (obj: T) => void): void {
    for (const i of this.informers) i.onAdd(handler);
  }

  onUpdate(handler: (oldObj: T, newObj: T) => void): void {
    for (const i of this.informers) i.onUpdate(handler);
  }

  onDelete(handler: (obj: T) => void): void {
    for (const i of this.informers) i.onDelete(handler);
  }

  start(): void {
    for (const i of this.informers) i.start();
  }

  stop(): void {
    for (const i of this.informers) i.stop();
  }

  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all(this.informers.map((i) => i.waitForSync(signal)));
  }

  get statuses(): CacheStatus[] {
    return this.informers;
  }
}
