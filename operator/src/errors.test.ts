import { describe, expect, it } from 'vitest';
import { EngineError } from './engines/engine.js';
import { isTerminal, ReconcileError } from './errors.js';

describe('isTerminal', () => {
  it('is true for a ReconcileError (or an EngineError) that is not retryable', () => {
    expect(isTerminal(new ReconcileError('InvalidSpec', 'bad spec', false))).toBe(true);
    expect(isTerminal(new EngineError('InvalidIdentifier', 'no such role', false))).toBe(true);
  });

  it('is false for everything else', () => {
    expect(isTerminal(new ReconcileError('Unreachable', 'connection refused'))).toBe(false);
    expect(isTerminal(new EngineError('Unreachable', 'timeout', true))).toBe(false);
    expect(isTerminal(new Error('connection refused'))).toBe(false);
    expect(isTerminal('a string')).toBe(false);
    expect(isTerminal(undefined)).toBe(false);
  });

  it('names each error after its class', () => {
    expect(new ReconcileError('InvalidSpec', 'x').name).toBe('ReconcileError');
    expect(new EngineError('Unsupported', 'x').name).toBe('EngineError');
  });
});
