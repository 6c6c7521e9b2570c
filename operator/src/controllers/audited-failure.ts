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
