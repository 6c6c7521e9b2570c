import type { V1Secret } from '@kubernetes/client-node';
import { managedByLabel, type AccessPolicy } from '@dbwarden/api';
import type { KubeClient } from '../../kube/client.js';
import { decodeSecretData } from '../../kube/secret-data.js';
import { sameJson } from '../../util/deep-equal.js';
import { ReconcileError } from '../../errors.js';
import { ownedBy, policyLabel, readCredentials, secretManifest, type SecretContent, type StoredCredentials } from './credentials.js';

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

/** Changes to a Secret's data and annotations: a value sets a key, undefined removes it, others are kept. */
export interface SecretPatch {
  data?: Record<string, string | undefined>;
  annotations?: Record<string, string | undefined>;
}

/**
 * Reads and writes one policy's credentials Secret; refuses to touch a Secret the policy does not own. The
 * Secret is decoded once per read or write: `data` and `credentials` are what it holds now.
 */
export class SecretStore {
  private decoded!: { data: Record<string, string>; credentials: StoredCredentials };

  constructor(
    private readonly kube: KubeClient,
    private readonly policy: AccessPolicy,
    readonly name: string,
    private current: V1Secret | undefined,
  ) {
    this.decode();
  }

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

  /** The Secret's data, decoded. */
  get data(): Readonly<Record<string, string>> {
    return this.decoded.data;
  }

  /** The credentials and rotation state the Secret holds. */
  get credentials(): StoredCredentials {
    return this.decoded.credentials;
  }

  /** Changes some keys and annotations, keeping the rest; writes only when that changes the Secret. */
  patch(changes: SecretPatch): Promise<boolean> {
    const data = { ...this.decoded.data };
    for (const [k, v] of Object.entries(changes.data ?? {})) {
      if (v === undefined) delete data[k];
      else data[k] = v;
    }
    return this.write({ data, ...(changes.annotations ? { annotations: changes.annotations } : {}) });
  }

  /** Writes the Secret with exactly `content.data` when its content differs (create, or replace guarded by resourceVersion). */
  async write(content: SecretContent): Promise<boolean> {
    const desired = secretManifest(this.policy, this.name, content, this.current);
    if (this.current && sameJson(desired.data, this.current.data) && sameJson(desired.metadata?.annotations, this.current.metadata?.annotations) &&
      sameJson(desired.metadata?.labels, this.current.metadata?.labels) && sameJson(desired.metadata?.ownerReferences, this.current.metadata?.ownerReferences)) {
      return false;
    }
    const namespace = this.policy.metadata!.namespace!;
    this.current = this.current ? await this.kube.replaceSecret(namespace, desired) : await this.kube.createSecret(namespace, desired);
    this.decode();
    return true;
  }

  private decode(): void {
    const data = decodeSecretData(this.current);
    this.decoded = { data, credentials: readCredentials(this.current, data) };
  }
}
