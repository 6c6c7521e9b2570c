import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Secret,
} from '@kubernetes/client-node';
import { group, version } from '@dbwarden/crds';
import { isNotFound } from './errors.js';

export const fieldManager = 'dbwarden-operator';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The few API calls the controllers make, typed for them. Every write names the operator's field manager. */
export class KubeClient {
  readonly core: CoreV1Api;
  readonly objects: CustomObjectsApi;

  constructor(readonly config: KubeConfig) {
    this.core = config.makeApiClient(CoreV1Api);
    this.objects = config.makeApiClient(CustomObjectsApi);
  }

  async getSecret(namespace: string, name: string): Promise<V1Secret | undefined> {
    try {
      return await this.core.readNamespacedSecret({ namespace, name });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  createSecret(namespace: string, body: V1Secret): Promise<V1Secret> {
    return this.core.createNamespacedSecret({ namespace, body, fieldManager });
  }

  /** Replaces a Secret; body.metadata.resourceVersion makes it fail with 409 if someone changed it meanwhile. */
  replaceSecret(namespace: string, body: V1Secret): Promise<V1Secret> {
    return this.core.replaceNamespacedSecret({ namespace, name: body.metadata!.name!, body, fieldManager });
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
