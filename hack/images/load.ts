import { existsSync } from 'node:fs';
import { EnvError } from '../env/errors.js';
import { info, step } from '../env/log.js';
import { stateFile } from '../env/paths.js';
import { run } from '../env/proc.js';
import { loadState } from '../env/state.js';

/** What the local node records in .dev/state.json under `node` (hack/env, `npm run env:up -- --node`). */
export interface NodeRuntime {
  containerdSocket: string;
  ctr: string;
  /** containerd namespace of the images the kubelet runs (k8s.io unless the node says otherwise). */
  criNamespace?: string;
}

/** The running node's containerd, or undefined when no node runs (nothing recorded, or its socket is gone). */
export function nodeRuntime(state: unknown = loadState()): NodeRuntime | undefined {
  const node = (state as { node?: Partial<NodeRuntime> } | undefined)?.node;
  if (typeof node?.containerdSocket !== 'string' || typeof node.ctr !== 'string') return undefined;
  if (!existsSync(node.containerdSocket)) return undefined;
  return { containerdSocket: node.containerdSocket, ctr: node.ctr, criNamespace: node.criNamespace ?? 'k8s.io' };
}

/**
 * Imports OCI archives into containerd's CRI namespace (`k8s.io`), where the kubelet (CRI) finds them by the
 * names they carry (localhost/dbwarden-operator:dev, ...). The image is unpacked into the default snapshotter.
 */
export async function importArchives(runtime: NodeRuntime, archives: string[]): Promise<void> {
  for (const archive of archives) {
    await step(`Loading ${archive} into the node's containerd (${runtime.containerdSocket})`, async () => {
      await run(runtime.ctr, ['--address', runtime.containerdSocket, '--namespace', runtime.criNamespace ?? 'k8s.io', 'images', 'import', archive]).catch((err: Error) => {
        throw new EnvError(`ctr images import failed: ${err.message}`, `is the node's containerd running? (socket ${runtime.containerdSocket})`);
      });
    });
  }
}

/** Loads the archives into the node when one runs; otherwise says so and returns false (building alone is fine). */
export async function loadIntoNode(archives: string[]): Promise<boolean> {
  const runtime = nodeRuntime();
  if (!runtime) {
    info(`No local node runs (${stateFile} has no node.containerdSocket with a live socket): the images are built, not loaded.`);
    info('  Start one with `npm run env:up -- --node`, then `npm run images` again loads them;');
    info('  or load an archive into any containerd: ctr -n k8s.io images import <archive>');
    return false;
  }
  await importArchives(runtime, archives);
  return true;
}
