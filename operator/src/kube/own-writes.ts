/**
 * The resourceVersions of objects this process wrote last, so a watch event that only echoes the operator's
 * own write does not start another reconcile of the owner. A change by anyone else has another
 * resourceVersion and is reconciled as before; an echo that arrives before the write's response counts as
 * someone else's (one reconcile too many, never one too few).
 */
export class OwnWrites {
  private readonly written = new Map<string, string>();

  record(obj: { metadata?: { namespace?: string; name?: string; resourceVersion?: string } }): void {
    const { namespace, name, resourceVersion } = obj.metadata ?? {};
    if (name && resourceVersion) this.written.set(`${namespace}/${name}`, resourceVersion);
  }

  /** Whether this version of the object is the one this process wrote. */
  isOwn(obj: { metadata?: { namespace?: string; name?: string; resourceVersion?: string } }): boolean {
    const { namespace, name, resourceVersion } = obj.metadata ?? {};
    return resourceVersion !== undefined && this.written.get(`${namespace}/${name}`) === resourceVersion;
  }

  forget(obj: { metadata?: { namespace?: string; name?: string } }): void {
    this.written.delete(`${obj.metadata?.namespace}/${obj.metadata?.name}`);
  }

  get size(): number {
    return this.written.size;
  }
}
