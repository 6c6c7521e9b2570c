import { createHash } from 'node:crypto';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in hack/env/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Everything one local environment owns: state, logs, certificates, data. Removed by env:down. */
export const devDir = process.env.DBWARDEN_DEV_DIR ?? join(repoRoot, '.dev');

/**
 * Short per-checkout directory under the system temp dir, for Unix sockets (whose paths are limited to
 * about 100 bytes) and for data a non-root database server must own when we run as root.
 */
export const runDir = join(tmpdir(), `dbwarden-${createHash('sha256').update(devDir).digest('hex').slice(0, 10)}`);

/** Build outputs shared by every checkout on this machine, keyed by version (kept by env:down). */
export const cacheDir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'dbwarden');

export const envFile = join(devDir, 'env');
export const stateFile = join(devDir, 'state.json');
export const kubeconfigFile = join(devDir, 'kubeconfig');
