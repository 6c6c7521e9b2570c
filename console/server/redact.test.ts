import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { SecretRegistry } from './redact.js';

describe('SecretRegistry', () => {
  it('scrubs held values, raw and URL-encoded, and the password of any URI', () => {
    const r = new SecretRegistry();
    r.hold('p@ss/word-123');
    expect(r.scrub('a p@ss/word-123 b p%40ss%2Fword-123')).toBe('a [REDACTED] b [REDACTED]');
    expect(r.scrub('postgresql://ai_ro:other-secret@db:5432/shop?sslmode=verify-full')).toBe('postgresql://ai_ro:[REDACTED]@db:5432/shop?sslmode=verify-full');
    expect(r.scrub('mysql://u:x@h:3306/d')).toBe('mysql://u:[REDACTED]@h:3306/d');
    r.release('p@ss/word-123');
    expect(r.scrub('p@ss/word-123')).toBe('p@ss/word-123');
  });

  it('counts holds, so a value stays scrubbed while any pool still holds it', () => {
    const r = new SecretRegistry();
    r.hold('long-enough-secret');
    r.hold('long-enough-secret');
    r.release('long-enough-secret');
    expect(r.scrub('long-enough-secret')).toBe('[REDACTED]');
    r.release('long-enough-secret');
    expect(r.size).toBe(0);
  });
});

describe('createLogger', () => {
  it('redacts sensitive fields and scrubs held secrets from every line', () => {
    const lines: string[] = [];
    const registry = new SecretRegistry();
    registry.hold('hunter2-hunter2');
    const log = createLogger('info', { write: (l: string) => void lines.push(l) }, registry);
    log.info({ password: 'x', nested: { uri: 'postgresql://u:p@h/d' }, req: { headers: { authorization: 'Bearer t' } } }, 'first');
    log.info({ message: 'the server said hunter2-hunter2' }, 'second');
    expect(lines.join('')).not.toMatch(/hunter2|Bearer t|"x"|u:p@/);
    expect(lines[0]).toContain('[REDACTED]');
  });
});
