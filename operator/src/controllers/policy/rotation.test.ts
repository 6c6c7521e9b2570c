import { describe, expect, it } from 'vitest';
import type { PrincipalSpec } from '../../engines/engine.js';
import { FakeDatabase, FakeSecrets, testPolicy } from '../fakes.js';
import { annotations } from './credentials.js';
import { ensureCredentials, type CredentialContext } from './provision.js';
import { nextRotation, pendingRequest, retirePrevious, rotateIfDue } from './rotation.js';
import { SecretStore } from './secret-store.js';

const hour = 3600_000;

async function provisioned(strategy: PrincipalSpec['strategy'], policy = testPolicy({ rotation: { interval: '24h', strategy } })) {
  const db = new FakeDatabase();
  const secrets = new FakeSecrets();
  const principal: PrincipalSpec = { name: 'ai', strategy, owner: 'shop/ai', requireTls: true };
  const open = async (): Promise<CredentialContext> => ({
    store: await SecretStore.open(secrets.client, policy, 'ai-credentials'),
    engine: db, principal, graceMs: 10 * 60_000, render: (username, password) => ({ username, password }),
  });
  const active = await ensureCredentials(await open());
  return { db, secrets, policy, open, active };
}

describe('nextRotation', () => {
  it('falls in the last tenth of the interval, the same for the same policy', () => {
    const policy = testPolicy({ rotation: { interval: '100h' } });
    const next = nextRotation('2026-01-01T00:00:00Z', policy).getTime() - Date.parse('2026-01-01T00:00:00Z');
    expect(next).toBeGreaterThan(90 * hour);
    expect(next).toBeLessThanOrEqual(100 * hour);
    expect(nextRotation('2026-01-01T00:00:00Z', policy)).toEqual(nextRotation('2026-01-01T00:00:00Z', policy));
  });
});

describe('pendingRequest', () => {
  it('is the rotate annotation while it differs from the one handled', () => {
    const asked = testPolicy({}, { annotations: { 'dbwarden.io/rotate': 'now' } });
    expect(pendingRequest(asked, undefined)).toBe('now');
    expect(pendingRequest(asked, 'now')).toBeUndefined();
    expect(pendingRequest(testPolicy(), undefined)).toBeUndefined();
  });
});

describe('rotateIfDue', () => {
  it('does nothing before the interval is up', async () => {
    const { open, policy, active, secrets } = await provisioned('alternating');
    const before = secrets.data('shop', 'ai-credentials');
    const outcome = await rotateIfDue(await open(), policy, active, false, new Date(Date.parse(active.rotatedAt) + hour));
    expect(outcome.rotated).toBe(false);
    expect(secrets.data('shop', 'ai-credentials')).toEqual(before);
  });

  it('alternating: moves to the other login with a new password; the previous one works through the grace period, then stops', async () => {
    const { db, open, policy, active, secrets } = await provisioned('alternating');
    const due = new Date(Date.parse(active.rotatedAt) + 25 * hour);
    const outcome = await rotateIfDue(await open(), policy, active, false, due);
    expect(outcome.rotated).toBe(true);
    expect(outcome.active.username).toBe('ai_b');
    expect(secrets.data('shop', 'ai-credentials')).toEqual({ username: 'ai_b', password: outcome.active.password });
    expect(await db.canLogin('ai_b', outcome.active.password)).toBe(true);
    expect(await db.canLogin('ai_a', active.password)).toBe(true);

    const until = Date.parse(secrets.secrets.get('shop/ai-credentials')!.metadata!.annotations![annotations.previousUntil]!);
    expect(await retirePrevious(await open(), outcome.active, new Date(until - 1000))).toBe(1000);
    expect(await db.canLogin('ai_a', active.password)).toBe(true);

    expect(await retirePrevious(await open(), outcome.active, new Date(until + 1000))).toBeUndefined();
    expect(await db.canLogin('ai_a', active.password)).toBe(false);
    expect(await db.canLogin('ai_b', outcome.active.password)).toBe(true);
    expect(secrets.secrets.get('shop/ai-credentials')!.metadata!.annotations![annotations.previousUsername]).toBeUndefined();
    expect(secrets.data('shop', 'ai-credentials')).toEqual({ username: 'ai_b', password: outcome.active.password });
  });

  it('waits for the previous password to retire before rotating again', async () => {
    const { open, policy, active } = await provisioned('alternating');
    const due = new Date(Date.parse(active.rotatedAt) + 25 * hour);
    const first = await rotateIfDue(await open(), policy, active, false, due);
    const second = await rotateIfDue(await open(), policy, first.active, false, new Date(due.getTime() + 25 * hour));
    expect(second).toEqual({ active: first.active, rotated: false });
  });

  it('in-place with dual passwords: the old password stays valid until retired', async () => {
    const { db, open, active } = await provisioned('in-place');
    db.dualPasswords = true;
    const asked = testPolicy({ rotation: { interval: '24h', strategy: 'in-place' } }, { annotations: { 'dbwarden.io/rotate': 'now' } });
    const outcome = await rotateIfDue(await open(), asked, active, true);
    expect(outcome.active.username).toBe('ai');
    expect(await db.canLogin('ai', outcome.active.password)).toBe(true);
    expect(await db.canLogin('ai', active.password)).toBe(true);
    await retirePrevious(await open(), outcome.active, new Date(Date.now() + 3600_000));
    expect(await db.canLogin('ai', active.password)).toBe(false);
    expect(await db.canLogin('ai', outcome.active.password)).toBe(true);
  });

  it('answers a rotate request once', async () => {
    const { open, active, secrets } = await provisioned('in-place');
    const asked = testPolicy({ rotation: { interval: '24h', strategy: 'in-place' } }, { annotations: { 'dbwarden.io/rotate': 'r1' } });
    await rotateIfDue(await open(), asked, active, false);
    const ctx = await open();
    expect(secrets.secrets.get('shop/ai-credentials')!.metadata!.annotations![annotations.rotateHandled]).toBe('r1');
    expect(pendingRequest(asked, ctx.store.credentials.rotateHandled)).toBeUndefined();
  });
});
