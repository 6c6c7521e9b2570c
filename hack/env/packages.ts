import { existsSync } from 'node:fs';
import { EnvError } from './errors.js';
import { heartbeat, step } from './log.js';
import { run } from './proc.js';

/** A Debian package and the file that shows it is installed. */
export interface Requirement {
  pkg: string;
  provides: string;
}

/** Installs, through apt, the packages whose files are missing. Needs root (or passwordless sudo). */
export async function ensurePackages(requirements: Requirement[]): Promise<void> {
  const missing = requirements.filter((r) => !existsSync(r.provides));
  if (missing.length === 0) return;
  const names = missing.map((r) => r.pkg);
  const isRoot = process.getuid?.() === 0;
  const sudo = isRoot ? [] : ['sudo', '-n'];
  if (!isRoot && !existsSync('/usr/bin/sudo')) {
    throw new EnvError(`missing packages: ${names.join(', ')}`, `install them with: sudo apt-get install -y ${names.join(' ')}`);
  }
  const aptGet = async (args: string[]): Promise<void> => {
    const [cmd, ...rest] = [...sudo, 'apt-get', ...args];
    let lines = 0;
    let last = '';
    const stop = heartbeat(10_000, (s) => `${s}s, ${lines} lines of apt output${last ? `: ${last.slice(0, 100)}` : ''}`);
    try {
      await run(cmd!, rest, {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        onLine: (line) => {
          lines += 1;
          if (line.trim()) last = line.trim();
        },
      });
    } finally {
      stop();
    }
  };
  await step(`Installing ${names.join(', ')} with apt`, async () => {
    try {
      await aptGet(['update', '-q']);
      await aptGet(['install', '-y', '-q', '--no-install-recommends', ...names]);
    } catch (err) {
      throw new EnvError(
        `could not install ${names.join(', ')}: ${(err as Error).message}`,
        `install them by hand: apt-get install -y ${names.join(' ')}`,
      );
    }
  });
  const still = missing.filter((r) => !existsSync(r.provides));
  if (still.length) throw new EnvError(`apt finished but ${still.map((r) => r.provides).join(', ')} is still missing`);
}
