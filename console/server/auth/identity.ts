import { createHash } from 'node:crypto';
import type { AuthenticationV1Api } from '@kubernetes/client-node';
import { KubernetesUnavailable, Unauthenticated } from '../errors.js';
import { kubeFailure } from './failure.js';
import { TtlCache } from './ttl-cache.js';

/** Who is calling, as the API server's TokenReview says. */
export interface Identity {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** Refusals are remembered briefly so a client retrying with a bad token does not hammer the API server. */
const negativeTtlMs = 2_000;

/**
 * Authenticates bearer tokens with a TokenReview: ServiceAccount tokens, and OIDC or other tokens the API
 * server accepts. Results are cached by the token's SHA-256 (never the token itself) for `ttlMs`.
 */
export class Authenticator {
  private readonly cache: TtlCache<Identity | null>;

  constructor(private readonly api: AuthenticationV1Api, ttlMs: number) {
    this.cache = new TtlCache(ttlMs);
  }

  async authenticate(token: string): Promise<Identity> {
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.cache.get(key);
    if (cached === null) throw new Unauthenticated('The bearer token was not accepted by the Kubernetes API server.');
    if (cached) return cached;
    let review;
    try {
      review = await this.api.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } });
    } catch (err) {
      throw new KubernetesUnavailable(`The token could not be checked (TokenReview failed: ${kubeFailure(err)}).`);
    }
    const user = review.status?.user;
    if (!review.status?.authenticated || !user?.username) {
      this.cache.set(key, null, negativeTtlMs);
      throw new Unauthenticated('The bearer token was not accepted by the Kubernetes API server.');
    }
    const identity: Identity = {
      username: user.username,
      ...(user.uid ? { uid: user.uid } : {}),
      groups: user.groups ?? [],
      ...(user.extra ? { extra: user.extra } : {}),
    };
    this.cache.set(key, identity);
    return identity;
  }
}
