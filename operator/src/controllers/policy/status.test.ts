import { describe, expect, it } from 'vitest';
import { findCondition } from '../conditions.js';
import { testPolicy } from '../fakes.js';
import { failedStatus, provisionedStatus, type Provisioned } from './status.js';

const now = new Date('2026-03-01T12:00:00Z');
const provisioned = (over: Partial<Provisioned> = {}): Provisioned => ({
  username: 'ai', activeUsername: 'ai_a', secretName: 'ai-credentials',
  lastRotationTime: '2026-03-01T00:00:00Z', nextRotationTime: '2026-05-30T00:00:00Z',
  report: { tables: ['public.orders', 'public.products'], privileges: ['SELECT ON public.orders', 'SELECT ON public.products'] },
  findings: [], ...over,
});

describe('provisionedStatus', () => {
  it('is Ready and Clean, says what the user can do, and observes the generation', () => {
    const policy = testPolicy({}, { generation: 3 });
    const status = provisionedStatus(policy, provisioned(), now);
    expect(status).toMatchObject({ observedGeneration: 3, activeUsername: 'ai_a', secretName: 'ai-credentials', grants: { tables: ['public.orders', 'public.products'] } });
    expect(findCondition(status.conditions, 'Ready')).toMatchObject({ status: 'True', reason: 'Provisioned', observedGeneration: 3 });
    expect(findCondition(status.conditions, 'Ready')?.message).toBe('user ai_a has SELECT on 2 tables (public.orders, public.products); credentials in Secret ai-credentials');
    expect(findCondition(status.conditions, 'LeastPrivilege')).toMatchObject({ status: 'True', reason: 'Clean' });
  });

  it('reports findings as ExcessPrivileges, and keeps the last drift correction unless this pass made one', () => {
    const drift = { time: '2026-02-01T00:00:00Z', granted: [], revoked: ['DELETE ON public.orders'] };
    const policy = { ...testPolicy(), status: { lastDriftCorrection: drift } };
    const status = provisionedStatus(policy, provisioned({ findings: ['ai_a: SUPERUSER'] }), now);
    expect(findCondition(status.conditions, 'LeastPrivilege')).toMatchObject({ status: 'False', reason: 'ExcessPrivileges' });
    expect(status.lastDriftCorrection).toEqual(drift);
    const fresh = { time: '2026-03-01T12:00:00Z', granted: ['SELECT ON public.orders'], revoked: [] };
    expect(provisionedStatus(policy, provisioned({ drift: fresh }), now).lastDriftCorrection).toEqual(fresh);
  });

  it('keeps lastTransitionTime when Ready stays True', () => {
    const first = provisionedStatus(testPolicy(), provisioned(), now);
    const again = provisionedStatus({ ...testPolicy(), status: first }, provisioned(), new Date('2026-03-02T00:00:00Z'));
    expect(findCondition(again.conditions, 'Ready')?.lastTransitionTime).toBe('2026-03-01T12:00:00Z');
  });
});

describe('failedStatus', () => {
  it('keeps what was observed and says why it is not Ready', () => {
    const before = provisionedStatus(testPolicy(), provisioned(), now);
    const status = failedStatus({ ...testPolicy({}, { generation: 2 }), status: before },
      { reason: 'TableNotFound', message: 'table public.gone does not exist', retryable: false }, now);
    expect(status).toMatchObject({ observedGeneration: 2, activeUsername: 'ai_a', grants: before.grants });
    expect(findCondition(status.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'TableNotFound', message: 'table public.gone does not exist' });
    expect(findCondition(status.conditions, 'LeastPrivilege')).toMatchObject({ status: 'True' });
  });

  it('with an audit, LeastPrivilege says what the users hold now; a repair is a drift correction', () => {
    const status = failedStatus(testPolicy(), { reason: 'SystemSchemaRefused', message: 'no', retryable: false }, now,
      ['ai_a: SELECT ON pg_catalog.pg_authid'], ['USAGE ON SCHEMA pg_catalog']);
    expect(findCondition(status.conditions, 'LeastPrivilege')).toMatchObject({ status: 'False', reason: 'ExcessPrivileges' });
    expect(status.lastDriftCorrection).toEqual({ time: '2026-03-01T12:00:00Z', revoked: ['USAGE ON SCHEMA pg_catalog'], granted: [] });
  });
});
