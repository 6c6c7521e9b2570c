/**
 * Global setup of the in-cluster suite. DBWARDEN_CLUSTER=local (the default): the local environment with its
 * node (`env:up --node`), and dbwarden's images built from their Dockerfiles and loaded into the node's
 * containerd. DBWARDEN_CLUSTER=existing: the cluster KUBECONFIG names, with the images already loaded under
 * the same names (hack/kind-e2e.sh does that). Prints how long each stage took.
 */
import { health, up } from '../../hack/env/environment.js';
import { envVars } from '../../hack/env/envfile.js';
import { ensureKubectl, pathWithKubectl } from '../../hack/env/kubectl.js';
import { info } from '../../hack/env/log.js';
import { loadState } from '../../hack/env/state.js';
import { buildImages } from '../../hack/images/images.js';
import { importArchives, nodeRuntime } from '../../hack/images/load.js';

export default async function setup(): Promise<void> {
  const target = process.env.DBWARDEN_CLUSTER ?? 'local';
  if (target === 'existing') {
    if (!process.env.KUBECONFIG) throw new Error('DBWARDEN_CLUSTER=existing needs KUBECONFIG naming the cluster to test');
    process.env.PATH = pathWithKubectl(await ensureKubectl());
    info(`in-cluster suite: the cluster of ${process.env.KUBECONFIG}`);
    return;
  }
  if (target !== 'local') throw new Error(`DBWARDEN_CLUSTER must be local or existing, not ${target}`);
  const t0 = Date.now();
  const before = await health(loadState());
  const state = await up({ node: true });
  const tNode = Date.now();
  info(`in-cluster suite: node ${before.node ? 'reused' : 'started'} in ${((tNode - t0) / 1000).toFixed(0)}s`);
  const built = await buildImages();
  const runtime = nodeRuntime(state);
  if (!runtime) throw new Error('the local node records no containerd socket: env:up --node did not start it');
  await importArchives(runtime, built.images.map((image) => image.archive.file));
  info(`in-cluster suite: images ${built.basesBuilt ? 'built cold' : 'built'} and loaded in ${((Date.now() - tNode) / 1000).toFixed(0)}s`);
  Object.assign(process.env, envVars(state), { DBWARDEN_CLUSTER_API_PORT: String(state.controlPlane?.apiPort ?? '') });
}
