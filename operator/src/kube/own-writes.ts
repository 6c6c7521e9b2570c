import { createHash } from 'node:crypto';

interface Written {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
}

/** Sorted keys, so the same content always gives the same text whatever order the server returns it in. */
function canonical(value: Record<string, string> | undefined): [string, string][] {
  return Object.entries(value ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A digest of what the operator controls in a Secret: its data, labels and annotations (never kept in clear). */
function fingerprint(obj: Written): string {
  return createHash('sha256')
    .update(JSON.stringify([canonical(obj.data), canonical(obj.metadata?.labels), canonical(obj.metadata?.annotations)]))
    .digest('hex');
}

/**
 * What this process last wrote to each Secret, so a watch event that only echoes the operator's own write does
 * not start another reconcile of the owner. The content is recorded before the write is sent, so the echo is
 * recognised even when the watch delivers it before the write's response arrives. A change by anyone else
 * shows different content and is reconciled as before; one that happens to restore exactly what the operator
 * wrote needs no pass.
 */
export class OwnWrites {
  private readonly written = new Map<string, string>();

  record(namespace: string, obj: Written): void {
    if (obj.metadata?.name) this.written.set(`${namespace}/${obj.metadata.name}`, fingerprint(obj));
  }

  /** Whether this object holds exactly what this process last wrote to it. */
  isOwn(obj: Written & { metadata?: { namespace?: string } }): boolean {
    const recorded = this.written.get(`${obj.metadata?.namespace}/${obj.metadata?.name}`);
    return recorded !== undefined && recorded === fingerprint(obj);
  }

  forget(obj: { metadata?: { namespace?: string; name?: string } }): void {
    this.written.delete(`${obj.metadata?.namespace}/${obj.metadata?.name}`);
  }

  get size(): number {
    return this.written.size;
  }
}
