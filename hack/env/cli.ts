import { EnvError, runMain } from './errors.js';
import { down, health, up } from './environment.js';
import { info } from './log.js';
import { envFile, kubeconfigFile } from './paths.js';
import { ensureNodeBinaries } from './node/binaries.js';
import { loadState } from './state.js';

async function main(command: string | undefined, flags: string[]): Promise<void> {
  const unknown = flags.filter((f) => f !== '--node');
  if (unknown.length) throw new EnvError(`unknown option ${unknown.join(' ')}`, 'use: up [--node] | down | status | build');
  switch (command) {
    case 'build': {
      // Builds (or finds cached) every binary the environment and its node run, without starting anything.
      const binaries = await ensureNodeBinaries();
      for (const [name, path] of Object.entries(binaries)) info(`${name.padEnd(11)} ${path}`);
      return;
    }
    case 'up': {
      const state = await up({ node: flags.includes('--node') });
      info('');
      info('Local environment is up:');
      info(`  Kubernetes ${state.controlPlane?.version} API server  https://127.0.0.1:${state.controlPlane?.apiPort}  (KUBECONFIG=${kubeconfigFile})`);
      info(`  ${state.postgres?.version}  127.0.0.1:${state.postgres?.port}  user ${state.postgres?.user}, TLS verified against .dev/db-pki/ca.crt`);
      info(`  ${state.mariadb?.version}  127.0.0.1:${state.mariadb?.port}  user ${state.mariadb?.user}, TLS verified against .dev/db-pki/ca.crt`);
      const node = state.node;
      if (node) {
        info(`  Node ${node.name} (kubelet ${node.kubernetesVersion}, containerd ${node.containerdVersion}), InternalIP ${node.nodeIp}, pods ${node.podCidr}`);
        info(`    pods reach the host at ${node.hostIp} (forwarded: ${Object.entries(node.hostPorts).map(([k, v]) => `${k} ${v}`).join(', ')}),`);
        info(`    the API server at https://${node.apiServiceIp}:443 (the kubernetes Service)`);
        info(`    images: ctr --address ${node.containerdSocket} -n ${node.criNamespace} images import <archive>  (ctr: ${node.ctr})`);
      }
      info('');
      info(`Use it from a shell:  source ${envFile}`);
      info('  kubectl get --raw /readyz');
      info('  psql            (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSLMODE=verify-full, PGSSLROOTCERT are set)');
      info('  mariadb -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u "$MYSQL_USER" -p"$MYSQL_PASSWORD" --ssl-ca="$MYSQL_SSL_CA" --ssl-verify-server-cert');
      info('Stop it and remove its data:  npm run env:down');
      return;
    }
    case 'down':
      await down();
      return;
    case 'status': {
      const h = await health(loadState());
      for (const [name, ok] of Object.entries(h)) info(`${name.padEnd(13)} ${ok ? 'running' : 'not running'}`);
      process.exitCode = Object.values(h).every(Boolean) ? 0 : 1;
      return;
    }
    default:
      throw new EnvError(`unknown command ${command ?? '(none)'}`, 'use: up [--node] | down | status | build');
  }
}

runMain(() => main(process.argv[2], process.argv.slice(3)));
