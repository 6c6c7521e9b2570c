import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, devDir } from '../env/paths.js';

/** Downloads, rootfs work directories and buildah's image store, shared by every checkout on this machine. */
export const imagesCacheDir = join(cacheDir, 'images');

/** buildah's image store (graph root): not the system default /var/lib/containers. */
export const storageRoot = join(imagesCacheDir, 'storage');

/** Its run root (locks, mount counts): outside the cache so a reboot does not leave stale state behind. */
export const storageRunRoot = join(tmpdir(), `dbwarden-images-${createHash('sha256').update(storageRoot).digest('hex').slice(0, 10)}`);

/** npm registry tarballs (Node.js, npm), kept by name and version. */
export const downloadsDir = join(imagesCacheDir, 'downloads');

/** Root filesystems while they are assembled (removed once committed to an image). */
export const workDir = join(imagesCacheDir, 'work');

/** The archives `npm run images` writes for this checkout, ready for `ctr images import`. */
export const archiveDir = join(devDir, 'images');
