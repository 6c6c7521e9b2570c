import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  RbacAuthorizationV1Api,
  type KubeConfig,
  type V1NetworkPolicy,
  type V1Role,
  type V1RoleBinding,
  PatchStrategy,
  setHeaderOptions,
  type V1Secret,
} from '@kubernetes/client-node';
import { group, version } from '@dbwarden/api';
import { isNotFound } from './errors.js';
import { networkPolicyContent, OwnWrites, secretContent } from './own-writes.js';

export const fieldManager = 'dbwarden-operator';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The few API calls the controllers make, typed for them. Every write names the operator's field manager. */
export class KubeClient {
  readonly core: CoreV1Api;
  readonly objects: CustomObjectsApi;
  readonly apps: AppsV1Api;
  readonly networking: NetworkingV1Api;
  readonly rbac: RbacAuthorizationV1Api;

  /** What this process last wrote to each Secret (the watch's echo of it starts no reconcile). */
  readonly ownSecretWrites = new OwnWrites<V1Secret>(secretContent);
  /** What this process last wrote to each NetworkPolicy it manages, in the same way. */
  readonly ownNetworkPolicyWrites = new OwnWrites<V1NetworkPolicy>(networkPolicyContent);

  constructor(readonly config: KubeConfig) {
    this.core = config.makeApiClient(CoreV1Api);
    this.apps = config.makeApiClient(AppsV1Api);
    this.networking = config.makeApiClient(NetworkingV1Api);
    this.objects = config.makeApiClient(CustomObjectsApi);
    this.rbac = config.makeApiClient(RbacAuthorizationV1Api);
  }

  async getSecret(namespace: string, name: string): Promise<V1Secret | undefined> {
    try {
      return await this.core.readNamespacedSecret({ namespace, name });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async createSecret(namespace: string, body: V1Secret): Promise<V1Secret> {
    this.ownSecretWrites.record(namespace, body);
    return this.core.createNamespacedSecret({ namespace, body, fieldManager });
  }

  /** Replaces a Secret; body.metadata.resourceVersion makes it fail with 409 if someone changed it meanwhile. */
  async replaceSecret(namespace: string, body: V1Secret): Promise<V1Secret> {
    this.ownSecretWrites.record(namespace, body);
    return this.core.replaceNamespacedSecret({ namespace, name: body.metadata!.name!, body, fieldManager });
  }

  /** The pod-template annotations of a Deployment or StatefulSet, or undefined when it does not exist. */
  async podTemplateAnnotations(kind: 'Deployment' | 'StatefulSet', namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      const workload = kind === 'Deployment'
        ? await this.apps.readNamespacedDeployment({ namespace, name })
        : await this.apps.readNamespacedStatefulSet({ namespace, name });
      return workload.spec?.template.metadata?.annotations ?? {};
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Sets one pod-template annotation, which rolls the workload's pods (like `kubectl rollout restart`). */
  async annotatePodTemplate(kind: 'Deployment' | 'StatefulSet', namespace: string, name: string, key: string, value: string): Promise<void> {
    const body = { spec: { template: { metadata: { annotations: { [key]: value } } } } };
    if (kind === 'Deployment') await this.apps.patchNamespacedDeployment({ namespace, name, body, fieldManager }, mergePatch);
    else await this.apps.patchNamespacedStatefulSet({ namespace, name, body, fieldManager }, mergePatch);
  }

  async getNetworkPolicy(namespace: string, name: string): Promise<V1NetworkPolicy | undefined> {
    try {
      return await this.networking.readNamespacedNetworkPolicy({ namespace, name });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async createNetworkPolicy(namespace: string, body: V1NetworkPolicy): Promise<void> {
    this.ownNetworkPolicyWrites.record(namespace, body);
    await this.networking.createNamespacedNetworkPolicy({ namespace, body, fieldManager });
  }

  async replaceNetworkPolicy(namespace: string, body: V1NetworkPolicy): Promise<void> {
    this.ownNetworkPolicyWrites.record(namespace, body);
    await this.networking.replaceNamespacedNetworkPolicy({ namespace, name: body.metadata!.name!, body, fieldManager });
  }

  async deleteNetworkPolicy(namespace: string, name: string): Promise<void> {
    try {
      await this.networking.deleteNamespacedNetworkPolicy({ namespace, name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async createRole(namespace: string, body: V1Role): Promise<void> {
    await this.rbac.createNamespacedRole({ namespace, body, fieldManager });
  }

  /** Replaces a Role: guarded by body.metadata.resourceVersion when set, unconditional without it. */
  async replaceRole(namespace: string, body: V1Role): Promise<void> {
    await this.rbac.replaceNamespacedRole({ namespace, name: body.metadata!.name!, body, fieldManager });
  }

  async deleteRole(namespace: string, name: string): Promise<void> {
    try {
      await this.rbac.deleteNamespacedRole({ namespace, name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async createRoleBinding(namespace: string, body: V1RoleBinding): Promise<void> {
    await this.rbac.createNamespacedRoleBinding({ namespace, body, fieldManager });
  }

  async replaceRoleBinding(namespace: string, body: V1RoleBinding): Promise<void> {
    await this.rbac.replaceNamespacedRoleBinding({ namespace, name: body.metadata!.name!, body, fieldManager });
  }

  async deleteRoleBinding(namespace: string, name: string): Promise<void> {
    try {
      await this.rbac.deleteNamespacedRoleBinding({ namespace, name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Merge-patches the status subresource of one of our custom objects. */
  async patchStatus(plural: string, namespace: string, name: string, status: object): Promise<void> {
    await this.objects.patchNamespacedCustomObjectStatus(
      { group, version, namespace, plural, name, body: { status }, fieldManager },
      mergePatch,
    );
  }

  /**
   * Sets the finalizers of one of our custom objects. resourceVersion makes it a compare-and-swap, so a
   * concurrent change (409) is retried from fresh state instead of lost.
   */
  async setFinalizers(plural: string, namespace: string, name: string, finalizers: string[], resourceVersion: string): Promise<void> {
    await this.objects.patchNamespacedCustomObject(
      { group, version, namespace, plural, name, body: { metadata: { finalizers, resourceVersion } }, fieldManager },
      mergePatch,
    );
  }
}
