/**
 * A throwaway containerd (Debian's) with its own root, state and socket in a temporary directory and its CRI
 * plugin off: enough to prove the archives import the way the node loads them (hack/images/load.ts).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, stopProcess, waitFor } from '../../hack/env/proc.js';

export interface ThrowawayContainerd {
  socket: string;
  stop: () => Promise<void>;
}

export async function startContainerd(): Promise<ThrowawayContainerd> {
  const dir = mkdtempSync(join(tmpdir(), 'dbw-ctrd-'));
  const socket = join(dir, 'c.sock');
  const config = join(dir, 'config.toml');
  writeFileSync(config, [
    'version = 2',
    `root = "${join(dir, 'root')}"`,
    `state = "${join(dir, 'state')}"`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '[grpc]',
    `  address = "${socket}"`,
    '[ttrpc]',
    `  address = "${join(dir, 't.sock')}"`,
    '',
  ].join('\n'));
  const logFile = join(dir, 'containerd.log');
  const pid = startDaemon('containerd', ['--config', config], { logFile });
  const stop = async (): Promise<void> => {
    await stopProcess(pid);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('containerd', () => Promise.resolve(existsSync(socket)), { timeoutMs: 30_000, logFile });
  } catch (err) {
    await stop();
    throw err;
  }
  return { socket, stop };
}
