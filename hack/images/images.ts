import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvError } from '../env/errors.js';
import { info, step } from '../env/log.js';
import { repoRoot } from '../env/paths.js';
import { writeArchive, type Archive } from './archive.js';
import { ensureBuildBase } from './build-base.js';
import { imageSize } from './buildah.js';
import { bud } from './bud.js';
import { ensureDebianBase } from './debian.js';
import { archiveDir } from './paths.js';
import { ensureRuntimeBase } from './runtime-base.js';
import { ensureBuildTools } from './tools.js';

export type ImageName = 'operator' | 'console' | 'postgres' | 'mariadb';

/** The images `npm run images` makes: where each is defined, its tag, and which local bases it takes. */
export const images: Record<ImageName, { file: string; context: string; ref: string; kind: 'app' | 'database' }> = {
  operator: { file: 'operator/Dockerfile', context: '.', ref: 'localhost/dbwarden-operator:dev', kind: 'app' },
  console: { file: 'console/Dockerfile', context: '.', ref: 'localhost/dbwarden-console:dev', kind: 'app' },
  postgres: { file: 'hack/images/postgres/Containerfile', context: 'hack/images/postgres', ref: 'localhost/dbwarden-postgres:15', kind: 'database' },
  mariadb: { file: 'hack/images/mariadb/Containerfile', context: 'hack/images/mariadb', ref: 'localhost/dbwarden-mariadb:10.11', kind: 'database' },
};

export interface BuildOptions {
  databases?: boolean;
  noCache?: boolean;
}

export interface BuiltImage {
  name: ImageName;
  ref: string;
  id: string;
  /** Uncompressed size of its layers, bytes. */
  size: number;
  archive: Archive;
  seconds: number;
}

export interface BuildResult {
  images: BuiltImage[];
  bases: { debian: string; build: string; runtime: string };
  /** Whether any base had to be made in this run (a cold build). */
  basesBuilt: boolean;
  seconds: number;
}

/** The summary written beside the archives, for whoever loads or deploys them (the node, the demo, tests). */
export const manifestFile = join(archiveDir, 'images.json');

async function buildOne(name: ImageName, buildArgs: Record<string, string>, noCache: boolean): Promise<BuiltImage> {
  const { file, context, ref } = images[name];
  const t0 = Date.now();
  return step(`Building ${ref} from ${file}`, async () => {
    const id = await bud({ file: join(repoRoot, file), context: join(repoRoot, context), ref, buildArgs, noCache });
    const archive = await writeArchive(ref, `dbwarden-${name}`);
    return { name, ref, id, size: await imageSize(ref), archive, seconds: (Date.now() - t0) / 1000 };
  });
}

/**
 * Makes the local bases (cached by their inputs), then every image from its own Dockerfile with them,
 * and writes each as an OCI archive under .dev/images/. The database images build alongside the app images.
 */
export async function buildImages(options: BuildOptions = {}): Promise<BuildResult> {
  const t0 = Date.now();
  if (process.getuid?.() !== 0) {
    throw new EnvError('npm run images needs root', 'mmdebstrap makes the Debian root filesystem as root, and buildah keeps its overlay store as root: run it with sudo');
  }
  await ensureBuildTools();
  mkdirSync(archiveDir, { recursive: true });
  const debianBase = await ensureDebianBase();
  const debian = debianBase.ref;
  const bases = [debianBase, await ensureBuildBase(debian), await ensureRuntimeBase(debian)];
  const [build, runtime] = [bases[1]!.ref, bases[2]!.ref];
  const basesBuilt = bases.some((b) => b.built);

  const noCache = options.noCache ?? false;
  const apps = async (): Promise<BuiltImage[]> => [
    await buildOne('operator', { BUILD_IMAGE: build, RUNTIME_IMAGE: runtime }, noCache),
    await buildOne('console', { BUILD_IMAGE: build, RUNTIME_IMAGE: runtime }, noCache),
  ];
  const databases = async (): Promise<BuiltImage[]> =>
    options.databases === false
      ? []
      : [await buildOne('postgres', { DEBIAN_IMAGE: debian }, noCache), await buildOne('mariadb', { DEBIAN_IMAGE: debian }, noCache)];
  const built = (await Promise.all([apps(), databases()])).flat();

  const result: BuildResult = { images: built, bases: { debian, build, runtime }, basesBuilt, seconds: (Date.now() - t0) / 1000 };
  writeFileSync(manifestFile, `${JSON.stringify(result, null, 2)}\n`);
  info(`  wrote ${manifestFile}`);
  return result;
}
