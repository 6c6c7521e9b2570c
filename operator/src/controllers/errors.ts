import type { FailureReason } from './reasons.js';

/**
 * A reconcile failure that belongs in a condition: a CamelCase reason and a message a person can act on.
 * retryable=false means only a change to the spec (or referenced objects) can fix it: the work queue stops
 * retrying and the next watch event starts over.
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
 * A failed pass that still audited the policy's users: their least-privilege findings belong in status beside
 * the failure (a sync that could not revoke something must not leave LeastPrivilege saying Clean).
 */
export class AuditedFailure extends Error {
  constructor(
    readonly failure: unknown,
    /** Findings as the audit reports them; undefined when the audit itself could not run. */
    readonly findings: string[] | undefined,
    /** What the failed pass revoked all the same (a refused spec's repair), for status.lastDriftCorrection. */
    readonly revoked: string[] = [],
  ) {
    super(failure instanceof Error ? failure.message : String(failure));
    this.name = 'AuditedFailure';
  }
}
