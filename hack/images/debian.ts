import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EnvError } from '../env/errors.js';
import { heartbeat, info, step } from '../env/log.js';
import { run } from '../env/proc.js';
import { commitFromFiles, imageId } from './buildah.js';
import { cacheKey } from './cache-key.js';
import { workDir } from './paths.js';

/** A local base image, and whether this run had to make it. */
export interface Base {
  ref: string;
  built: boolean;
}

/** The Debian release every local image is made from (distroless nodejs20 is debian12 too). */
export const debianSuite = 'bookworm';

/** Debian's architecture name for this machine (local images are built for it only). */
export function debianArch(): string {
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch as string];
  if (!arch) throw new EnvError(`local images are built on amd64 or arm64 machines, not ${process.arch}`);
  return arch;
}

function mirrors(): string[] {
  const main = process.env.DBWARDEN_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
  const security = process.env.DBWARDEN_DEBIAN_SECURITY_MIRROR ?? 'http://deb.debian.org/debian-security';
  return [
    `deb ${main} ${debianSuite} main`,
    `deb ${main} ${debianSuite}-updates main`,
    `deb ${security} ${debianSuite}-security main`,
  ];
}

/**
 * minbase (Essential packages and apt, like debian:bookworm-slim) plus what the images derived from it take
 * files from: the CA bundle, time zones, /etc/services. Documentation, manuals and translations are left
 * out as in the slim images, but not the copyright files.
 */
const packages = ['ca-certificates', 'tzdata', 'netbase'];
const dpkgOptions = [
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/locale/*',
  'path-exclude=/usr/share/info/*',
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
];

/** The image ref (tagged with the hash of its inputs) of the Debian base, built with mmdebstrap when missing. */
export async function ensureDebianBase(): Promise<Base> {
  const inputs = { suite: debianSuite, arch: debianArch(), mirrors: mirrors(), packages, dpkgOptions };
  const ref = `localhost/dbwarden-base/debian:${debianSuite}-${cacheKey(inputs, ['hack/images/debian.ts'])}`;
  if (await imageId(ref)) {
    info(`Debian ${debianSuite} base: cached (${ref})`);
    return { ref, built: false };
  }
  await step(`Making a Debian ${debianSuite} root filesystem with mmdebstrap (${ref})`, async () => {
    const rootfs = join(workDir, `debian-${process.pid}`);
    rmSync(rootfs, { recursive: true, force: true });
    mkdirSync(workDir, { recursive: true });
    let last = '';
    const stop = heartbeat(15_000, (s) => `${s}s${last ? `: ${last}` : ''}`);
    try {
      await run('mmdebstrap', [
        '--mode=root',
        '--variant=minbase',
        `--architectures=${debianArch()}`,
        '--format=directory',
        `--include=${packages.join(',')}`,
        ...dpkgOptions.map((o) => `--dpkgopt=${o}`),
        // The build machine's name and resolver are not the image's: runtimes provide their own.
        '--customize-hook=rm -f "$1/etc/resolv.conf" "$1/etc/hostname"',
        debianSuite,
        rootfs,
        ...mirrors(),
      ], { onLine: (line) => (last = line.slice(0, 100)) });
      await commitFromFiles('scratch', ref, async (root) => {
        await run('cp', ['-a', `${rootfs}/.`, `${root}/`]);
      }, [
        '--env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        '--cmd', '["bash"]',
        '--os', 'linux',
        '--arch', debianArch(),
        '--label', `org.opencontainers.image.description=Debian ${debianSuite} minbase made with mmdebstrap by dbwarden's npm run images`,
      ]);
    } catch (err) {
      throw new EnvError(
        `the Debian base image could not be made: ${(err as Error).message}`,
        'mmdebstrap needs root and the Debian archive (deb.debian.org, or set DBWARDEN_DEBIAN_MIRROR)',
      );
    } finally {
      stop();
      rmSync(rootfs, { recursive: true, force: true });
    }
  });
  return { ref, built: true };
}
