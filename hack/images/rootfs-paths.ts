import { lstatSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';

/**
 * The path p (absolute, as inside the root filesystem at root) with every directory on the way resolved
 * inside that root: symlinks such as /lib -> usr/lib (merged /usr) are followed, absolute targets taken as
 * relative to root, never to the host. The last component is kept as it is (a symlink stays a symlink).
 * Returns the path relative to root, without a leading slash.
 */
export function canonicalInRoot(root: string, p: string): string {
  const parts = p.split('/').filter((s) => s && s !== '.');
  const last = parts.pop();
  if (last === undefined) return '';
  const resolved: string[] = [];
  let hops = 0;
  const pending = [...parts];
  while (pending.length) {
    const part = pending.shift()!;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, part];
    let stat;
    try {
      stat = lstatSync(join(root, ...candidate));
    } catch {
      resolved.push(part);
      continue;
    }
    if (!stat.isSymbolicLink()) {
      resolved.push(part);
      continue;
    }
    if (++hops > 40) throw new Error(`too many symlinks resolving ${p} in ${root}`);
    const target = readlinkSync(join(root, ...candidate));
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...target.split('/').filter((s) => s && s !== '.'));
  }
  return posix.join(...resolved, last);
}
