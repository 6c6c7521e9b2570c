import { describe, expect, it } from 'vitest';
import type { ServerFacts } from '../../engines/engine.js';
import { posture } from './posture.js';

const facts = (over: Partial<ServerFacts> = {}): ServerFacts => ({
  product: 'PostgreSQL', serverVersion: 'PostgreSQL 15.8', tls: { encrypted: true, verified: true, protocol: 'TLSv1.3' },
  admin: { superuser: false, canCreateUsers: true, message: '' }, dualPasswords: false,
  accessLog: { connections: true, detail: 'connections are logged (log_connections)' }, defaultPrivileges: [], ...over,
});

const passed = (score: ReturnType<typeof posture>): Record<string, boolean> =>
  Object.fromEntries((score.checks ?? []).map((c) => [c.name, c.passed]));

describe('posture', () => {
  it('passes every server check with verified TLS and a least-privilege admin', () => {
    const score = posture({ mode: 'verify-full', facts: facts() });
    expect(score).toMatchObject({ passed: 5, total: 5, summary: '5/5' });
  });

  it('verify-ca passes but says the host name is not checked; require fails TLSVerified', () => {
    const ca = posture({ mode: 'verify-ca', facts: facts() });
    expect(ca.checks?.find((c) => c.name === 'TLSVerified')).toMatchObject({ passed: true, message: expect.stringContaining('prefer verify-full') as string });
    expect(passed(posture({ mode: 'require', facts: facts({ tls: { encrypted: true, verified: false } }) }))).toMatchObject({ TLSEnabled: true, TLSVerified: false });
  });

  it('fails without TLS and with a superuser admin, giving the engine\'s reason', () => {
    const score = posture({
      mode: 'disable',
      facts: facts({ tls: { encrypted: false, verified: false }, admin: { superuser: true, canCreateUsers: true, message: 'admin is a superuser; a CREATEROLE role is enough' } }),
    });
    expect(score.summary).toBe('2/5');
    expect(score.checks?.find((c) => c.name === 'AdminNotSuperuser')?.message).toBe('admin is a superuser; a CREATEROLE role is enough');
  });

  it('counts the extra checks it is given', () => {
    const score = posture({ mode: 'verify-full', facts: facts(), extra: [{ name: 'NetworkRestricted', passed: false, message: 'open' }] });
    expect(score).toMatchObject({ passed: 5, total: 6, summary: '5/6' });
  });

  it('fails AccessLogged when connections are not logged or cannot be read, and DefaultPrivileges with each fix', () => {
    const score = posture({ mode: 'verify-full', facts: facts({
      accessLog: { connections: undefined, detail: 'the admin may not read log_connections' },
      defaultPrivileges: [{ finding: 'every role may create temporary tables in shop', fix: 'REVOKE TEMP ON DATABASE shop FROM PUBLIC' }],
    }) });
    expect(passed(score)).toMatchObject({ AccessLogged: false, DefaultPrivileges: false });
    expect(score.checks?.find((c) => c.name === 'DefaultPrivileges')?.message).toBe('every role may create temporary tables in shop (fix: REVOKE TEMP ON DATABASE shop FROM PUBLIC)');
  });
});
