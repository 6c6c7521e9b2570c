import { writeFileSync } from 'node:fs';
import { dbPkiDir } from './dbpki.js';
import { envFile, kubeconfigFile } from './paths.js';
import type { EnvState } from './state.js';
import { dirname, join } from 'node:path';
import { pathWithKubectl } from './kubectl.js';

/** The variables tests, scripts and people use to reach the local environment. */
export function envVars(state: EnvState): Record<string, string> {
  const ca = join(dbPkiDir, 'ca.crt');
  const vars: Record<string, string> = { KUBECONFIG: kubeconfigFile };
  // The kubectl built from the control plane's release, ahead of any other on the machine.
  if (state.kubectl) vars.PATH = pathWithKubectl(state.kubectl);
  // For tests that must store objects the way an older CRD let them in (straight into etcd, past validation).
  if (state.controlPlane) vars.DBWARDEN_ETCD_URL = `http://127.0.0.1:${state.controlPlane.etcdPort}`;
  if (state.postgres) {
    Object.assign(vars, {
      PGHOST: '127.0.0.1',
      PGPORT: String(state.postgres.port),
      PGUSER: state.postgres.user,
      PGPASSWORD: state.postgres.password,
      PGDATABASE: 'postgres',
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: ca,
    });
  }
  if (state.mariadb) {
    Object.assign(vars, {
      MYSQL_HOST: '127.0.0.1',
      MYSQL_PORT: String(state.mariadb.port),
      MYSQL_TCP_PORT: String(state.mariadb.port),
      MYSQL_USER: state.mariadb.user,
      MYSQL_PASSWORD: state.mariadb.password,
      MYSQL_SSL_CA: ca,
    });
  }
  if (state.node) {
    Object.assign(vars, {
      // ctr reads these two: `ctr images ls` lists what the kubelet can run.
      CONTAINERD_ADDRESS: state.node.containerdSocket,
      CONTAINERD_NAMESPACE: state.node.criNamespace,
      DBWARDEN_CTR: state.node.ctr,
      DBWARDEN_NODE_HOST_IP: state.node.hostIp,
    });
  }
  return vars;
}

const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/** Writes .dev/env (shell-sourceable, mode 0600 because it holds the local admin passwords). */
export function writeEnvFile(state: EnvState): void {
  const lines = Object.entries(envVars(state)).map(([k, v]) => (k === 'PATH'
    ? `export PATH=${quote(dirname(state.kubectl!))}:"$PATH"`
    : `export ${k}=${quote(v)}`));
  writeFileSync(envFile, `# written by npm run env:up; source it: . .dev/env\n${lines.join('\n')}\n`, { mode: 0o600 });
}
