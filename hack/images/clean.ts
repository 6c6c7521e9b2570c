import { readFileSync, rmSync } from 'node:fs';
import { info, step } from '../env/log.js';
import { run } from '../env/proc.js';
import { buildah } from './buildah.js';
import { archiveDir, imagesCacheDir, storageRoot, storageRunRoot } from './paths.js';

/** Mount points at or under dir, deepest first (from /proc/self/mounts; octal escapes such as \040 decoded). */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => (line.split(' ')[1] ?? '').replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/**
 * Removes every local image, base and download (`npm run images -- --clean`): working containers first, then
 * any overlay mount an interrupted build left, then the directories. The next build is cold.
 */
export async function cleanImages(): Promise<void> {
  await step(`Removing the image cache (${imagesCacheDir}) and the archives (${archiveDir})`, async () => {
    await buildah(['rm', '--all']).catch(() => undefined);
    await buildah(['rmi', '--all', '--force']).catch(() => undefined);
    for (const mount of mountsUnder(storageRoot)) {
      await run('umount', [mount]).catch(() => run('umount', ['--lazy', mount]).catch(() => info(`  could not unmount ${mount}`)));
    }
    for (const dir of [imagesCacheDir, storageRunRoot, archiveDir]) rmSync(dir, { recursive: true, force: true });
  });
}
