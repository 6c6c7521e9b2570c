import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EnvError } from '../errors.js';
import { ensurePackages } from '../packages.js';
import { run } from '../proc.js';
import type { NodeBinaries } from './binaries.js';
import { criNamespace } from './containerd.js';

/**
 * Images the node needs without a registry, made here as OCI archives and imported into containerd:
 * the pod sandbox (a static Go `pause`) and a small test image (Debian's static busybox).
 */
export const pauseImage = 'localhost/dbwarden/pause:1';
export const busyboxImage = 'localhost/dbwarden/busybox:1.35';

const busyboxBinary = '/bin/busybox';
const busyboxApplets = ['sh', 'echo', 'cat', 'ls', 'sleep', 'wget', 'nc', 'httpd', 'env', 'hostname', 'true', 'false', 'test', 'printf', 'timeout', 'ip', 'ping', 'id', 'mkdir', 'grep'];

export interface ImageArchive {
  name: string;
  archive: string;
}

export interface ImageSpec {
  name: string;
  /** Files to copy in: source path on this machine → path in the image (mode 0755). */
  files: Record<string, string>;
  entrypoint?: string[];
  cmd?: string[];
  /** uid:gid the image runs as. */
  user?: string;
}

/** Writes a one-layer OCI image archive with hack/nodetools/oci-image (reproducible: same input, same digest). */
export async function writeImageArchive(ociImage: string, spec: ImageSpec, archive: string): Promise<ImageArchive> {
  await run(ociImage, [
    '--name', spec.name, '--out', archive,
    ...Object.entries(spec.files).flatMap(([source, path]) => ['--file', `${source}:${path}:0755`]),
    ...(spec.entrypoint ?? []).flatMap((word) => ['--entrypoint', word]),
    ...(spec.cmd ?? []).flatMap((word) => ['--cmd', word]),
    ...(spec.user ? ['--user', spec.user] : []),
  ]);
  return { name: spec.name, archive };
}

/** Writes the pause and busybox archives next to the node tools (cached with them). */
export async function ensureNodeImages(bins: NodeBinaries): Promise<{ pause: ImageArchive; busybox: ImageArchive }> {
  await ensurePackages([{ pkg: 'busybox-static', provides: busyboxBinary }]);
  const dir = join(dirname(bins.ociImage), 'images');
  mkdirSync(dir, { recursive: true });
  const pause = { name: pauseImage, archive: join(dir, 'pause.tar') };
  if (!existsSync(pause.archive)) {
    await writeImageArchive(bins.ociImage, { name: pause.name, files: { [bins.pause]: '/pause' }, entrypoint: ['/pause'], user: '65535:65535' }, pause.archive);
  }
  const busybox = { name: busyboxImage, archive: join(dir, 'busybox.tar') };
  if (!existsSync(busybox.archive)) {
    await run(bins.ociImage, ['--name', busybox.name, '--out', busybox.archive, '--file', `${busyboxBinary}:/bin/busybox:0755`,
      ...busyboxApplets.flatMap((a) => ['--symlink', `busybox:/bin/${a}`]), '--cmd', '/bin/sh']);
  }
  return { pause, busybox };
}

/** Imports an OCI (or docker) image archive into the node's CRI namespace, where the kubelet finds it. */
export async function importArchive(ctr: string, socket: string, archive: string): Promise<void> {
  if (!existsSync(archive)) throw new EnvError(`image archive ${archive} does not exist`);
  await run(ctr, ['--address', socket, '-n', criNamespace, 'images', 'import', archive]);
}
