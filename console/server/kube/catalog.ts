import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { accessPolicies, databaseConnections, group, version, type AccessPolicy, type DatabaseConnection } from '@dbwarden/api';
import { kubeFailure } from '../auth/failure.js';
import { TtlCache } from '../auth/ttl-cache.js';
import { KubernetesUnavailable, PolicyNotReady } from '../errors.js';

const statusOf = (err: unknown): number | undefined => (err as { code?: number }).code;

function unavailable(what: string, err: unknown): KubernetesUnavailable {
  return new KubernetesUnavailable(`Could not read ${what} from the Kubernetes API (${kubeFailure(err)}).`);
}

/** A Secret as the console reads it: the decoded data and the version it was read at. */
export interface SecretData {
  resourceVersion: string;
  data: Record<string, string>;
}

/**
 * What the console reads from the API server, with its own least-privilege identity: AccessPolicies and
 * DatabaseConnections (get, list) and the Secrets they name (get only, by name, when a query needs them, as
 * the operator's Role in each namespace allows; kube/credentials.ts keeps the few fields a query needs for a
 * few seconds).
 * A policy or connection read for a query is reused for `cacheTtlMs`, like the authorization answers.
 */
export class KubeCatalog {
  private readonly objects: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly cache: TtlCache<object>;

  constructor(kc: KubeConfig, cacheTtlMs = 0) {
    this.objects = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
    this.cache = new TtlCache(cacheTtlMs, 5_000);
  }

  async listPolicies(): Promise<AccessPolicy[]> {
    try {
      const list = (await this.objects.listClusterCustomObject({ group, version, plural: accessPolicies.plural })) as { items?: AccessPolicy[] };
      return list.items ?? [];
    } catch (err) {
      throw unavailable('AccessPolicies', err);
    }
  }

  async listConnections(): Promise<DatabaseConnection[]> {
    try {
      const list = (await this.objects.listClusterCustomObject({ group, version, plural: databaseConnections.plural })) as { items?: DatabaseConnection[] };
      return list.items ?? [];
    } catch (err) {
      throw unavailable('DatabaseConnections', err);
    }
  }

  getPolicy(namespace: string, name: string): Promise<AccessPolicy | undefined> {
    return this.get<AccessPolicy>(accessPolicies.plural, namespace, name);
  }

  getConnection(namespace: string, name: string): Promise<DatabaseConnection | undefined> {
    return this.get<DatabaseConnection>(databaseConnections.plural, namespace, name);
  }

  /** A Secret's decoded data and resourceVersion, or undefined when it does not exist. Never cached here. */
  async readSecret(namespace: string, name: string): Promise<SecretData | undefined> {
    try {
      const secret = await this.core.readNamespacedSecret({ namespace, name });
      return {
        resourceVersion: secret.metadata?.resourceVersion ?? '',
        data: Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])),
      };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      // The operator grants the console a console-enabled policy's Secret just after writing it (docs/rbac.md).
      if (statusOf(err) === 403) {
        throw new PolicyNotReady(`The console may not read Secret ${namespace}/${name} (yet): the operator grants it to the console's ServiceAccount, by name, once the policy's Secret is written (Role dbwarden-console-credentials); retry in a moment.`);
      }
      throw unavailable(`Secret ${namespace}/${name}`, err);
    }
  }

  private async get<T extends object>(plural: string, namespace: string, name: string): Promise<T | undefined> {
    const key = `${plural}/${namespace}/${name}`;
    const cached = this.cache.get(key);
    if (cached) return cached as T;
    try {
      const object = (await this.objects.getNamespacedCustomObject({ group, version, plural, namespace, name })) as T;
      this.cache.set(key, object);
      return object;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw unavailable(`${plural} ${namespace}/${name}`, err);
    }
  }
}
