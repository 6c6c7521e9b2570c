/**
 * kubectl as a person runs it against the cluster under test: apply, exec, logs, port-forward. The suite
 * drives the cluster through it (and through client-node where it reads objects) so that what it proves is
 * what the docs tell people to type.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { required } from '../support/env.js';
import { eventually } from '../support/kube.js';

const env = (): NodeJS.ProcessEnv => ({ ...process.env, KUBECONFIG: required('KUBECONFIG') });

/** Runs kubectl; resolves with stdout, rejects with stderr in the message. */
export function kubectl(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', args, { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    // kubectl may exit before reading its input (a refused request): that is its exit code's to say.
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`kubectl ${args.slice(0, 4).join(' ')} … exited with ${code}: ${stderr.trim().slice(0, 2000)}`));
    });
    child.stdin.end(input ?? '');
  });
}

/** Server-side applies YAML documents. */
export async function apply(yaml: string): Promise<void> {
  await kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=dbwarden-cluster-tests', '-f', '-'], yaml);
}

/** Runs a command in a pod's (or `deploy/x`'s) first container; stdin is `input`. */
export function exec(namespace: string, target: string, command: string[], input?: string): Promise<string> {
  return kubectl(['exec', '-i', '-n', namespace, target, '--', ...command], input);
}

export async function rolledOut(namespace: string, resource: string, timeoutSeconds = 300): Promise<void> {
  await kubectl(['rollout', 'status', '-n', namespace, resource, `--timeout=${timeoutSeconds}s`]);
}

/** The names of the pods a label selector selects, Running and not being deleted. */
export async function runningPods(namespace: string, selector: string): Promise<string[]> {
  const out = await kubectl(['get', 'pods', '-n', namespace, '-l', selector, '-o',
    'jsonpath={range .items[?(@.status.phase=="Running")]}{.metadata.name}{" "}{.metadata.deletionTimestamp}{"\\n"}{end}']);
  return out.split('\n').map((line) => line.trim().split(' ')).filter(([name, deleting]) => name && !deleting).map(([name]) => name!);
}

/**
 * Follows the logs of every pod a selector selects, including pods that start later, from the host: what a
 * pod printed survives the pod.
 */
export class PodLogs {
  readonly lines: { pod: string; line: string }[] = [];
  private readonly followed = new Map<string, ChildProcess>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly namespace: string, private readonly selector: string) {}

  start(): this {
    const poll = async (): Promise<void> => {
      for (const pod of await runningPods(this.namespace, this.selector).catch(() => [])) {
        if (this.followed.has(pod)) continue;
        const child = spawn('kubectl', ['logs', '-f', '-n', this.namespace, pod], { env: env(), stdio: ['ignore', 'pipe', 'ignore'] });
        createInterface(child.stdout).on('line', (line) => this.lines.push({ pod, line }));
        this.followed.set(pod, child);
      }
      this.timer = setTimeout(() => void poll(), 1000);
    };
    void poll();
    return this;
  }

  get pods(): string[] {
    return [...this.followed.keys()];
  }

  stop(): void {
    clearTimeout(this.timer);
    for (const child of this.followed.values()) child.kill();
  }
}

/** `kubectl port-forward` to a local port; resolves once it listens. */
export async function portForward(namespace: string, target: string, remotePort: number): Promise<{ port: number; stop(): void }> {
  const child = spawn('kubectl', ['port-forward', '-n', namespace, target, `:${remotePort}`], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`port-forward to ${target} did not start: ${output}`)), 30_000);
    createInterface(child.stdout).on('line', (line) => {
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`port-forward to ${target} exited with ${code}: ${output}`)));
  });
  return { port, stop: () => child.kill() };
}

/** Polls a Deployment until this many replicas are ready, on its current generation. */
export async function readyReplicas(namespace: string, deployment: string, replicas: number, timeoutMs = 300_000): Promise<void> {
  await eventually(`${namespace}/${deployment} to have ${replicas} ready replicas`, async () => {
    const out = await kubectl(['get', 'deployment', '-n', namespace, deployment, '-o',
      'jsonpath={.status.readyReplicas} {.status.updatedReplicas} {.status.observedGeneration} {.metadata.generation}']);
    const [ready, updated, observed, generation] = out.trim().split(' ');
    return Number(ready) === replicas && Number(updated) === replicas && observed === generation;
  }, timeoutMs);
}
