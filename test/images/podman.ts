/**
 * podman for the image suites, with its own storage in a temporary directory (never the system's), loading
 * the OCI archives `npm run images` writes, as a node would.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type RunResult } from '../../hack/env/proc.js';

/** The hard limit of a resource for this process (from /proc/self/limits), capped. */
function hardLimit(name: string, cap: number): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith(name));
  const value = Number(line?.slice(26).trim().split(/\s+/)[1]);
  return Number.isFinite(value) ? Math.min(value, cap) : cap;
}

export class Podman {
  private constructor(readonly dir: string) {}

  static create(): Podman {
    return new Podman(mkdtempSync(join(tmpdir(), 'dbwarden-podman-')));
  }

  /**
   * runc, cgroupfs and no systemd: crun 1.8 refuses cgroup v1 hybrid hosts, and CI machines run no systemd.
   * podman would raise the open-files and process limits, which needs CAP_SYS_RESOURCE: keep them below ours.
   */
  private globalFlags(): string[] {
    return [
      '--root', join(this.dir, 'root'),
      '--runroot', join(this.dir, 'run'),
      '--tmpdir', join(this.dir, 'tmp'),
      '--storage-driver', 'overlay',
      '--cgroup-manager', 'cgroupfs',
      '--events-backend', 'file',
      '--runtime', 'runc',
    ];
  }

  runFlags(): string[] {
    return [
      '--network', 'host',
      '--ulimit', `nofile=${hardLimit('Max open files', 4096)}`,
      '--ulimit', `nproc=${hardLimit('Max processes', 4096)}`,
    ];
  }

  podman(args: string[], input?: string): Promise<RunResult> {
    return run('podman', [...this.globalFlags(), ...args], { input });
  }

  async load(archive: string): Promise<string> {
    const { stdout } = await this.podman(['load', '--quiet', '--input', archive]);
    return stdout.trim();
  }

  /** Runs image to completion; resolves with its output, whatever its exit code. */
  async runOnce(image: string, args: string[], options: { entrypoint?: string; flags?: string[] } = {}): Promise<{ code: number; output: string }> {
    try {
      const { stdout, stderr } = await this.podman([
        'run', '--rm', ...this.runFlags(), ...(options.flags ?? []), ...(options.entrypoint ? ['--entrypoint', options.entrypoint] : []), image, ...args,
      ]);
      return { code: 0, output: `${stdout}${stderr}` };
    } catch (err) {
      const message = (err as Error).message;
      return { code: Number(/exit code (\d+)/.exec(message)?.[1] ?? -1), output: message };
    }
  }

  /** Starts a container in the background; returns its name. */
  async start(name: string, image: string, flags: string[], args: string[] = []): Promise<string> {
    await this.podman(['run', '--detach', '--name', name, ...this.runFlags(), ...flags, image, ...args]);
    return name;
  }

  async logs(name: string): Promise<string> {
    const { stdout, stderr } = await this.podman(['logs', name]);
    return `${stdout}${stderr}`;
  }

  async inspectImage(image: string, format: string): Promise<string> {
    return (await this.podman(['image', 'inspect', '--format', format, image])).stdout.trim();
  }

  /** Removes every container and the whole temporary store. */
  async destroy(): Promise<void> {
    await this.podman(['rm', '--all', '--force', '--time', '5']).catch(() => undefined);
    await this.podman(['system', 'reset', '--force']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
