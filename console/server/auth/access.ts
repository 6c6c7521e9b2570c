import type { AuthorizationV1Api } from '@kubernetes/client-node';
import { group, accessPolicies } from '@dbwarden/api';
import { KubernetesUnavailable } from '../errors.js';
import type { Identity } from './identity.js';
import { kubeFailure } from './failure.js';
import { TtlCache } from './ttl-cache.js';

/** The RBAC verb that lets a user query through an AccessPolicy in the console. */
export const queryVerb = 'query';

/**
 * Asks the API server, with a SubjectAccessReview, whether a user may `query` an AccessPolicy (group
 * dbwarden.io). Answers are cached per user and policy for `ttlMs`, so a revoked permission takes effect
 * within that time.
 */
export class AccessReviewer {
  private readonly cache: TtlCache<boolean>;

  constructor(private readonly api: AuthorizationV1Api, ttlMs: number) {
    this.cache = new TtlCache(ttlMs);
  }

  /** May `who` query the policy `name` in `namespace`? Without a name: every policy there (without a namespace: everywhere). */
  async canQuery(who: Identity, namespace?: string, name?: string): Promise<boolean> {
    const key = JSON.stringify([who.username, who.uid ?? '', who.groups, namespace ?? '', name ?? '']);
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    let review;
    try {
      review = await this.api.createSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: who.username,
            ...(who.uid ? { uid: who.uid } : {}),
            groups: who.groups,
            ...(who.extra ? { extra: who.extra } : {}),
            resourceAttributes: {
              group,
              resource: accessPolicies.plural,
              verb: queryVerb,
              ...(namespace ? { namespace } : {}),
              ...(name ? { name } : {}),
            },
          },
        },
      });
    } catch (err) {
      throw new KubernetesUnavailable(`Permission could not be checked (SubjectAccessReview failed: ${kubeFailure(err)}).`);
    }
    const allowed = review.status?.allowed === true && review.status.denied !== true;
    this.cache.set(key, allowed);
    return allowed;
  }
}
