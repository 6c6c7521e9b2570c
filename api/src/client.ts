import type { AgentOptions } from 'node:https';
import type { Cluster, KubeConfig } from '@kubernetes/client-node';


type DispatcherFactory = (cluster: Cluster | null, options: AgentOptions) => unknown;

/**
 * Shared by the operator and the console (both talk to the API server through @kubernetes/client-node).
 *
 * Makes a KubeConfig's API clients reuse their connections. @kubernetes/client-node 2.0.1 builds a new
 * undici Agent for every request (KubeConfig.createDispatcher), so every call to the API server pays a new
 * TLS handshake (about 8 ms of CPU on each side locally: most of a console query's overhead, and most of the API server's
 * CPU while the operator converges policies). This keeps one dispatcher per
 * server and TLS identity; tokens are still applied per request as headers. Without the (private) method,
 * in another client version, the KubeConfig is left as it is.
 */
export function reuseConnections(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as { createDispatcher?: DispatcherFactory };
  const original = target.createDispatcher;
  if (typeof original !== 'function') return kc;
  // Found by comparing each part (the same strings and buffers every time: usually a pointer comparison),
  // not by hashing the certificates on every request.
  const dispatchers: { identity: unknown[]; dispatcher: unknown }[] = [];
  target.createDispatcher = (cluster, options) => {
    const identity = [cluster?.server, cluster?.proxyUrl, options.ca, options.cert, options.key, options.pfx, options.servername, options.rejectUnauthorized];
    const known = dispatchers.find((d) => d.identity.every((part, i) => same(part, identity[i])));
    if (known) return known.dispatcher;
    const dispatcher = original.call(kc, cluster, options);
    dispatchers.push({ identity, dispatcher });
    return dispatcher;
  };
  return kc;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  return false;
}
