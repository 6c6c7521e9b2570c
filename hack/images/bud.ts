import { EnvError } from '../env/errors.js';
import { heartbeat } from '../env/log.js';
import { buildah, imageId } from './buildah.js';

export interface BudOptions {
  /** The Dockerfile or Containerfile, and the build context (paths). */
  file: string;
  context: string;
  /** The image ref to tag. */
  ref: string;
  buildArgs: Record<string, string>;
  /** Rebuild every step instead of reusing cached layers. */
  noCache?: boolean;
}

/**
 * `buildah bud` of a Dockerfile as written, with its bases passed as build arguments. Chroot isolation: the
 * RUN steps need no OCI runtime, no user namespace and share the machine's network (the build stage's
 * `npm ci` reaches the npm registry). --layers caches each step, so a warm build reuses `npm ci`, and the
 * operator and console builds share their identical first steps. Returns the image ID.
 */
export async function bud(options: BudOptions): Promise<string> {
  let last = '';
  const stop = heartbeat(15_000, (s) => `${s}s${last ? `: ${last}` : ''}`);
  try {
    await buildah([
      'bud',
      '--isolation', 'chroot',
      '--layers',
      '--pull=never',
      ...(options.noCache ? ['--no-cache'] : []),
      ...Object.entries(options.buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
      '-f', options.file,
      '-t', options.ref,
      options.context,
    ], {
      onLine: (line) => {
        if (/^(\[\d+\/\d+\] )?STEP \d+/.test(line)) last = line.slice(0, 100);
      },
    });
  } catch (err) {
    throw new EnvError(
      `building ${options.ref} from ${options.file} failed: ${(err as Error).message}`,
      'a step cached from an earlier broken run (npm can exit 0 after a network error) is cleared by npm run images -- --no-cache',
    );
  } finally {
    stop();
  }
  const id = await imageId(options.ref);
  if (!id) throw new EnvError(`buildah reported success but ${options.ref} is not in the store`);
  return id;
}
