import type { FailureReason } from './controllers/reasons.js';

/**
 * The one error type of a reconcile pass, like controller-runtime's TerminalError: a CamelCase reason for the
 * Ready condition (reasons.ts lists them all) and a message a person can act on (never a password).
 * retryable=false means only a change to the spec (or the objects it references) can fix it: the work queue
 * forgets the key instead of backing off, and the next watch event starts over. Subclasses add what their
 * layer knows (EngineError: the privileges a failure left in place).
 */
export class ReconcileError extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
    readonly retryable = true,
  ) {
    super(message);
    this.name = 'ReconcileError';
  }
}

/**
 * A failure that waits for an object the operator does not watch (a restart target not created yet): backing
 * off exponentially would notice it late (minutes), so the reconciler writes the failure and looks again after
 * one resync period, like a pass that succeeded.
 */
export class WaitingForObject extends ReconcileError {
  constructor(reason: FailureReason, message: string) {
    super(reason, message, true);
    this.name = 'WaitingForObject';
  }
}

/** Whether a reconcile error should stop the retries: a ReconcileError that is not retryable. */
export function isTerminal(err: unknown): boolean {
  return err instanceof ReconcileError && !err.retryable;
}
