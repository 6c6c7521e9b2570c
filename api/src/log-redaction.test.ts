import { describe, expect, it } from 'vitest';
import { censored, redactSensitive } from './log-redaction.js';

describe('redactSensitive', () => {
  it('censors sensitive fields at any depth and in arrays, whatever their letter case', () => {
    const record = {
      password: 'p0',
      Authorization: 'Bearer t',
      connection: { URI: 'postgres://u:p1@db/shop', host: 'db' },
      list: [{ spec: { admin: { apiKey: 'k' } } }, 'plain'],
      deep: { a: { b: { c: { d: { e: { stringData: { password: 'p2' } } } } } } },
      absent: { password: undefined },
    };
    expect(redactSensitive(record)).toEqual({
      password: censored,
      Authorization: censored,
      connection: { URI: censored, host: 'db' },
      list: [{ spec: { admin: { apiKey: censored } } }, 'plain'],
      deep: { a: { b: { c: { d: { e: { stringData: censored } } } } } },
      absent: { password: undefined },
    });
  });

  it('never changes the caller\'s objects, and returns them as they are when nothing is sensitive', () => {
    const inner = { password: 'p' };
    const record = { inner, other: { host: 'db' } };
    const out = redactSensitive(record);
    expect(inner.password).toBe('p');
    expect(out.other).toBe(record.other);
    const clean = { a: 1, b: [{ c: 'x' }] };
    expect(redactSensitive(clean)).toBe(clean);
  });

  it('censors an error\'s own fields and its cause in a copy of the same class, keeping message and stack', () => {
    class DbError extends Error {
      constructor(message: string, readonly password: string, options?: ErrorOptions) {
        super(message, options);
      }
    }
    const err = new DbError('connect failed', 'secret', { cause: { token: 't' } });
    const out = redactSensitive({ err }).err;
    expect(out).toBeInstanceOf(DbError);
    expect(out.message).toBe('connect failed');
    expect(out.stack).toBe(err.stack);
    expect(out.password).toBe(censored);
    expect(out.cause).toEqual({ token: censored });
    expect(err.password).toBe('secret');
  });

  it('leaves class instances to the logger\'s serializers and stops at a depth bound (cycles)', () => {
    const date = new Date(0);
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    const out = redactSensitive({ date, cyclic });
    expect(out.date).toBe(date);
    expect(out.cyclic).toBe(cyclic);
  });
});
