import type { Engine, PrincipalSpec } from '../../engines/engine.js';
import { generatePassword } from '../../credentials/password.js';
import { ReconcileError } from '../../errors.js';
import { annotations, pendingPasswordKey, pendingUsernameKey, type StoredCredentials } from './credentials.js';
import type { SecretStore } from './secret-store.js';
import { crashPoint } from './crash-points.js';

/** The Secret's full data for a username and password (credentialData bound to the connection). */
export type Render = (username: string, password: string) => Record<string, string>;

/** What every credential step works on. */
export interface CredentialContext {
  store: SecretStore;
  engine: Engine;
  principal: PrincipalSpec;
  render: Render;
  /** How long a previous password stays valid after a rotation. */
  graceMs: number;
}

export interface ActiveCredentials {
  username: string;
  password: string;
  rotatedAt: string;
}

/** The passwords the Secret holds, per login, for engines that prove ownership by logging in. */
export function knownPasswords(stored: StoredCredentials): Record<string, string[]> {
  const known: Record<string, string[]> = {};
  for (const [u, p] of [[stored.username, stored.password], [stored.pendingUsername, stored.pendingPassword]]) {
    if (u && p) (known[u] ??= []).push(p);
  }
  return known;
}

export const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Makes username/password the Secret's active credentials. The login that was active before keeps its
 * password until the grace period ends (then retirePrevious retires it), and a rotation request the pending
 * password answered is marked handled.
 */
async function promote(ctx: CredentialContext, username: string, password: string): Promise<ActiveCredentials> {
  const stored = ctx.store.credentials;
  const now = new Date();
  const rotatedAt = rfc3339(now);
  const previous = stored.username && stored.password ? stored.username : undefined;
  await ctx.store.write({
    data: ctx.render(username, password),
    annotations: {
      [annotations.rotatedAt]: rotatedAt,
      [annotations.previousUsername]: previous,
      [annotations.previousUntil]: previous ? rfc3339(new Date(now.getTime() + ctx.graceMs)) : undefined,
      [annotations.rotateHandled]: stored.pendingRequest ?? stored.rotateHandled,
      [annotations.pendingRequest]: undefined,
    },
  });
  await crashPoint('after-promote');
  return { username, password, rotatedAt };
}

/**
 * Changes a login's password crash-safely: the new password is written to the Secret as pending BEFORE the
 * database learns it (`apply`), and promoted after. At no moment does the only copy of a working password
 * live only in the database or only in memory.
 */
export async function changePassword(
  ctx: CredentialContext,
  username: string,
  password: string,
  apply: () => Promise<void>,
  request?: string,
): Promise<ActiveCredentials> {
  const stored = ctx.store.credentials;
  if (stored.pendingUsername !== username || stored.pendingPassword !== password) {
    await ctx.store.patch({
      data: { [pendingUsernameKey]: username, [pendingPasswordKey]: password },
      annotations: { [annotations.pendingRequest]: request },
    });
  }
  await crashPoint('after-pending');
  await apply();
  await crashPoint('after-database');
  return promote(ctx, username, password);
}

/**
 * Finishes or rolls back a password change a crash interrupted: whichever of the pending and the active
 * password logs in wins. Leaves the pending keys when neither does (the user is created with it next).
 */
export async function recoverPending(ctx: CredentialContext): Promise<void> {
  const s = ctx.store.credentials;
  if (!s.pendingUsername || !s.pendingPassword) return;
  if (await ctx.engine.canLogin(s.pendingUsername, s.pendingPassword)) {
    await promote(ctx, s.pendingUsername, s.pendingPassword);
  } else if (s.username && s.password && (await ctx.engine.canLogin(s.username, s.password))) {
    await ctx.store.patch({
      data: { [pendingUsernameKey]: undefined, [pendingPasswordKey]: undefined },
      annotations: { [annotations.pendingRequest]: undefined },
    });
  }
}

/**
 * Creates the principal's users (or repairs missing ones) and returns the active credentials. A first
 * creation goes through changePassword, so the password is in the Secret before the user exists.
 */
export async function ensureCredentials(
  ctx: CredentialContext,
  /** The policy's status (written only by the operator) says it created this principal: recover even without a password. */
  createdBefore = false,
): Promise<ActiveCredentials> {
  const { engine, principal } = ctx;
  await recoverPending(ctx);
  const stored = ctx.store.credentials;
  const logins = engine.loginNames(principal);
  const ownership = await engine.ownership(principal, knownPasswords(stored));
  if (ownership.state === 'foreign' && ownership.ours.length === 0 && !createdBefore) {
    throw new ReconcileError(
      'UsernameTaken',
      `database user ${ownership.foreign.join(', ')} already exists and was not created by dbwarden for this policy; dbwarden never adopts users it did not create: choose another spec.username or drop that user`,
    );
  }
  // Passwords only for logins to create: an existing login given a password must prove it (MySQL), and the
  // inactive login of an alternating pair has no password worth keeping until it is rotated to.
  const passwords = Object.fromEntries(logins.filter((l) => !ownership.existing.includes(l)).map((l) => [l, generatePassword()]));

  if (stored.username && stored.password && logins.includes(stored.username)) {
    if (passwords[stored.username]) passwords[stored.username] = stored.password;
    await engine.ensurePrincipal(principal, passwords);
    return { username: stored.username, password: stored.password, rotatedAt: stored.rotatedAt ?? rfc3339(new Date()) };
  }

  const username = stored.pendingUsername && logins.includes(stored.pendingUsername) ? stored.pendingUsername : logins[0]!;
  const password = stored.pendingUsername === username && stored.pendingPassword ? stored.pendingPassword : generatePassword();
  if (!ownership.existing.includes(username)) passwords[username] = password;
  return changePassword(ctx, username, password, async () => {
    await engine.ensurePrincipal(principal, passwords);
    // A user of ours that already existed (e.g. retained, then its Secret lost) gets the new password too.
    if (ownership.existing.includes(username)) await engine.setPassword(username, password);
  });
}
