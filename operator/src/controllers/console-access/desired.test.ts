import type { V1Secret } from '@kubernetes/client-node';
import type { AccessPolicy } from '@dbwarden/api';
import { describe, expect, it } from 'vitest';
import { consoleAccessName, desiredConsoleAccess, grantsByNameOnly } from './desired.js';

const identity = { namespace: 'dbwarden-system', serviceAccount: 'dbwarden-console' };

const policy = (name: string, spec: Partial<AccessPolicy['spec']> = {}, extra: { namespace?: string; statusSecret?: string; deleting?: boolean } = {}): AccessPolicy => ({
  metadata: { namespace: extra.namespace ?? 'shop', name, uid: `uid-${name}`, ...(extra.deleting ? { deletionTimestamp: new Date() } : {}) },
  spec: { connectionRef: { name: 'db' }, ...spec },
  ...(extra.statusSecret ? { status: { secretName: extra.statusSecret } } : {}),
});

/** Secrets as the operator's cache holds them: name → the uid of the policy that owns it (undefined: not owned). */
const secrets = (owned: Record<string, string | undefined>) => (namespace: string, name: string): V1Secret | undefined =>
  namespace === 'shop' && name in owned
    ? { metadata: { namespace, name, ownerReferences: owned[name] ? [{ apiVersion: 'dbwarden.io/v1alpha1', kind: 'AccessPolicy', name: 'x', uid: owned[name], controller: true }] : [] } }
    : undefined;

const enabled = { console: { enabled: true } };

describe('desiredConsoleAccess', () => {
  it("grants get on exactly the console-enabled policies' own Secrets, by name, to the console's ServiceAccount", () => {
    const policies = [policy('a', enabled), policy('b', { ...enabled, secretName: 'b-secret' }), policy('off'), policy('other', enabled, { namespace: 'elsewhere' })];
    const access = desiredConsoleAccess('shop', policies, secrets({ 'a-credentials': 'uid-a', 'b-secret': 'uid-b', 'off-credentials': 'uid-off' }), identity)!;
    expect(access.role.metadata).toMatchObject({ name: consoleAccessName, namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'dbwarden' } });
    expect(access.role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['a-credentials', 'b-secret'], verbs: ['get'] }]);
    expect(access.role.metadata?.ownerReferences?.map((r) => r.uid)).toEqual(['uid-a', 'uid-b']);
    expect(access.binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: consoleAccessName });
    expect(access.binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'dbwarden-console', namespace: 'dbwarden-system' }]);
  });

  it('grants nothing, rather than an empty resourceNames list, when no console-enabled policy has its Secret', () => {
    expect(desiredConsoleAccess('shop', [], secrets({}), identity)).toBeUndefined();
    expect(desiredConsoleAccess('shop', [policy('off', {})], secrets({ 'off-credentials': 'uid-off' }), identity)).toBeUndefined();
    // Not written yet: nothing to grant until the operator made it.
    expect(desiredConsoleAccess('shop', [policy('a', enabled)], secrets({}), identity)).toBeUndefined();
    // Being deleted: its Secret is no longer granted.
    expect(desiredConsoleAccess('shop', [policy('a', enabled, { deleting: true })], secrets({ 'a-credentials': 'uid-a' }), identity)).toBeUndefined();
  });

  it("never grants a Secret the policy does not own, such as an admin Secret named in spec.secretName", () => {
    const sneaky = policy('sneaky', { ...enabled, secretName: 'db-admin' });
    expect(desiredConsoleAccess('shop', [sneaky], secrets({ 'db-admin': undefined }), identity)).toBeUndefined();
    expect(desiredConsoleAccess('shop', [sneaky], secrets({ 'db-admin': 'uid-someone-else' }), identity)).toBeUndefined();
  });

  it('keeps the Secret the status still names while a new secretName is being written, both owned by the policy', () => {
    const moving = policy('m', { ...enabled, secretName: 'new' }, { statusSecret: 'old' });
    expect(desiredConsoleAccess('shop', [moving], secrets({ old: 'uid-m' }), identity)?.role.rules?.[0]?.resourceNames).toEqual(['old']);
    expect(desiredConsoleAccess('shop', [moving], secrets({ old: 'uid-m', new: 'uid-m' }), identity)?.role.rules?.[0]?.resourceNames).toEqual(['new', 'old']);
  });
});

describe('grantsByNameOnly', () => {
  it('refuses a Role with a rule that names no resource, or with no rule', () => {
    expect(grantsByNameOnly({ rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['a'], verbs: ['get'] }] })).toBe(true);
    expect(grantsByNameOnly({ rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [], verbs: ['get'] }] })).toBe(false);
    expect(grantsByNameOnly({ rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] })).toBe(false);
    expect(grantsByNameOnly({ rules: [] })).toBe(false);
  });
});
