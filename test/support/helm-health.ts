import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../hack/env/proc.js';
import { cacheDir } from '../../hack/env/paths.js';

const sourceDir = join(import.meta.dirname, '..', 'e2e', 'deploy-health');

let building: Promise<string> | undefined;

/**
 * Builds test/e2e/deploy-health (kstatus, Flux's CEL health evaluator and gopher-lua, as GitOps tools judge
 * health) once, cached outside the repository keyed by a hash of its sources, like the local control plane.
 */
export function ensureHealthChecker(): Promise<string> {
  building ??= (async () => {
    const hash = createHash('sha256');
    for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(sourceDir, file)));
    const binary = join(cacheDir, 'deploy-health', hash.digest('hex').slice(0, 12), 'deploy-health');
    if (existsSync(binary)) return binary;
    mkdirSync(join(binary, '..'), { recursive: true });
    const out = mkdtempSync(join(binary, '..', 'build-'));
    try {
      await run('go', ['build', '-trimpath', '-o', join(out, 'deploy-health'), '.'], {
        cwd: sourceDir, env: { ...process.env, GOWORK: 'off', CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod -buildvcs=false' },
      });
      renameSync(join(out, 'deploy-health'), binary);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    return binary;
  })();
  return building;
}

export interface HealthResult {
  kind: string;
  name: string;
  /** kstatus (Flux's default `wait: true`, kpt): Current, InProgress, Failed, Terminating. */
  kstatus: string;
  kstatusMessage: string;
  /** Flux with healthCheckExprs: Current, InProgress, Failed, or Error when an expression cannot be evaluated. */
  flux: string;
  fluxError?: string;
  /** Argo CD with the health Lua: Healthy, Progressing, Degraded, ... */
  argo: string;
  argoMessage: string;
  argoError?: string;
}

export interface FluxHealthCheck {
  apiVersion: string;
  kind: string;
  current: string;
  inProgress?: string;
  failed?: string;
}

/** Evaluates the objects' health as kstatus, Flux (with these expressions) and Argo CD (with this Lua) would. */
export async function evaluateHealth(objects: object[], lua: string, flux: FluxHealthCheck[]): Promise<HealthResult[]> {
  const { stdout } = await run(await ensureHealthChecker(), [], { input: JSON.stringify({ lua, flux, objects }) });
  return JSON.parse(stdout) as HealthResult[];
}
