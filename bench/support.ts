/** What every part of the benchmark shares: the environment, progress output, metrics, concurrency. */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { apiGet } from '../hack/env/controlplane.js';
import { health, up } from '../hack/env/environment.js';
import { envVars } from '../hack/env/envfile.js';
import { heartbeat, info, step } from '../hack/env/log.js';
import { loadState, type EnvState } from '../hack/env/state.js';

export { heartbeat, info, step };

/** Label on everything the benchmark creates in Kubernetes, so a later run can remove what a killed one left. */
export const benchLabel = 'dbwarden.io/bench';
/** Prefix of the benchmark's databases, database users and namespaces. */
export const benchPrefix = 'dbwbench';
/** The process that owns a run's objects: a later run cleans up only after runs whose process is gone. */
export const benchPidAnnotation = 'dbwarden.io/bench-pid';

/** Labels and annotations of every Kubernetes object of run `id`. */
export const benchMetadata = (id: string): { labels: Record<string, string>; annotations: Record<string, string> } => ({
  labels: { [benchLabel]: id },
  annotations: { [benchPidAnnotation]: String(process.pid) },
});

/** Whether a process exists on this machine. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Uses the running local environment, or starts it (`npm run env:up`), and puts its settings in process.env. */
export async function ensureEnvironment(): Promise<EnvState> {
  const before = await health(loadState());
  const reused = Object.values(before).every(Boolean);
  const state = reused ? loadState() : await step('Starting the local environment (npm run env:up)', () => up());
  Object.assign(process.env, envVars(state));
  info(`environment: Kubernetes ${state.controlPlane?.version} on ${state.controlPlane?.apiPort}, ` +
    `${state.postgres?.version} on ${state.postgres?.port}, ${state.mariadb?.version} on ${state.mariadb?.port}` +
    (reused ? ' (already running)' : ''));
  return state;
}

/** A short id for this run: names of namespaces, databases and cluster objects. */
export const runId = (): string => randomBytes(3).toString('hex');

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const seconds = (ms: number): number => Math.round(ms / 10) / 100;

/** Runs fn over items with at most `limit` at once; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const index = next++;
      if (index >= items.length) return;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Retries fn while it throws a 409 Conflict or a transient network error (cleanup must not stop half-way). */
export async function retrying<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      await sleep(200 * i);
    }
  }
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (enough of it for counters and gauges). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
  const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const raw of text.split('\n')) {
    if (raw.startsWith('#')) continue;
    const m = line.exec(raw);
    if (!m?.[1] || m[3] === undefined) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(label)) if (l[1] !== undefined && l[2] !== undefined) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** Sum of a metric's samples whose labels pass the filter. */
export function sum(samples: readonly Sample[], name: string, filter: (labels: Record<string, string>) => boolean = () => true): number {
  return samples.filter((s) => s.name === name && filter(s.labels)).reduce((total, s) => total + s.value, 0);
}

/** The kube-apiserver's /metrics, read with the admin client certificate. */
export async function apiserverMetrics(state: EnvState): Promise<Sample[]> {
  const port = state.controlPlane?.apiPort;
  if (!port) throw new Error('the control plane has no API port in .dev/state.json');
  const { status, body } = await apiGet(port, '/metrics');
  if (status !== 200) throw new Error(`GET /metrics on the API server: HTTP ${status}`);
  return parseMetrics(body);
}

/** The operator's /metrics. */
export async function operatorMetrics(port: number): Promise<Sample[]> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics on the operator: HTTP ${res.status}`);
  return parseMetrics(await res.text());
}

/** Resident set size of a process in MB, from /proc/<pid>/status (VmRSS). */
export function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m?.[1]) throw new Error(`no VmRSS for process ${pid}`);
  return Math.round(Number(m[1]) / 102.4) / 10;
}

/** The message of an error, for progress lines. */
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
