import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { controlPlaneHealthy, startControlPlane, stopControlPlane } from './controlplane.js';
import { dbPkiDir } from './dbpki.js';
import { writeEnvFile } from './envfile.js';
import { EnvError } from './errors.js';
import { ensureKubectl } from './kubectl.js';
import { info, step } from './log.js';
import { nodeHealthy, startNodeEnvironment, stopNode } from './node/node.js';
import { nodeLeftovers } from './node/teardown.js';
import { mariadbHealthy, startMariadb, stopMariadb } from './mariadb.js';
import { devDir, envFile, runDir } from './paths.js';
import { postgresHealthy, startPostgres, stopPostgres } from './postgres.js';
import { loadState, saveState, type EnvState } from './state.js';

export interface UpOptions {
  /** Also run the local node (kubelet, containerd, kube-proxy, NetworkPolicies) and the full control plane. */
  node?: boolean;
}

/** Brings the local environment up, reusing whatever already runs. Idempotent. */
export async function up(options: UpOptions = {}): Promise<EnvState> {
  mkdirSync(devDir, { recursive: true, mode: 0o700 });
  const state = loadState();
  // The scripts, the tests and people (`source .dev/env`) use this kubectl, the release the control plane runs.
  state.kubectl = await ensureKubectl();
  // Each piece is saved as soon as it runs, so a failure later leaves it stoppable by env:down.
  state.postgres = await startPostgres(state.postgres);
  saveState(state);
  state.mariadb = await startMariadb(state.mariadb);
  saveState(state);
  if (options.node) {
    await startNodeEnvironment(state, () => saveState(state));
  } else {
    state.controlPlane = await startControlPlane(state.controlPlane);
  }
  saveState(state);
  writeEnvFile(state);
  return state;
}

/** Stops everything env:up started and removes its data (the control-plane binary cache stays). */
export async function down(): Promise<void> {
  const state = loadState();
  await step('Stopping the local environment', async () => {
    await stopNode(state);
    await stopControlPlane(state.controlPlane);
    await stopMariadb(state.mariadb);
    await stopPostgres(state.postgres);
  });
  rmSync(runDir, { recursive: true, force: true });
  rmSync(devDir, { recursive: true, force: true });
  info(`removed ${devDir} and ${runDir}`);
  if (state.node) {
    const left = await nodeLeftovers(state.node);
    for (const item of left) info(`  left behind: ${item}`);
    if (left.length) throw new EnvError('the node left something behind (listed above)', 'remove it by hand, and report it');
    info('  the node left nothing behind: no processes, cgroups, mounts, interfaces, namespaces or rules');
  }
}

/**
 * Stops only the local node (the control plane and databases keep running) and returns what it left
 * behind, if anything: env:down does the same for the node, then stops the rest.
 */
export async function downNode(): Promise<string[]> {
  const state = loadState();
  if (!state.node) return [];
  const node = state.node;
  await step('Stopping the local node', () => stopNode(state));
  delete state.node;
  saveState(state);
  writeEnvFile(state);
  rmSync(node.dir, { recursive: true, force: true });
  return nodeLeftovers(node);
}

export interface Health {
  controlPlane: boolean;
  postgres: boolean;
  mariadb: boolean;
  /** Present when env:up --node started a node. */
  node?: boolean;
}

export async function health(state: EnvState = loadState()): Promise<Health> {
  const ca = join(dbPkiDir, 'ca.crt');
  const hasCa = existsSync(ca);
  return {
    controlPlane: await controlPlaneHealthy(state.controlPlane),
    postgres: hasCa && (await postgresHealthy(state.postgres, ca)),
    mariadb: hasCa && (await mariadbHealthy(state.mariadb, ca)),
    ...(state.node ? { node: await nodeHealthy(state) } : {}),
  };
}

/** The variables from .dev/env, for processes that did not source it. */
export function readEnvFile(): Record<string, string> {
  const vars: Record<string, string> = {};
  if (!existsSync(envFile)) return vars;
  for (const line of readFileSync(envFile, 'utf8').split('\n')) {
    const m = /^export ([A-Z_]+)='(.*)'$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) vars[m[1]] = m[2].replace(/'\\''/g, "'");
  }
  return vars;
}
