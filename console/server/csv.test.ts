import { describe, expect, it } from 'vitest';
import { csvField, csvRow } from './csv.js';

describe('csv', () => {
  it('quotes only what needs quoting', () => {
    expect(csvRow(['plain', 1, 2.5, true, null])).toBe('plain,1,2.5,true,\r\n');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField({ a: [1, 'x'] })).toBe('"{""a"":[1,""x""]}"');
  });
});
