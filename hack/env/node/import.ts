import { EnvError } from '../errors.js';
import { loadState } from '../state.js';
import { importArchive } from './images.js';

/**
 * Loads an image archive (OCI layout or docker-archive tar, as buildah/skopeo/docker save write) into the
 * running node, exactly as `ctr --address <socket> -n k8s.io images import <archive>` does. Pods then run
 * it by its name with imagePullPolicy IfNotPresent or Never (no registry is reachable).
 */
export async function importImage(archivePath: string): Promise<void> {
  const node = loadState().node;
  if (!node) throw new EnvError('no local node is running', 'start one with: npm run env:up -- --node');
  await importArchive(node.ctr, node.containerdSocket, archivePath);
}
