import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { AccessPolicy, AccessPolicySpec, Condition, DatabaseConnection, DatabaseConnectionSpec } from '@dbwarden/api';
import { eventually } from './kube.js';

const group = 'dbwarden.io';
const version = 'v1alpha1';

type Plural = 'databaseconnections' | 'accesspolicies';

/** Creates and inspects dbwarden objects in one namespace, as a user would with kubectl. */
export class Resources {
  readonly core: CoreV1Api;
  readonly objects: CustomObjectsApi;

  constructor(kc: KubeConfig, readonly namespace: string) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.objects = kc.makeApiClient(CustomObjectsApi);
  }

  async secret(name: string, data: Record<string, string>): Promise<void> {
    await this.core.createNamespacedSecret({ namespace: this.namespace, body: { metadata: { name }, stringData: data } });
  }

  async readSecret(name: string): Promise<Record<string, string> | undefined> {
    try {
      const s = await this.core.readNamespacedSecret({ namespace: this.namespace, name });
      return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  async connection(name: string, spec: DatabaseConnectionSpec): Promise<void> {
    await this.objects.createNamespacedCustomObject({
      group, version, namespace: this.namespace, plural: 'databaseconnections',
      body: { apiVersion: `${group}/${version}`, kind: 'DatabaseConnection', metadata: { name }, spec },
    });
  }

  async policy(name: string, spec: AccessPolicySpec, annotations?: Record<string, string>): Promise<void> {
    await this.objects.createNamespacedCustomObject({
      group, version, namespace: this.namespace, plural: 'accesspolicies',
      body: { apiVersion: `${group}/${version}`, kind: 'AccessPolicy', metadata: { name, ...(annotations ? { annotations } : {}) }, spec },
    });
  }

  async patch(plural: Plural, name: string, patch: object): Promise<void> {
    await this.objects.patchNamespacedCustomObject({ group, version, namespace: this.namespace, plural, name, body: patch },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  }

  async delete(plural: Plural, name: string): Promise<void> {
    await this.objects.deleteNamespacedCustomObject({ group, version, namespace: this.namespace, plural, name });
  }

  async get<T extends DatabaseConnection | AccessPolicy>(plural: Plural, name: string): Promise<T | undefined> {
    try {
      return (await this.objects.getNamespacedCustomObject({ group, version, namespace: this.namespace, plural, name })) as T;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  /** Waits for the Ready condition of the current generation to have this status (and reason, if given). */
  async waitReady<T extends DatabaseConnection | AccessPolicy>(plural: Plural, name: string, status: Condition['status'] = 'True', reason?: string, timeoutMs = 60_000): Promise<T> {
    let last: Condition | undefined;
    try {
      return await eventually(`${plural}/${name} Ready=${status}${reason ? ` (${reason})` : ''}`, async () => {
        const obj = await this.get<T>(plural, name);
        const ready = obj?.status?.conditions?.find((c) => c.type === 'Ready');
        last = ready;
        return ready && ready.status === status && ready.observedGeneration === obj?.metadata?.generation && (!reason || ready.reason === reason) ? obj : undefined;
      }, timeoutMs);
    } catch (err) {
      throw new Error(`${(err as Error).message}; last Ready condition: ${JSON.stringify(last)}`);
    }
  }

  async gone(plural: Plural, name: string, timeoutMs = 60_000): Promise<void> {
    await eventually(`${plural}/${name} to be deleted`, async () => (await this.get(plural, name)) === undefined, timeoutMs);
  }
}
