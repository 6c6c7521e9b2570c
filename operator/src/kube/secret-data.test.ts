import { describe, expect, it } from 'vitest';
import { decodeSecretData, encodeSecretData } from './secret-data.js';

describe('Secret data', () => {
  it('round-trips text, including characters outside ASCII', () => {
    const data = { username: 'ai_a', password: 'p/+=é~', empty: '' };
    const encoded = encodeSecretData(data);
    expect(encoded.password).toBe(Buffer.from('p/+=é~').toString('base64'));
    expect(decodeSecretData({ data: encoded })).toEqual(data);
  });

  it('is empty for a missing Secret or one without data', () => {
    expect(decodeSecretData(undefined)).toEqual({});
    expect(decodeSecretData({ metadata: { name: 'x' } })).toEqual({});
  });
});
