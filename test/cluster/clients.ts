/**
 * Workloads that use a policy's credentials the way an application does: the Secret mounted as files, read
 * again on every attempt, one login and one query a second. Each attempt prints one line, `ok <n> <user>
 * <answer>` or `fail <n> <user> <error>`, and never the password. They run in the database images, which
 * carry the psql and mariadb clients.
 */
import { images, type Engine } from './databases.js';

const loop = {
  postgres: `
i=0
while true; do
  i=$((i+1)); user=$(cat /creds/username 2>/dev/null)
  if out=$(PGCONNECT_TIMEOUT=3 PGSSLROOTCERT=/creds/ca.crt psql "$(cat /creds/uri)" -qtAc "$QUERY" 2>&1); then echo "ok $i $user $out"
  else echo "fail $i $user $(printf '%s' "$out" | tr '\\n' ' ' | head -c 300)"; fi
  sleep 1
done`,
  mysql: `
i=0
while true; do
  i=$((i+1)); user=$(cat /creds/username 2>/dev/null)
  if out=$(MYSQL_PWD="$(cat /creds/password)" mariadb --host="$(cat /creds/host)" --port="$(cat /creds/port)" --user="$user" \\
      --ssl-ca=/creds/ca.crt --ssl-verify-server-cert --connect-timeout=3 --batch --skip-column-names \\
      --database="$(cat /creds/database)" -e "$QUERY" 2>&1); then echo "ok $i $user $out"
  else echo "fail $i $user $(printf '%s' "$out" | tr '\\n' ' ' | head -c 300)"; fi
  sleep 1
done`,
};

/** The container every client runs: non-root, no privileges, so it also fits a `restricted` namespace. */
function container(engine: Engine, query: string, mounts: object[]): object {
  return {
    name: 'client',
    image: images[engine],
    imagePullPolicy: 'IfNotPresent',
    command: ['sh', '-c', loop[engine]],
    env: [{ name: 'QUERY', value: query }],
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    volumeMounts: mounts,
  };
}

const podSecurity = { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, seccompProfile: { type: 'RuntimeDefault' } };

/** A Deployment whose pods log in with the policy's Secret `secret` in a loop. */
export function clientDeployment(options: { name: string; namespace: string; engine: Engine; secret: string; labels: Record<string, string>; query?: string }): object {
  const { name, namespace, engine, secret, labels } = options;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 1,
          securityContext: podSecurity,
          containers: [container(engine, options.query ?? 'SELECT count(*) FROM products', [{ name: 'creds', mountPath: '/creds', readOnly: true }])],
          volumes: [{ name: 'creds', secret: { secretName: secret } }],
        },
      },
    },
  };
}

/**
 * A pod that tries to reach a database with made-up credentials: `fail … Access denied` / `password
 * authentication failed` means the network let it through; a timeout means the network stopped it.
 */
export function reachabilityProbe(options: { name: string; namespace: string; engine: Engine; host: string; port: number; labels: Record<string, string> }): object {
  const { name, namespace, engine, host, port, labels } = options;
  const creds = { username: 'nobody_probe', password: 'not-a-real-password-0', host, port: String(port), database: 'shop' };
  const uri = `postgresql://${creds.username}:${creds.password}@${host}:${port}/shop?sslmode=require`;
  const files = Object.entries({ ...creds, uri }).map(([key, value]) => `printf '%s' '${value}' > /tmp/creds/${key}`).join('; ');
  const base = container(engine, 'SELECT 1', [{ name: 'tmp', mountPath: '/tmp' }]) as { command: string[] };
  // No CA: a probe only asks whether the server answers; mariadb's verification is dropped for it.
  const script = `mkdir -p /tmp/creds; ${files}; ${loop[engine]
    .replace(/\/creds\//g, '/tmp/creds/')
    .replace(' --ssl-ca=/tmp/creds/ca.crt --ssl-verify-server-cert', ' --ssl')}`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: {
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 1,
      securityContext: podSecurity,
      containers: [{ ...base, command: ['sh', '-c', script] }],
      volumes: [{ name: 'tmp', emptyDir: {} }],
    },
  };
}

/** Whether a `fail` line says the server answered (refused the login) rather than the network dropping it. */
export const serverAnswered = (line: string): boolean => /password authentication failed|Access denied|no pg_hba|SSL/i.test(line) && !/timeout|timed out|\(110\)|Can't connect/i.test(line);
/** Whether a `fail` line is the network's doing: a timeout, or a connection refused or reset. */
export const networkStopped = (line: string): boolean => /timeout expired|timed out|\(110\)|Can't connect|Connection refused|reset by peer|No route/i.test(line);
