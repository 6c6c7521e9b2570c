import { describe, expect, it } from 'vitest';
import type { PrincipalSpec } from '../../engines/engine.js';
import { FakeDatabase, FakeSecrets, testPolicy } from '../fakes.js';
import { annotations, pendingPasswordKey, pendingUsernameKey, secretManifest } from './credentials.js';
import { ensureCredentials, recoverPending, type CredentialContext } from './provision.js';
import { SecretStore } from './secret-store.js';

const policy = testPolicy();
const principal: PrincipalSpec = { name: 'ai', strategy: 'alternating', owner: 'shop/ai', requireTls: true };

async function context(db: FakeDatabase, secrets: FakeSecrets): Promise<CredentialContext> {
  const store = await SecretStore.open(secrets.client, policy, 'ai-credentials');
  return { store, engine: db, principal, graceMs: 60_000, render: (username, password) => ({ username, password }) };
}

/** A Secret as a crash left it: `data` written, nothing after. */
async function leftBehind(secrets: FakeSecrets, data: Record<string, string>): Promise<void> {
  await secrets.createSecret('shop', secretManifest(policy, 'ai-credentials', { data }));
}

describe('ensureCredentials', () => {
  it('creates the first login with the password the Secret holds, and leaves no pending keys', async () => {
    const db = new FakeDatabase();
    const secrets = new FakeSecrets();
    const active = await ensureCredentials(await context(db, secrets));
    const data = secrets.data('shop', 'ai-credentials');
    expect(active.username).toBe('ai_a');
    expect(data).toEqual({ username: 'ai_a', password: active.password });
    expect(await db.canLogin('ai_a', data.password!)).toBe(true);
    // The inactive login of the pair exists too, with a password nobody knows until a rotation moves to it.
    expect(db.logins.has('ai_b')).toBe(true);
    expect(await db.canLogin('ai_b', data.password!)).toBe(false);
  });

  it('is idempotent: a second pass keeps the user and the password', async () => {
    const db = new FakeDatabase();
    const secrets = new FakeSecrets();
    const first = await ensureCredentials(await context(db, secrets));
    const second = await ensureCredentials(await context(db, secrets));
    expect(second).toMatchObject({ username: first.username, password: first.password });
  });

  it('refuses a login someone else made, and changes nothing', async () => {
    const db = new FakeDatabase();
    db.logins.set('ai_a', { passwords: ['theirs'], sessions: 0 });
    db.foreign.add('ai_a');
    const secrets = new FakeSecrets();
    await expect(ensureCredentials(await context(db, secrets))).rejects.toMatchObject({ reason: 'UsernameTaken' });
    expect(db.logins.get('ai_a')?.passwords).toEqual(['theirs']);
    expect(secrets.secrets.size).toBe(0);
  });
});

describe('recoverPending (after a crash)', () => {
  it('promotes a pending password the database already took', async () => {
    const db = new FakeDatabase();
    db.logins.set('ai_a', { passwords: ['old'], sessions: 0 });
    db.logins.set('ai_b', { passwords: ['new'], sessions: 0 });
    const secrets = new FakeSecrets();
    await leftBehind(secrets, { username: 'ai_a', password: 'old', [pendingUsernameKey]: 'ai_b', [pendingPasswordKey]: 'new' });
    await recoverPending(await context(db, secrets));
    expect(secrets.data('shop', 'ai-credentials')).toEqual({ username: 'ai_b', password: 'new' });
    expect(secrets.secrets.get('shop/ai-credentials')?.metadata?.annotations?.[annotations.previousUsername]).toBe('ai_a');
  });

  it('drops a pending password the database never learned, keeping the working one', async () => {
    const db = new FakeDatabase();
    db.logins.set('ai_a', { passwords: ['old'], sessions: 0 });
    const secrets = new FakeSecrets();
    await leftBehind(secrets, { username: 'ai_a', password: 'old', [pendingUsernameKey]: 'ai_b', [pendingPasswordKey]: 'never-set' });
    await recoverPending(await context(db, secrets));
    expect(secrets.data('shop', 'ai-credentials')).toEqual({ username: 'ai_a', password: 'old' });
  });

  it('keeps the pending password when neither logs in (the user is created with it next)', async () => {
    const db = new FakeDatabase();
    const secrets = new FakeSecrets();
    await leftBehind(secrets, { [pendingUsernameKey]: 'ai_a', [pendingPasswordKey]: 'first' });
    const ctx = await context(db, secrets);
    await recoverPending(ctx);
    expect(secrets.data('shop', 'ai-credentials')).toEqual({ [pendingUsernameKey]: 'ai_a', [pendingPasswordKey]: 'first' });
    const active = await ensureCredentials(ctx);
    expect(active).toMatchObject({ username: 'ai_a', password: 'first' });
    expect(await db.canLogin('ai_a', 'first')).toBe(true);
  });
});
