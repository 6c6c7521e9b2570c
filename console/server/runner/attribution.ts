/**
 * What a console query says about itself in the database's own logs, so that a line in pg_stat_activity, the
 * server log, pgaudit, the MariaDB processlist or its audit plugin joins to the console's audit record (same
 * request id), and from there to the person, the question and the model. No personal data: the request id
 * and the policy only.
 *
 * PostgreSQL: `application_name` for the statement's transaction (set_config with a bound parameter).
 * MySQL/MariaDB (no per-transaction application name): a leading comment, which the processlist, the general
 * and slow logs and the audit plugins show with the statement. Built only from characters that cannot end
 * or open anything in SQL (a request id and Kubernetes names), checked here, or left out.
 */
const label = /^[A-Za-z0-9._:/-]{1,300}$/;

/** PostgreSQL keeps the first 63 bytes of an application_name: the request id comes first so it survives. */
export function attributionOf(requestId: string | undefined, namespace: string, policy: string): string | undefined {
  if (!requestId) return undefined;
  const text = `dbwarden:${requestId}:${namespace}/${policy}`;
  return label.test(text) ? text : undefined;
}

/** The statement with its attribution as a leading comment (MySQL/MariaDB); unchanged without one. */
export function withLeadingComment(sql: string, attribution: string | undefined): string {
  if (attribution === undefined) return sql;
  if (!label.test(attribution)) throw new Error('refusing an attribution comment with characters outside [A-Za-z0-9._:/-]');
  return `/* ${attribution} */ ${sql}`;
}

/** The statement that sets PostgreSQL's application_name until the transaction ends; its value is bound ($1). */
export const setApplicationName = "SELECT set_config('application_name', $1, true)";
