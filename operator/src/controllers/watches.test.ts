import type { KubernetesObject, V1NetworkPolicy, V1Role, V1RoleBinding, V1Secret } from '@kubernetes/client-node';
import type { AccessPolicy, DatabaseConnection } from '@dbwarden/api';
import { beforeEach, describe, expect, it } from 'vitest';
import { networkPolicyContent, OwnWrites, secretContent } from '../kube/own-writes.js';
import { watchConnections } from './connection/watches.js';
import { watchConsoleAccess } from './console-access/watches.js';
import { testPolicy } from './fakes.js';
import { watchPolicies } from './policy/watches.js';
import type { Queue } from './watch.js';

/** A cache's events, fired by the test. */
class Events<T extends KubernetesObject> {
  private readonly handlers = { add: [] as ((o: T) => void)[], update: [] as ((a: T, b: T) => void)[], delete: [] as ((o: T) => void)[] };
  constructor(private readonly items: T[] = []) {}
  onAdd(h: (o: T) => void): void { this.handlers.add.push(h); }
  onUpdate(h: (a: T, b: T) => void): void { this.handlers.update.push(h); }
  onDelete(h: (o: T) => void): void { this.handlers.delete.push(h); }
  list(): T[] { return this.items; }
  add(o: T): void { for (const h of this.handlers.add) h(o); }
  update(a: T, b: T): void { for (const h of this.handlers.update) h(a, b); }
  delete(o: T): void { for (const h of this.handlers.delete) h(o); }
}

/** The keys a queue was given: at once, and after a delay. */
class Keys implements Queue {
  now: string[] = [];
  later: string[] = [];
  add(key: string): void { this.now.push(key); }
  addAfter(key: string): void { this.later.push(key); }
}

const connection = (over: Partial<DatabaseConnection['metadata']> = {}, ready?: 'True' | 'False'): DatabaseConnection => ({
  metadata: { namespace: 'shop', name: 'shop-db', generation: 1, ...over },
  spec: { engine: 'postgres', host: 'db', database: 'shop', adminSecretRef: { name: 'admin' }, tls: { caSecretRef: { name: 'ca', key: 'ca.crt' } } },
  ...(ready ? { status: { conditions: [{ type: 'Ready', status: ready, reason: 'Connected', message: '', lastTransitionTime: '' }] } } : {}),
});
const secret = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}): V1Secret =>
  ({ metadata: { namespace: 'shop', name, labels }, data });
const networkPolicy = (labels: Record<string, string>): V1NetworkPolicy => ({ metadata: { namespace: 'shop', name: 'np', labels }, spec: { podSelector: {} } });

describe('policy watches', () => {
  let q: Keys;
  let sources: { connections: Events<DatabaseConnection>; policies: Events<AccessPolicy>; secrets: Events<V1Secret>; networkPolicies: Events<V1NetworkPolicy> };
  let own: { ownSecretWrites: OwnWrites<V1Secret>; ownNetworkPolicyWrites: OwnWrites<V1NetworkPolicy> };
  beforeEach(() => {
    q = new Keys();
    sources = { connections: new Events(), policies: new Events(), secrets: new Events(), networkPolicies: new Events() };
    own = { ownSecretWrites: new OwnWrites(secretContent), ownNetworkPolicyWrites: new OwnWrites(networkPolicyContent) };
    watchPolicies(q, sources, { policiesOf: () => [testPolicy()], ...own });
  });

  it('a policy is reconciled when it is added, deleted, or its spec or annotations change, not for its status', () => {
    sources.policies.add(testPolicy());
    sources.policies.update(testPolicy(), { ...testPolicy(), status: { username: 'x' } });
    sources.policies.update(testPolicy(), testPolicy({}, { generation: 2 }));
    sources.policies.update(testPolicy(), testPolicy({}, { annotations: { 'dbwarden.io/rotate': 'now' } }));
    sources.policies.delete(testPolicy());
    expect(q.now).toEqual(['shop/ai', 'shop/ai', 'shop/ai', 'shop/ai']);
  });

  it("a connection's spec change, Ready turning, or deletion reconciles its policies", () => {
    sources.connections.update(connection({}, 'True'), connection({}, 'True'));
    expect(q.now).toEqual([]);
    sources.connections.update(connection({}, 'False'), connection({}, 'True'));
    sources.connections.update(connection(), connection({ generation: 2 }));
    sources.connections.delete(connection());
    expect(q.now).toEqual(['shop/ai', 'shop/ai', 'shop/ai']);
  });

  it("someone else's change to a credentials Secret reconciles its policy; the echo of the operator's own write does not", () => {
    const mine = secret('ai-credentials', { 'dbwarden.io/policy': 'ai' }, { password: 'c2VjcmV0' });
    own.ownSecretWrites.record('shop', mine);
    sources.secrets.update(mine, mine);
    expect(q.now).toEqual([]);
    sources.secrets.update(mine, { ...mine, data: { password: 'b3RoZXI=' } });
    sources.secrets.delete(mine);
    sources.secrets.delete(secret('unrelated'));
    expect(q.now).toEqual(['shop/ai', 'shop/ai']);
  });

  it('a changed or deleted egress NetworkPolicy reconciles the policy that owns it', () => {
    sources.networkPolicies.update(networkPolicy({}), networkPolicy({ 'dbwarden.io/policy': 'ai' }));
    sources.networkPolicies.delete(networkPolicy({ 'dbwarden.io/connection': 'shop-db' }));
    expect(q.now).toEqual(['shop/ai']);
  });
});

