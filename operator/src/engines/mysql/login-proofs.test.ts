import { describe, expect, it } from 'vitest';
import { LoginProofs } from './login-proofs.js';

describe('LoginProofs', () => {
  it('holds only for the same login, password and stored hash', () => {
    const proofs = new LoginProofs();
    proofs.record('reader', 'pw', '*HASH1');
    expect(proofs.holds('reader', 'pw', '*HASH1')).toBe(true);
    expect(proofs.holds('reader', 'other', '*HASH1')).toBe(false);
    expect(proofs.holds('reader', 'pw', '*HASH2')).toBe(false);
    expect(proofs.holds('writer', 'pw', '*HASH1')).toBe(false);
    proofs.forget('reader');
    expect(proofs.holds('reader', 'pw', '*HASH1')).toBe(false);
  });

  it('never holds for an account without a stored hash', () => {
    const proofs = new LoginProofs();
    proofs.record('socket', 'pw', '');
    expect(proofs.holds('socket', 'pw', '')).toBe(false);
    expect(proofs.size).toBe(0);
  });

  it('keeps at most its bound, the oldest out first', () => {
    const proofs = new LoginProofs(2);
    proofs.record('a', 'secret-a', 'h');
    proofs.record('b', 'secret-b', 'h');
    proofs.record('c', 'secret-c', 'h');
    expect(proofs.size).toBe(2);
    expect(proofs.holds('a', 'secret-a', 'h')).toBe(false);
    expect(proofs.holds('c', 'secret-c', 'h')).toBe(true);
  });
});
