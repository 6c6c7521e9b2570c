import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { devDir, stateFile } from './paths.js';

export interface ControlPlaneState {
  version: string;
  etcdPort: number;
  etcdPeerPort: number;
  apiPort: number;
  pids: { etcd?: number; apiserver?: number; controllerManager?: number };
}

export interface DatabaseState {
  version?: string;
  port: number;
  user: string;
  password: string;
  pid?: number;
}

/** What env:up started, so a second env:up reuses it and env:down stops it. Mode 0600: it holds passwords. */
export interface EnvState {
  controlPlane?: ControlPlaneState;
  postgres?: DatabaseState;
  mariadb?: DatabaseState;
}

export function loadState(): EnvState {
  if (!existsSync(stateFile)) return {};
  return JSON.parse(readFileSync(stateFile, 'utf8')) as EnvState;
}

export function saveState(state: EnvState): void {
  mkdirSync(devDir, { recursive: true, mode: 0o700 });
  writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}
