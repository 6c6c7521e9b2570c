/** An error that retrying cannot fix: the work queue forgets the key instead of backing off. */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/**
 * Whether a reconcile error should stop the retries: a TerminalError, or any error that says
 * `retryable: false` (the convention of the controllers' and engines' typed errors).
 */
export function isTerminal(err: unknown): boolean {
  if (err instanceof TerminalError) return true;
  return typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === false;
}
