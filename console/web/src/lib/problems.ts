import { ApiError } from '../api/client.js';

/** A failure as the page tells it: a short title in plain words, the server's own message, what to do. */
export interface Problem {
  title: string;
  message: string;
  hint?: string;
  code: string;
}

const titles: Record<string, { title: string; hint?: string }> = {
  guard_rejected: { title: 'Refused by the SQL guard', hint: 'The statement was not run. The guard allows one read-only statement over this policy\'s tables.' },
  preview_required: { title: 'Previewed, not run', hint: 'Writes are previewed first and nothing has changed.' },
  // The console's messages for these already say that nothing changed and to preview again.
  preview_stale: { title: 'The rows changed since the preview' },
  token_expired: { title: 'The preview expired' },
  token_used: { title: 'This preview was already used' },
  token_invalid: { title: 'The preview was not accepted' },
  token_other_replica: { title: 'The preview was made by another console' },
  token_other_caller: { title: 'The preview belongs to another user' },
  token_other_policy: { title: 'The preview was made through another policy' },
  token_other_statement: { title: 'The preview was made for another statement' },
  not_a_write: { title: 'Not a write' },
  preview_unsupported: { title: 'This write cannot be previewed', hint: 'The console runs only writes it can preview; nothing was changed.' },
  not_transactional: { title: 'This table has no transactions', hint: 'A write to it cannot be previewed and rolled back; nothing was changed.' },
  database_error: { title: 'The database refused the statement', hint: 'The policy\'s database user ran it; the database\'s message follows.' },
  statement_timeout: { title: 'The query took too long', hint: 'It ran past the policy\'s statement timeout and was cancelled. Narrow it down (WHERE, LIMIT) and try again.' },
  unauthenticated: { title: 'Not signed in', hint: 'Your token is missing, expired or not accepted by the Kubernetes API server. Sign in again.' },
  forbidden: { title: 'Not allowed', hint: 'Kubernetes RBAC does not let you query this policy. Ask an administrator for a RoleBinding to the ClusterRole dbwarden-console-user.' },
  console_disabled: { title: 'The console is disabled for this policy' },
  not_found: { title: 'Not found' },
  policy_not_ready: { title: 'The policy is not ready yet', hint: 'The operator has not provisioned its database user; try again in a moment.' },
  too_many_requests: { title: 'Too many queries at once', hint: 'Wait a moment and try again.' },
  database_unavailable: { title: 'The database cannot be reached' },
  ai_error: { title: 'The AI model failed' },
  ai_not_configured: { title: 'AI is not enabled on this console' },
  kubernetes_unavailable: { title: 'Kubernetes cannot answer', hint: 'Try again in a moment.' },
  shutting_down: { title: 'The console is restarting', hint: 'Try again in a moment.' },
  network_error: { title: 'The console cannot be reached' },
  invalid_request: { title: 'The request was not accepted' },
  invalid_answer: { title: 'The model\'s answer could not be used' },
};

export function problemOf(err: unknown): Problem {
  if (err instanceof ApiError) {
    const known = titles[err.code];
    return { code: err.code, title: known?.title ?? `Error ${err.status || ''}`.trim(), message: err.message, ...(known?.hint ? { hint: known.hint } : {}) };
  }
  return { code: 'internal', title: 'Something went wrong', message: err instanceof Error ? err.message : String(err) };
}

/** The plain-words title of a refusal code (the model's attempts). */
export const refusalTitle = (code: string): string => titles[code]?.title ?? code;
