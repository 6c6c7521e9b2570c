import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { TokenRefused } from './errors.js';

/** What a confirmation token is bound to. */
export interface TokenBinding {
  /** The exact statement text the guard accepted. */
  statement: string;
  /** The AccessPolicy, namespace/name. */
  policy: string;
  /** The caller's Kubernetes username. */
  user: string;
}

export interface IssuedToken {
  token: string;
  /** Identifies the preview in the audit log (not secret; the token's own id). */
  id: string;
  expiresAt: Date;
}

interface Claims {
  /** The signing key's id: tells a token from another replica (or an earlier process) from a forged one. */
  kid: string;
  id: string;
  /** sha256 of the statement, the policy and the user (hex). */
  st: string;
  po: string;
  us: string;
  /** The preview's fingerprint: its row count and a hash of the rows it read before the write. */
  fp: string;
  /** Expiry, ms since the epoch. */
  exp: number;
}

export interface PreviewTokenOptions {
  /**
   * The HMAC key. Default: 32 random bytes made when the process starts, so a token is valid only on the
   * console replica that issued it, until it restarts (the chart's Service keeps a client on one replica
   * with ClientIP session affinity). Used token ids are remembered in this process only, so sharing a key
   * between replicas would let a token run once on each: do not.
   */
  key?: Buffer;
  /** How long a preview may be confirmed; default 5 minutes. */
  ttlMs?: number;
  now?: () => number;
}

export const defaultTokenTtlMs = 5 * 60_000;

/**
 * Confirmation tokens for write previews: `<claims>.<signature>`, both base64url, the signature an
 * HMAC-SHA256 of the claims. A token confirms one run of exactly the previewed statement, through the same
 * policy, by the same user, before it expires, once.
 */
export class PreviewTokens {
  private readonly key: Buffer;
  private readonly kid: string;
  private readonly ttlMs: number;
  private readonly now: () => number;
  /** Ids of redeemed tokens, until they expire. */
  private readonly used = new Map<string, number>();

  constructor(options: PreviewTokenOptions = {}) {
    this.key = options.key ?? randomBytes(32);
    if (this.key.length < 32) throw new Error('the preview token key must be at least 32 bytes');
    this.kid = createHash('sha256').update('dbwarden-preview-key').update(this.key).digest('base64url').slice(0, 12);
    this.ttlMs = options.ttlMs ?? defaultTokenTtlMs;
    this.now = options.now ?? Date.now;
  }

  issue(binding: TokenBinding, fingerprint: string): IssuedToken {
    const id = randomBytes(16).toString('base64url');
    const exp = this.now() + this.ttlMs;
    const claims: Claims = { kid: this.kid, id, st: digest(binding.statement), po: binding.policy, us: binding.user, fp: fingerprint, exp };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { token: `${body}.${this.sign(body)}`, id, expiresAt: new Date(exp) };
  }

  /**
   * Checks a token against this run and marks it used: returns the preview's id and fingerprint, or throws
   * TokenRefused with the reason. A token refused for another caller, policy or statement stays unused.
   */
  redeem(token: string, binding: TokenBinding): { id: string; fingerprint: string } {
    this.forgetExpired();
    const claims = this.verified(token);
    if (claims.exp <= this.now()) throw new TokenRefused('token_expired', claims.id);
    if (claims.po !== binding.policy) throw new TokenRefused('token_other_policy', claims.id);
    if (claims.us !== binding.user) throw new TokenRefused('token_other_caller', claims.id);
    if (!equal(claims.st, digest(binding.statement))) throw new TokenRefused('token_other_statement', claims.id);
    if (this.used.has(claims.id)) throw new TokenRefused('token_used', claims.id);
    this.used.set(claims.id, claims.exp);
    return { id: claims.id, fingerprint: claims.fp };
  }

  /**
   * Makes a redeemed token usable again: only when the confirmation it was redeemed for did not reach the
   * database at all (the credentials were refused while connecting), so that the retry can redeem it.
   */
  release(id: string): void {
    this.used.delete(id);
  }

  private verified(token: string): Claims {
    const parts = typeof token === 'string' ? token.split('.') : [];
    const [body, signature] = parts;
    if (parts.length !== 2 || !body || !signature || token.length > 4096) throw new TokenRefused('token_invalid');
    if (!equal(signature, this.sign(body))) {
      // Readable claims with another key id: issued elsewhere (or before a restart), not necessarily forged.
      const kid = (parse(body) as Partial<Claims> | undefined)?.kid;
      throw new TokenRefused(typeof kid === 'string' && kid !== this.kid ? 'token_other_replica' : 'token_invalid');
    }
    const claims = parse(body) as Claims | undefined;
    if (!claims || typeof claims.id !== 'string' || typeof claims.exp !== 'number' || typeof claims.fp !== 'string') {
      throw new TokenRefused('token_invalid');
    }
    return claims;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [id, exp] of this.used) if (exp <= now) this.used.delete(id);
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Constant-time comparison of two strings (different lengths are simply unequal). */
function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function parse(body: string): unknown {
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
