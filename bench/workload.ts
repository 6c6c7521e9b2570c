/** The policies the benchmark applies, and a watch that tells when they are all Ready. */
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { accessPolicies, apiVersion, group, version, type AccessPolicy, type AccessPolicySpec } from '@dbwarden/api';
import { Informer } from '../operator/src/runtime/informer.js';
import { benchMetadata, mapLimit } from './support.js';

/** Read-only on a couple of shop tables; every other policy limits the columns of one of them. */
const tableSets: AccessPolicySpec['tables'][] = [
  [{ name: 'products' }, { name: 'orders' }],
  [{ name: 'users', columns: ['id', 'full_name', 'created_at'] }, { name: 'orders' }],
  [{ name: 'products' }, { name: 'payments' }],
  [{ name: 'orders', columns: ['id', 'customer_id', 'total', 'status', 'created_at'] }, { name: 'products' }],
];

export interface PolicyObject {
  name: string;
  spec: AccessPolicySpec;
}

/** n policies, alternating between the two connections (half PostgreSQL, half MariaDB). */
export function convergePolicies(n: number, connections: readonly [string, string]): PolicyObject[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `p-${String(i).padStart(4, '0')}`,
    spec: { connectionRef: { name: connections[i % 2]! }, access: 'read-only', tables: tableSets[Math.floor(i / 2) % tableSets.length]! },
  }));
}

/**
 * n policies on a DatabaseConnection that does not exist: cached and reconciled cheaply (ConnectionNotFound).
 * Retain, so deleting them never needs a database.
 */
export function unconnectedPolicies(n: number): PolicyObject[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `m-${String(i).padStart(5, '0')}`,
    spec: { connectionRef: { name: 'does-not-exist' }, access: 'read-only', tables: tableSets[i % tableSets.length]!, deletionPolicy: 'Retain' },
  }));
}

export async function createNamespace(kc: KubeConfig, name: string, id: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name, ...benchMetadata(id) } } });
}

/** Creates the policies as a user applying a manifest would (`concurrency` requests at once); returns them as created. */
export async function applyPolicies(kc: KubeConfig, namespace: string, policies: readonly PolicyObject[], concurrency: number): Promise<AccessPolicy[]> {
  const objects = kc.makeApiClient(CustomObjectsApi);
  return mapLimit(policies, concurrency, async (p) => (await objects.createNamespacedCustomObject({
    group, version, namespace, plural: accessPolicies.plural,
    body: { apiVersion, kind: accessPolicies.kind, metadata: { name: p.name }, spec: p.spec },
  })) as AccessPolicy);
}

const readyOf = (p: AccessPolicy): { status?: string; reason?: string; current: boolean } => {
  const c = p.status?.conditions?.find((x) => x.type === 'Ready');
  return { status: c?.status, reason: c?.reason, current: c !== undefined && c.observedGeneration === p.metadata?.generation };
};

/**
 * Watches the AccessPolicies of one namespace and records when each first reached the wanted Ready state
 * (Ready=True, or Ready=False with a reason), and how often a Ready policy stopped being Ready.
 */
export class ReadinessTracker {
  readonly informer: Informer<AccessPolicy>;
  /** name → ms timestamp when it first reached the wanted state. */
  readonly reached = new Map<string, number>();
  /** Ready policies that became not Ready again, with the reason they gave. */
  readonly flaps: { name: string; reason: string }[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];

  constructor(kc: KubeConfig, namespace: string, private readonly wanted: { status: 'True' | 'False'; reason?: string } = { status: 'True' }) {
    this.informer = new Informer<AccessPolicy>(kc, { path: `/apis/${apiVersion}/namespaces/${namespace}/${accessPolicies.plural}` });
    this.informer.onAdd((p) => this.observe(undefined, p));
    this.informer.onUpdate((old, p) => this.observe(old, p));
  }

  async start(): Promise<void> {
    this.informer.start();
    await this.informer.waitForSync();
  }

  stop(): void {
    this.informer.stop();
  }

  get count(): number {
    return this.reached.size;
  }

  /** How many policies are in each Ready state now, e.g. {"True/Provisioned": 480, "none": 20}. */
  states(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.informer.list()) {
      const r = readyOf(p);
      const key = r.status ? `${r.status}/${r.reason}` : 'none';
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  }

  /** Resolves once n policies have reached the wanted state (rejects after timeoutMs). */
  waitFor(n: number, timeoutMs: number): Promise<void> {
    if (this.count >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.count} of ${n} policies reached the wanted state within ${timeoutMs / 1000}s: ${JSON.stringify(this.states())}`)), timeoutMs);
      this.waiters.push({ n, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  private matches(p: AccessPolicy): boolean {
    const r = readyOf(p);
    return r.current && r.status === this.wanted.status && (!this.wanted.reason || r.reason === this.wanted.reason);
  }

  private observe(old: AccessPolicy | undefined, p: AccessPolicy): void {
    const name = p.metadata?.name ?? '';
    if (old && readyOf(old).status === 'True' && readyOf(p).status !== 'True') this.flaps.push({ name, reason: readyOf(p).reason ?? 'none' });
    if (this.reached.has(name) || !this.matches(p)) return;
    this.reached.set(name, Date.now());
    const done = this.waiters.filter((w) => this.count >= w.n);
    this.waiters = this.waiters.filter((w) => this.count < w.n);
    for (const w of done) w.resolve();
  }
}
