import { describe, expect, it } from 'vitest';
import { isTerminal, TerminalError } from './terminal-error.js';

describe('isTerminal', () => {
  it('is true for TerminalError and for errors marked retryable: false', () => {
    expect(isTerminal(new TerminalError('bad spec'))).toBe(true);
    expect(isTerminal(Object.assign(new Error('no such role'), { retryable: false }))).toBe(true);
  });

  it('is false for everything else', () => {
    expect(isTerminal(new Error('connection refused'))).toBe(false);
    expect(isTerminal(Object.assign(new Error('timeout'), { retryable: true }))).toBe(false);
    expect(isTerminal('a string')).toBe(false);
    expect(isTerminal(undefined)).toBe(false);
  });
});
