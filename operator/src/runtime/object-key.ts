import type { KubernetesObject } from '@kubernetes/client-node';

/**
 * The work-queue key of an object, or of a namespace and name: `namespace/name`, or `name` for a
 * cluster-scoped object.
 */
export function keyOf(obj: KubernetesObject): string;
export function keyOf(namespace: string | undefined, name: string): string;
export function keyOf(objOrNamespace: KubernetesObject | string | undefined, name?: string): string {
  if (typeof objOrNamespace === 'object') {
    const objName = objOrNamespace.metadata?.name;
    if (!objName) throw new Error(`object without metadata.name: ${JSON.stringify(objOrNamespace).slice(0, 200)}`);
    return keyOf(objOrNamespace.metadata?.namespace, objName);
  }
  return objOrNamespace ? `${objOrNamespace}/${name}` : (name ?? '');
}

/** The namespace (undefined for cluster-scoped) and name in a key made by keyOf. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  if (slash < 0) return { namespace: undefined, name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
