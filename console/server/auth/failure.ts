/** A short reason for a failed API call: client-node's messages carry whole response bodies and headers. */
export function kubeFailure(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === 403) return 'HTTP 403: the console\'s ServiceAccount lacks permission (see config/console/rbac.yaml)';
  if (typeof code === 'number') return `HTTP ${code}`;
  return (err as Error).message?.split('\n')[0]?.slice(0, 200) ?? String(err);
}
