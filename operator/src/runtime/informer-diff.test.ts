import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { diffSnapshot } from './informer-diff.js';

const cm = (name: string, resourceVersion: string, namespace = 'ns'): KubernetesObject => ({
  kind: 'ConfigMap',
  metadata: { namespace, name, resourceVersion },
});

describe('diffSnapshot', () => {
  it('reports objects that appeared, changed and disappeared, and ignores unchanged ones', () => {
    const cached = new Map([
      ['ns/same', cm('same', '1')],
      ['ns/changed', cm('changed', '2')],
      ['ns/gone', cm('gone', '3')],
    ]);
    const diff = diffSnapshot(cached, [cm('same', '1'), cm('changed', '7'), cm('new', '8')]);
    expect(diff.added.map((o) => o.metadata?.name)).toEqual(['new']);
    expect(diff.updated.map((u) => [u.old.metadata?.resourceVersion, u.new.metadata?.resourceVersion])).toEqual([['2', '7']]);
    expect(diff.deleted).toEqual([cm('gone', '3')]);
  });

  it('keys by namespace, so equal names in two namespaces are different objects', () => {
    const diff = diffSnapshot(new Map([['a/x', cm('x', '1', 'a')]]), [cm('x', '1', 'a'), cm('x', '1', 'b')]);
    expect(diff.added.map((o) => o.metadata?.namespace)).toEqual(['b']);
    expect(diff.deleted).toEqual([]);
  });

  it('turns an empty cache into adds and an empty list into deletes', () => {
    expect(diffSnapshot(new Map(), [cm('a', '1')]).added).toHaveLength(1);
    expect(diffSnapshot(new Map([['ns/a', cm('a', '1')]]), []).deleted).toHaveLength(1);
  });
});
