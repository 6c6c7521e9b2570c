import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvError } from '../env/errors.js';

/** The dpkg database name of pkg in the root filesystem: `libc6:amd64` for Multi-Arch: same packages. */
function infoName(root: string, pkg: string, arch: string): string {
  for (const name of [`${pkg}:${arch}`, pkg]) if (existsSync(join(root, 'var/lib/dpkg/info', `${name}.list`))) return name;
  throw new EnvError(`package ${pkg} is not installed in ${root}`);
}

/** The paths dpkg installed for pkg (directories included), as listed in its .list file. */
export function packagePaths(root: string, pkg: string, arch: string): string[] {
  const list = readFileSync(join(root, 'var/lib/dpkg/info', `${infoName(root, pkg, arch)}.list`), 'utf8');
  return list.split('\n').filter((line) => line && line !== '/.');
}

/**
 * pkg's stanza in the dpkg status file, as distroless images keep it in /var/lib/dpkg/status.d/<pkg>, so
 * scanners can tell which packages an image without dpkg holds.
 */
export function statusStanza(root: string, pkg: string, arch: string): string {
  const status = readFileSync(join(root, 'var/lib/dpkg/status'), 'utf8');
  for (const stanza of status.split(/\n\n+/)) {
    const fields = new Map(stanza.split('\n').flatMap((l) => {
      const m = /^([\w-]+):\s*(.*)$/.exec(l);
      return m ? [[m[1]!, m[2]!] as const] : [];
    }));
    if (fields.get('Package') === pkg && ['all', arch].includes(fields.get('Architecture') ?? '')) return `${stanza.trim()}\n`;
  }
  throw new EnvError(`package ${pkg} has no status entry in ${root}`);
}
