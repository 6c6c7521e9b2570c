import type { KubernetesObject } from '@kubernetes/client-node';

/** The work-queue key of an object: `namespace/name`, or `name` for a cluster-scoped object. */
export function objectKey(obj: KubernetesObject): string {
  const name = obj.metadata?.name;
  if (!name) throw new Error(`object without metadata.name: ${JSON.stringify(obj).slice(0, 200)}`);
  return keyOf(obj.metadata?.namespace, name);
}

export function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** The namespace (undefined for cluster-scoped) and name in a key made by objectKey. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  if (slash < 0) return { namespace: undefined, name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