describe('connection watches', () => {
  let q: Keys;
  let sources: { connections: Events<DatabaseConnection>; policies: Events<AccessPolicy>; secrets: Events<KubernetesObject>[]; networkPolicies: Events<V1NetworkPolicy> };
  beforeEach(() => {
    q = new Keys();
    sources = { connections: new Events([connection()]), policies: new Events(), secrets: [new Events(), new Events()], networkPolicies: new Events() };
    watchConnections(q, sources, { ownNetworkPolicyWrites: new OwnWrites(networkPolicyContent) });
  });

  it('a connection is reconciled when added, deleted or its spec changes, not for its status', () => {
    sources.connections.add(connection());
    sources.connections.update(connection({}, 'False'), connection({}, 'True'));
    sources.connections.update(connection(), connection({ generation: 2 }));
    sources.connections.delete(connection());
    expect(q.now).toEqual(['shop/shop-db', 'shop/shop-db', 'shop/shop-db']);
  });

  it('follows the Secrets it names (admin, CA), whichever cache sees them', () => {
    sources.secrets[0]!.update(secret('admin'), secret('admin'));
    sources.secrets[1]!.delete(secret('ca'));
    sources.secrets[0]!.add(secret('other'));
    expect(q.now).toEqual(['shop/shop-db', 'shop/shop-db']);
  });

  it("follows, a little later, what its posture reads of its policies", () => {
    sources.policies.add(testPolicy());
    sources.policies.update(testPolicy(), { ...testPolicy(), status: { activeUsername: 'ai_b' } });
    sources.policies.update(testPolicy(), { ...testPolicy(), status: { lastRotationTime: '2026-01-01T00:00:00Z' } });
    expect(q.later).toEqual(['shop/shop-db', 'shop/shop-db']);
    expect(q.now).toEqual([]);
  });

  it('a changed ingress NetworkPolicy reconciles its connection', () => {
    sources.networkPolicies.update(networkPolicy({}), networkPolicy({ 'dbwarden.io/connection': 'shop-db' }));
    expect(q.now).toEqual(['shop/shop-db']);
  });
});

describe('console-access watches', () => {
  it('the key is the namespace; policies count when their console access or Secret changes', () => {
    const q = new Keys();
    const sources = { policies: new Events<AccessPolicy>(), secrets: new Events<V1Secret>(), roles: new Events<V1Role>(), bindings: new Events<V1RoleBinding>() };
    watchConsoleAccess(q, sources);
    sources.policies.update(testPolicy(), testPolicy({ access: 'read-write' }, { generation: 2 }));
    expect(q.now).toEqual([]);
    sources.policies.update(testPolicy(), testPolicy({ console: { enabled: true } }));
    sources.roles.update({ metadata: { namespace: 'shop', name: 'r' } }, { metadata: { namespace: 'shop', name: 'r' } });
    sources.bindings.delete({ metadata: { namespace: 'team', name: 'b' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' } });
    expect(q.now).toEqual(['shop', 'shop', 'team']);
  });
});
