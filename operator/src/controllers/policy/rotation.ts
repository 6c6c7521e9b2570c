import { createHash } from 'node:crypto';
import { rotateAnnotation, type AccessPolicy } from '@dbwarden/api';
import { generatePassword } from '../../credentials/password.js';
import { parseDuration } from '@dbwarden/api/duration';
import { annotations } from './credentials.js';
import { changePassword, rfc3339, type ActiveCredentials, type CredentialContext } from './provision.js';

export const defaultInterval = '2160h';
export const defaultGrace = '10m';

export const intervalMs = (policy: AccessPolicy): number => parseDuration(policy.spec.rotation?.interval ?? defaultInterval);
export const graceMs = (policy: AccessPolicy): number => parseDuration(policy.spec.rotation?.gracePeriod ?? defaultGrace);

/**
 * When the credentials rotate next: the interval after the last rotation, minus a fixed share (0–10% of
 * the interval) derived from the policy's uid, so policies created together do not all rotate together.
 */
export function nextRotation(rotatedAt: string, policy: AccessPolicy): Date {
  const interval = intervalMs(policy);
  const hash = createHash('sha256').update(policy.metadata?.uid ?? '').digest();
  const share = hash.readUInt32BE(0) / 0xffffffff;
  return new Date(Date.parse(rotatedAt) + interval - Math.floor(share * 0.1 * interval));
}

/** The rotate annotation's value when it asks for a rotation not yet done. */
export function pendingRequest(policy: AccessPolicy, handled: string | undefined): string | undefined {
  const asked = policy.metadata?.annotations?.[rotateAnnotation];
  return asked && asked !== handled ? asked : undefined;
}

export interface RotationOutcome {
  active: ActiveCredentials;
  rotated: boolean;
}

/**
 * Rotates when due or asked. alternating: the inactive login gets a new password and becomes active; the
 * previous one keeps working for the grace period. in-place: the login gets a new password; on MySQL 8 the
 * old one stays valid (RETAIN CURRENT PASSWORD) until the grace period ends, elsewhere it stops at once.
 */
export async function rotateIfDue(ctx: CredentialContext, policy: AccessPolicy, active: ActiveCredentials, dualPasswords: boolean, now = new Date()): Promise<RotationOutcome> {
  const stored = ctx.store.credentials;
  // One rotation at a time: while the previous password is in its grace period, the next waits (else a
  // consumer that just read the Secret could find its password replaced under it).
  if (stored.previousUsername) return { active, rotated: false };
  const request = pendingRequest(policy, stored.rotateHandled);
  if (!request && now < nextRotation(active.rotatedAt, policy)) return { active, rotated: false };
  const logins = ctx.engine.loginNames(ctx.principal);
  const target = ctx.principal.strategy === 'alternating' ? logins.find((l) => l !== active.username) ?? logins[0]! : active.username;
  const password = generatePassword();
  const next = await changePassword(ctx, target, password, async () => {
    if (target === active.username) await ctx.engine.setPassword(target, password, dualPasswords ? { retainCurrent: true } : {});
    else await ctx.engine.setPassword(target, password);
  }, request);
  return { active: next, rotated: true };
}

/**
 * After the grace period, the previous password stops working: an alternating pair's previous login gets a
 * password nobody knows and its sessions end; an in-place login discards its old password (MySQL 8).
 * Returns the milliseconds until that is due, if it is not yet.
 */
export async function retirePrevious(ctx: CredentialContext, active: ActiveCredentials, now = new Date()): Promise<number | undefined> {
  const stored = ctx.store.credentials;
  if (!stored.previousUsername) return undefined;
  const until = Date.parse(stored.previousUntil ?? '');
  if (Number.isFinite(until) && now.getTime() < until) return until - now.getTime();
  const previous = stored.previousUsername;
  if (previous === active.username) {
    await ctx.engine.discardOldPassword(previous);
  } else if (ctx.engine.loginNames(ctx.principal).includes(previous)) {
    await ctx.engine.setPassword(previous, generatePassword());
    await ctx.engine.terminateSessions(previous);
  }
  await ctx.store.patch({
    annotations: { [annotations.previousUsername]: undefined, [annotations.previousUntil]: undefined, [annotations.rotatedAt]: stored.rotatedAt ?? rfc3339(now) },
  });
  return undefined;
}
