import { createHash } from 'node:crypto';
import type { V1NetworkPolicy } from '@kubernetes/client-node';
import stringify from 'safe-stable-stringify';

interface Named {
  metadata?: { namespace?: string; name?: string };
}

interface WrittenSecret extends Named {
  metadata?: { namespace?: string; name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
}

/** What the operator controls in a Secret: its data, labels and annotations. */
export const secretContent = (s: WrittenSecret): unknown => [s.data ?? {}, s.metadata?.labels ?? {}, s.metadata?.annotations ?? {}];

/**
 * What the operator controls in a NetworkPolicy: spec, labels and owner. The object must be in client-node's
 * typed shape (`_from`), as the operator writes it; a watched one goes through `typed` first.
 */
export const networkPolicyContent = (np: V1NetworkPolicy): unknown => [np.spec ?? {}, np.metadata?.labels ?? {}, np.metadata?.ownerReferences ?? []];

/**
 * What this process last wrote to each object of one kind, so a watch event that only echoes the operator's
 * own write does not start another reconcile of the owner. Only a digest of the content is kept (a Secret's
 * data is never kept in clear), with object keys sorted so that the server's order does not matter. The
 * content is recorded before the write is sent, so the echo is recognised even when the watch delivers it
 * before the write's response arrives. A change by anyone else shows different content and is reconciled as
 * before; one that happens to restore exactly what the operator wrote needs no pass.
 */
export class OwnWrites<T extends Named> {
  private readonly written = new Map<string, string>();

  constructor(private readonly content: (obj: T) => unknown) {}

  record(namespace: string, obj: T): void {
    if (obj.metadata?.name) this.written.set(`${namespace}/${obj.metadata.name}`, this.fingerprint(obj));
  }

  /** Whether this object holds exactly what this process last wrote to it. */
  isOwn(obj: T): boolean {
    const recorded = this.written.get(`${obj.metadata?.namespace}/${obj.metadata?.name}`);
    return recorded !== undefined && recorded === this.fingerprint(obj);
  }

  forget(obj: Named): void {
    this.written.delete(`${obj.metadata?.namespace}/${obj.metadata?.name}`);
  }

  get size(): number {
    return this.written.size;
  }

  private fingerprint(obj: T): string {
    return createHash('sha256').update(stringify(this.content(obj)) ?? '').digest('hex');
  }
}
