/**
 * `npm run images`: dbwarden's images without Docker or a registry. Makes local base images from Debian
 * packages and the npm registry's Node.js, builds the operator and console from their Dockerfiles (and the
 * PostgreSQL and MariaDB test images) with buildah, writes OCI archives to .dev/images/ and loads them into
 * the local node's containerd when one runs.
 *   --no-databases   skip the PostgreSQL and MariaDB images
 *   --no-cache       rebuild every Dockerfile step (the bases stay cached by their inputs)
 *   --no-load        do not load into the node
 *   --clean          first remove every local image, base and download (the build is then cold)
 */
import { relative } from 'node:path';
import { EnvError, runMain } from '../env/errors.js';
import { info } from '../env/log.js';
import { repoRoot } from '../env/paths.js';
import { cleanImages } from './clean.js';
import { buildImages } from './images.js';
import { loadIntoNode } from './load.js';
import { storageRoot } from './paths.js';

const known = new Set(['--no-databases', '--no-cache', '--no-load', '--clean']);

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;

async function main(args: string[]): Promise<void> {
  const unknown = args.filter((a) => !known.has(a));
  if (unknown.length) throw new EnvError(`unknown option ${unknown.join(' ')}`, `use: ${[...known].join(' ')}`);
  if (args.includes('--clean')) await cleanImages();
  const result = await buildImages({ databases: !args.includes('--no-databases'), noCache: args.includes('--no-cache') });
  info('');
  info(`Images built in ${result.seconds.toFixed(0)} s (${result.basesBuilt ? 'cold: local bases made' : 'bases cached'}; store ${storageRoot}):`);
  for (const image of result.images) {
    info(`  ${image.ref.padEnd(34)} ${mb(image.size).padStart(7)}  ${relative(repoRoot, image.archive.file)} (${mb(image.archive.bytes)}${image.archive.written ? '' : ', unchanged'})  ${image.seconds.toFixed(0)} s`);
  }
  info(`  bases: ${result.bases.build} (build), ${result.bases.runtime} (runtime)`);
  if (!args.includes('--no-load')) await loadIntoNode(result.images.map((i) => i.archive.file));
}

runMain(() => main(process.argv.slice(2)));
