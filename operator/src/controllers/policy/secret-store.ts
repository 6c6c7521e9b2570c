import type { V1Secret } from '@kubernetes/client-node';
import { managedByLabel, type AccessPolicy } from '@dbwarden/api';
import type { KubeClient } from '../../kube/client.js';
import { sameJson } from '../../util/deep-equal.js';
import { ReconcileError } from '../../errors.js';
import { ownedBy, policyLabel, secretManifest, type SecretContent } from './credentials.js';

/**
 * A Secret a policy of the same name left behind with deletionPolicy Retain (managed by dbwarden, labelled
 * for this policy, without a controller): a re-created policy takes it back, with the user it describes.
 */
function adoptable(secret: V1Secret, policy: AccessPolicy): boolean {
  const labels = secret.metadata?.labels ?? {};
  return labels[Object.keys(managedByLabel)[0]!] === Object.values(managedByLabel)[0] &&
    labels[policyLabel] === policy.metadata?.name &&
    !(secret.metadata?.ownerReferences ?? []).some((r) => r.controller);
}

/** Reads and writes one policy's credentials Secret; refuses to touch a Secret the policy does not own. */
export class SecretStore {
  constructor(
    private readonly kube: KubeClient,
    private readonly policy: AccessPolicy,
    readonly name: string,
    private current: V1Secret | undefined,
  ) {}

  /**
   * `cached` looks the Secrets dbwarden manages up in a cache (without it the Secret is read from the API);
   * `unmanagedExists` says whether another Secret of that name exists (the cache of their metadata), which is
   * never the policy's to write.
   */
  static async open(kube: KubeClient, policy: AccessPolicy, name: string, cached?: (ns: string, name: string) => V1Secret | undefined,
    unmanagedExists?: (ns: string, name: string) => boolean): Promise<SecretStore> {
    const namespace = policy.metadata!.namespace!;
    const secret = cached ? cached(namespace, name) : await kube.getSecret(namespace, name);
    if ((secret && !ownedBy(secret, policy) && !adoptable(secret, policy)) || (!secret && unmanagedExists?.(namespace, name))) {
      throw new ReconcileError(
        'SecretConflict',
        `Secret ${namespace}/${name} already exists and is not owned by this AccessPolicy; set spec.secretName to another name or delete that Secret`,
        false,
      );
    }
    return new SecretStore(kube, policy, name, secret);
  }

  get secret(): V1Secret | undefined {
    return this.current;
  }

  /** Writes the Secret when its content differs (create, or replace guarded by resourceVersion). */
  async write(content: SecretContent): Promise<boolean> {
    const desired = secretManifest(this.policy, this.name, content, this.current);
    if (this.current && sameJson(desired.data, this.current.data) && sameJson(desired.metadata?.annotations, this.current.metadata?.annotations) &&
      sameJson(desired.metadata?.labels, this.current.metadata?.labels) && sameJson(desired.metadata?.ownerReferences, this.current.metadata?.ownerReferences)) {
      return false;
    }
    const namespace = this.policy.metadata!.namespace!;
    this.current = this.current ? await this.kube.replaceSecret(namespace, desired) : await this.kube.createSecret(namespace, desired);
    return true;
  }
}
