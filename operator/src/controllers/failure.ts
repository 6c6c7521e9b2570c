import { ReconcileError } from '../errors.js';
import { AuditedFailure } from './audited-failure.js';
import type { FailureReason } from './reasons.js';

export interface Failure {
  reason: FailureReason;
  message: string;
  retryable: boolean;
}

/** The condition reason and message for anything a reconcile throws. */
export function failureOf(err: unknown): Failure {
  if (err instanceof AuditedFailure) return failureOf(err.failure);
  if (err instanceof ReconcileError) return { reason: err.reason, message: err.message, retryable: err.retryable };
  const message = err instanceof Error ? err.message : String(err);
  return { reason: 'InternalError', message: `unexpected error: ${message}`, retryable: true };
}
