import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../env/paths.js';

/**
 * A short hash of everything an image is made from: the settings given, and the repository files that make
 * it (the recipe's own source, so editing the recipe makes a new image). Used as the image's tag.
 */
export function cacheKey(inputs: unknown, files: string[] = []): string {
  const hash = createHash('sha256').update(JSON.stringify(inputs));
  for (const file of files) hash.update(`\0${file}\0`).update(readFileSync(join(repoRoot, file)));
  return hash.digest('hex').slice(0, 12);
}
