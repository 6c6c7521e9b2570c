import { mkdirSync } from 'node:fs';
import { run, type RunOptions, type RunResult } from '../env/proc.js';
import { storageRoot, storageRunRoot } from './paths.js';

/** The storage flags every buildah call gets: the project's store, with the kernel's overlay driver. */
export function storageFlags(): string[] {
  return ['--root', storageRoot, '--runroot', storageRunRoot, '--storage-driver', 'overlay'];
}

/** Runs buildah against the project's image store. */
export function buildah(args: string[], options: RunOptions = {}): Promise<RunResult> {
  mkdirSync(storageRoot, { recursive: true });
  mkdirSync(storageRunRoot, { recursive: true, mode: 0o700 });
  return run('buildah', [...storageFlags(), ...args], options);
}

/** The image's ID when the store holds ref, else undefined. */
export async function imageId(ref: string): Promise<string | undefined> {
  try {
    const { stdout } = await buildah(['inspect', '--type', 'image', '--format', '{{.FromImageID}}', ref]);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The uncompressed size of an image's layers in bytes, from buildah's rounded figure ("137 MB"). */
export async function imageSize(ref: string): Promise<number> {
  const { stdout } = await buildah(['images', '--json', ref]);
  const [image] = JSON.parse(stdout) as { size?: string }[];
  return parseSize(image?.size ?? '');
}

/** "137 MB" -> 137e6 (buildah's units are decimal: B, kB, MB, GB). */
export function parseSize(text: string): number {
  const m = /^([\d.]+)\s*(B|kB|KB|MB|GB|TB)$/.exec(text.trim());
  if (!m) return Number.NaN;
  const unit = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 }[m[2] as 'B'];
  return Math.round(Number(m[1]) * unit);
}

/**
 * A working container from base (or `scratch`), mounted: fill(root) writes its files as root, with their
 * ownership and modes kept, then config and commit make it the image ref.
 */
export async function commitFromFiles(
  base: string,
  ref: string,
  fill: (root: string) => Promise<void>,
  config: string[],
): Promise<void> {
  const container = (await buildah(['from', '--pull=never', base])).stdout.trim();
  try {
    const root = (await buildah(['mount', container])).stdout.trim();
    try {
      await fill(root);
    } finally {
      await buildah(['umount', container]);
    }
    if (config.length) await buildah(['config', ...config, container]);
    await buildah(['commit', '--quiet', '--rm', container, ref]);
  } catch (err) {
    await buildah(['rm', container]).catch(() => undefined);
    throw err;
  }
}

/** Calls use(root) with the files of image ref mounted read-write in a throwaway working container. */
export async function withImageFiles<T>(ref: string, use: (root: string) => Promise<T>): Promise<T> {
  const container = (await buildah(['from', '--pull=never', ref])).stdout.trim();
  try {
    const root = (await buildah(['mount', container])).stdout.trim();
    try {
      return await use(root);
    } finally {
      await buildah(['umount', container]);
    }
  } finally {
    await buildah(['rm', container]);
  }
}
