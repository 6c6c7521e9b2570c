/**
 * `npm run demo -- --cluster`: the demo with dbwarden running as pods on the local node, installed by its
 * Helm chart from the images built here. Stages, each timed: the environment with the node, the images
 * (built and loaded into the node), the install (CRDs, demo objects, Helm), Ready (both Deployments and the
 * demo's policies). Then a port-forward to the console until Ctrl-C.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { down, downNode, health, up } from '../env/environment.js';
import { envVars } from '../env/envfile.js';
import { EnvError } from '../env/errors.js';
import { info, step } from '../env/log.js';
import { cacheDir, devDir, envFile } from '../env/paths.js';
import { loadState } from '../env/state.js';
import { buildImages } from '../images/images.js';
import { loadIntoNode } from '../images/load.js';
import { helmPath } from '../helm.js';
import { aiSettings, chartDir, consoleName, consoleReplicas, demoValues, installChart, operatorName, operatorReplicas, release } from './chart.js';
import { consoleNamespace, createDemoUser } from './console.js';
import { ensureDemoData } from './data.js';
import { waitForDeployments } from './deployments.js';
import { demoManifests, demoNamespace } from './manifests.js';
import { applyCrds, applyObjects, kubectlFor, waitForPolicies } from './objects.js';
import { startPortForward } from './port-forward.js';
import { printSignIn, printTry } from './sign-in.js';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export async function clusterDemo(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new EnvError('npm run demo -- --cluster needs root',
      'the local node (namespaces, cgroups, containerd) and the image builds (mmdebstrap, buildah) run as root: run it with sudo');
  }
  const t0 = Date.now();
  const timings: Array<[string, number]> = [];
  const stage = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    info(`━━ ${name}`);
    const result = await run();
    timings.push([name, Date.now() - start]);
    info(`━━ ${name}: ${seconds(Date.now() - start)}`);
    return result;
  };
  info('Cluster demo: dbwarden as pods on the local node, installed by charts/dbwarden from images built here.');
  info(`  The first run on a machine builds the node (Kubernetes with kubelet, containerd, kube-router), Helm and the`);
  info(`  images from source, cached in ${cacheDir}/: many minutes on 2 cores (see docs/install.md). Later runs reuse them.`);

  const before = await health(loadState());
  const envWasUp = before.controlPlane && before.postgres && before.mariadb;
  const nodeWasUp = envWasUp && before.node === true;

  const state = await stage('Environment with the node', () => up({ node: true }));
  const node = state.node;
  if (!node || !state.controlPlane) throw new EnvError('env:up --node recorded no node', 'see .dev/logs/');
  const env = envVars(state);
  const kubectl = kubectlFor(env);

  const built = await stage('Images (build, load into the node)', async () => {
    // The databases run on the host here, so the database test images are not needed.
    const result = await buildImages({ databases: false });
    const loaded = await loadIntoNode(result.images.map((i) => i.archive.file));
    if (!loaded) throw new EnvError('the node is not running: the images could not be loaded', 'see .dev/logs/ and npm run env:status');
    const byName = (name: string) => {
      const image = result.images.find((i) => i.name === name);
      if (!image) throw new EnvError(`no ${name} image was built`);
      return { ref: image.ref, id: image.id };
    };
    info(`  ${result.basesBuilt ? 'cold: the local base images were made' : 'bases cached'}; build ${seconds(result.seconds * 1000)}`);
    return { operator: byName('operator'), console: byName('console') };
  });

  const ai = aiSettings(node.hostIp);
  await stage(`Install (CRDs, namespace ${demoNamespace}, Helm release ${release})`, async () => {
    const data = await ensureDemoData(env);
    await step('CRDs from charts/dbwarden/crds (first, as docs/upgrade.md says)', () => applyCrds(kubectl, join(chartDir, 'crds')));
    const databases = { host: node.hostIp, postgresPort: node.hostPorts.postgres!, mariadbPort: node.hostPorts.mariadb! };
    await step(`The demo objects: connections to ${node.hostIp}:${databases.postgresPort} and :${databases.mariadbPort}, verify-full`, () =>
      applyObjects(kubectl, demoManifests(databases, data, readFileSync(env.PGSSLROOTCERT!, 'utf8'))));
    const values = demoValues({ hostIp: node.hostIp, apiPort: state.controlPlane!.apiPort, databasePorts: [databases.postgresPort, databases.mariadbPort] }, built, ai);
    await step(`helm upgrade --install ${release} charts/dbwarden -n ${consoleNamespace}`, () => installChart(kubectl, env, values, ai));
    await step('The demo user and its token', () => createDemoUser(kubectl));
  });

  await stage(`Ready (operator ${operatorReplicas}/${operatorReplicas}, console ${consoleReplicas}/${consoleReplicas}, 4 policies)`, async () => {
    await step('Waiting for the operator and the console Deployments', () => waitForDeployments(kubectl, consoleNamespace, [operatorName, consoleName]));
    await step('Waiting for the demo policies to be Ready', () => waitForPolicies(kubectl, 180));
  });

  mkdirSync(join(devDir, 'logs'), { recursive: true });
  const logFile = join(devDir, 'logs', 'port-forward.log');
  const forward = await step('Port-forward to the console', () =>
    startPortForward({ env, namespace: consoleNamespace, service: consoleName, servicePort: 80, logFile }));
  try {
    const res = await fetch(`${forward.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new EnvError(`the console answered /healthz with ${res.status}`);
  } catch (err) {
    await forward.stop();
    throw err instanceof EnvError ? err : new EnvError(`the console did not answer through the port-forward: ${(err as Error).message}`, `see ${logFile}`);
  }

  const { stdout: table } = await kubectl(['get', 'dbwarden', '-n', demoNamespace]);
  const { stdout: pods } = await kubectl(['get', 'pods', '-n', consoleNamespace, '-o', 'wide']);
  const { stdout: leader } = await kubectl(['get', 'lease', operatorName, '-n', consoleNamespace, '-o', 'jsonpath={.spec.holderIdentity}']);
  info(`\n${table}\n${pods}`);
  info(`Timings: ${timings.map(([name, ms]) => `${name.replace(/ \(.*/, '').toLowerCase()} ${seconds(ms)}`).join(', ')}; total ${seconds(Date.now() - t0)}.`);
  info('');
  info(`dbwarden runs in the cluster: Helm release ${release} in namespace ${consoleNamespace} (restricted Pod Security), operator ${operatorReplicas} replicas (leader ${leader.trim() || 'not elected yet'}) watching namespace ${demoNamespace}.`);
  info('');
  printSignIn(`${forward.url}   (${forward.command}, run by the demo)`);
  if (!ai) {
    info('  AI:       off. To ask in plain language, stop and run again with OPENAI_API_KEY set (and OPENAI_BASE_URL, OPENAI_MODEL).');
    info(`            Pods reach only the node and this host, at ${node.hostIp}: the model server must listen there.`);
  } else {
    info(`  AI:       model ${ai.model} at ${ai.baseURL} (key in Secret ${consoleNamespace}/${ai.secretName}).`);
    if (ai.note) info(`            Note: ${ai.note}.`);
  }
  printTry();
  info('');
  info(`  source ${envFile}`);
  info(`  kubectl get pods -n ${consoleNamespace}; kubectl logs -n ${consoleNamespace} deploy/${operatorName}; kubectl get dbwarden -n ${demoNamespace}`);
  info(`  ${helmPath()} status ${release} -n ${consoleNamespace}`);
  info(nodeWasUp
    ? 'Press Ctrl-C to stop the port-forward (the release stays installed in the environment you started; see docs/uninstall.md).'
    : `Press Ctrl-C to stop: the port-forward, then the ${envWasUp ? 'node' : 'environment'} the demo started.`);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  info('stopping…');
  await forward.stop();
  if (nodeWasUp) {
    // The environment is the user's: dbwarden stays installed in it, like any install, and a second run
    // upgrades it in place. Removing it properly deletes the policies (and their database users) first.
    info(`dbwarden stays installed. To remove it in order (docs/uninstall.md): kubectl delete accesspolicies --all -n ${demoNamespace} --wait;`);
    info(`  ${helmPath()} uninstall ${release} -n ${consoleNamespace}. Or remove the whole environment: npm run env:down`);
  } else if (!envWasUp) {
    await down();
  } else if (!nodeWasUp) {
    const left = await downNode();
    for (const item of left) info(`  left behind: ${item}`);
    if (left.length) throw new EnvError('the node left something behind (listed above)', 'remove it by hand, and report it');
    info('  the node left nothing behind; the control plane and the databases still run (npm run env:down stops them)');
  }
}
