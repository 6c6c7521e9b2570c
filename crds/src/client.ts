import { createHash } from 'node:crypto';
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
  const dispatchers = new Map<string, unknown>();
  target.createDispatcher = (cluster, options) => {
    const key = createHash('sha256')
      .update(JSON.stringify([cluster?.server, cluster?.proxyUrl, options.ca, options.cert, options.key, options.pfx, options.servername, options.rejectUnauthorized]))
      .digest('hex');
    let dispatcher = dispatchers.get(key);
    if (dispatcher === undefined) {
      dispatcher = original.call(kc, cluster, options);
      dispatchers.set(key, dispatcher);
    }
    return dispatcher;
  };
  return kc;
}
