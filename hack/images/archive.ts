import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildah, imageId } from './buildah.js';
import { archiveDir } from './paths.js';

export interface Archive {
  file: string;
  bytes: number;
  /** False when the archive already held this image (nothing was written). */
  written: boolean;
}

/**
 * Writes image ref as an OCI archive (layers gzip-compressed) named by ref: its index carries
 * `org.opencontainers.image.ref.name` = ref, a full reference, so `ctr images import` names it ref as it is.
 * Skipped when the archive already holds the same image ID.
 */
export async function writeArchive(ref: string, name: string): Promise<Archive> {
  mkdirSync(archiveDir, { recursive: true });
  const file = join(archiveDir, `${name}.oci.tar`);
  const idFile = `${file}.id`;
  const id = await imageId(ref);
  if (!id) throw new Error(`${ref} is not in the image store`);
  if (existsSync(file) && existsSync(idFile) && readFileSync(idFile, 'utf8').trim() === id) {
    return { file, bytes: statSync(file).size, written: false };
  }
  const tmp = `${file}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  try {
    await buildah(['push', '--quiet', ref, `oci-archive:${tmp}:${ref}`]);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
  writeFileSync(idFile, `${id}\n`);
  return { file, bytes: statSync(file).size, written: true };
}
