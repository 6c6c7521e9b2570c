import { describe, expect, it } from 'vitest';
import { OwnWrites } from './own-writes.js';

const secret = (name: string, resourceVersion?: string) => ({ metadata: { namespace: 'ns', name, resourceVersion } });

describe('OwnWrites', () => {
  it('recognises only the version this process wrote last', () => {
    const own = new OwnWrites();
    own.record(secret('a', '10'));
    expect(own.isOwn(secret('a', '10'))).toBe(true);
    expect(own.isOwn(secret('a', '11'))).toBe(false);
    expect(own.isOwn(secret('b', '10'))).toBe(false);
    expect(own.isOwn(secret('a'))).toBe(false);
    own.record(secret('a', '12'));
    expect(own.isOwn(secret('a', '10'))).toBe(false);
    own.forget(secret('a'));
    expect(own.isOwn(secret('a', '12'))).toBe(false);
    expect(own.size).toBe(0);
  });
});
