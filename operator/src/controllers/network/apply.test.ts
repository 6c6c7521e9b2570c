import type { AccessPolicy, DatabaseConnection } from '@dbwarden/api';
import { describe, expect, it } from 'vitest';
import { sameJson } from '../../util/deep-equal.js';
import { typed } from './apply.js';
import { ingressPolicy } from './desired.js';

describe('typed', () => {
  it('reads a watched ingress NetworkPolicy in the shape the desired one has, so a settled one compares equal', () => {
    const connection = {
      metadata: { name: 'shop', namespace: 'ns', uid: 'u1' },
      spec: { engine: 'postgres', host: 'db', port: 5432, database: 'shop', adminSecretRef: { name: 'admin' }, network: { podSelector: { matchLabels: { app: 'db' } } } },
    } as unknown as DatabaseConnection;
    const policy = { metadata: { name: 'api', namespace: 'ns' }, spec: { clients: { podSelector: { matchLabels: { app: 'api' } } } } } as unknown as AccessPolicy;
    const desired = ingressPolicy(connection, [policy], { operator: 'dbwarden-system', console: 'dbwarden-system' });
    // What the API server sends on a watch: `from`, as in the wire format.
    const wire = JSON.parse(JSON.stringify(desired).replace(/"_from"/g, '"from"')) as typeof desired;
    expect(sameJson(wire?.spec, desired?.spec)).toBe(false);
    expect(sameJson(typed(wire)?.spec, desired?.spec)).toBe(true);
    expect(typed(undefined)).toBeUndefined();
  });
});
