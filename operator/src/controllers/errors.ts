/**
 * A reconcile failure that belongs in a condition: a CamelCase reason and a message a person can act on.
 * retryable=false means only a change to the spec (or referenced objects) can fix it: the work queue stops
 * retrying and the next watch event starts over.
 */
export class ReconcileError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly retryable = true,
  ) {
    super(message);
    this.name = 'ReconcileError';
  }
}
