import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, usage } from './config.js';

describe('operator configuration', () => {
  it('has defaults', () => {
    expect(loadConfig([], {})).toEqual({
      namespaces: [], workers: 4, resyncMs: 30_000, leaderElect: false, leaderElectionNamespace: 'default',
      leaderElectionId: 'dbwarden-operator', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, operatorNamespace: 'dbwarden-system', consoleNamespace: 'dbwarden-system',
      consoleServiceAccount: 'dbwarden-console', metricsPort: 8081, logLevel: 'info',
    });
  });
  it('reads environment variables, and flags win over them', () => {
    const config = loadConfig(['--workers', '8', '--namespaces=a,b'], { DBWARDEN_WORKERS: '2', DBWARDEN_RESYNC_PERIOD: '1m', DBWARDEN_LEADER_ELECT: 'true', POD_NAMESPACE: 'dbwarden-system' });
    expect(config).toMatchObject({ workers: 8, namespaces: ['a', 'b'], resyncMs: 60_000, leaderElect: true, leaderElectionNamespace: 'dbwarden-system' });
  });
  it('lists every problem with the flag and variable to fix', () => {
    expect(() => loadConfig(['--workers', '0', '--resync-period', 'soon'], { DBWARDEN_LEADER_ELECT: 'yes' })).toThrow(ConfigError);
    try {
      loadConfig(['--workers', '0', '--resync-period', 'soon'], { DBWARDEN_LEADER_ELECT: 'yes' });
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toContain('--workers (DBWARDEN_WORKERS)');
      expect(message).toContain('--resync-period (DBWARDEN_RESYNC_PERIOD)');
      expect(message).toContain('--leader-elect (DBWARDEN_LEADER_ELECT)');
    }
  });
  it('names the Lease after the namespaces when it is not given, so two shards never share one', () => {
    const id = (argv: string[]): string => (loadConfig(argv, {}) as { leaderElectionId: string }).leaderElectionId;
    expect(id([])).toBe('dbwarden-operator');
    const ab = id(['--namespaces=a,b']);
    expect(ab).toMatch(/^dbwarden-operator-[0-9a-f]{10}$/);
    expect(id(['--namespaces=b, a,a'])).toBe(ab);
    expect(id(['--namespaces=c'])).not.toBe(ab);
    expect(id(['--namespaces=a'])).not.toBe(ab);
    expect(id(['--namespaces=a,b', '--leader-election-id=shard-1'])).toBe('shard-1');
    expect(loadConfig(['--namespaces=a,b'], { DBWARDEN_LEADER_ELECTION_ID: 'from-env' })).toMatchObject({ leaderElectionId: 'from-env' });
    expect(() => loadConfig(['--leader-election-id=Not_A_Name'], {})).toThrow('--leader-election-id (DBWARDEN_LEADER_ELECTION_ID): not a Lease name');
  });
  it('takes Lease timings, and refuses those that would let two replicas lead at once', () => {
    expect(loadConfig(['--leader-election-lease-duration=6s', '--leader-election-renew-deadline=4s'], { DBWARDEN_LEADER_ELECTION_RETRY_PERIOD: '500ms' }))
      .toMatchObject({ leaseDurationMs: 6_000, renewDeadlineMs: 4_000, retryPeriodMs: 500 });
    expect(() => loadConfig(['--leader-election-lease-duration=10s'], {}))
      .toThrow('--leader-election-renew-deadline (DBWARDEN_LEADER_ELECTION_RENEW_DEADLINE): must be shorter than the lease duration');
    expect(() => loadConfig(['--leader-election-renew-deadline=2s'], {}))
      .toThrow('--leader-election-retry-period (DBWARDEN_LEADER_ELECTION_RETRY_PERIOD): must be shorter than the renew deadline');
    expect(() => loadConfig(['--leader-election-lease-duration=7500ms', '--leader-election-renew-deadline=5s'], {}))
      .toThrow('--leader-election-lease-duration (DBWARDEN_LEADER_ELECTION_LEASE_DURATION): must be whole seconds');
  });
  it("names the console's ServiceAccount, or none (no console: no Roles for it)", () => {
    expect(loadConfig(['--console-service-account=console'], { DBWARDEN_CONSOLE_NAMESPACE: 'tools' })).toMatchObject({ consoleServiceAccount: 'console', consoleNamespace: 'tools' });
    expect(loadConfig(['--console-service-account='], {})).toMatchObject({ consoleServiceAccount: undefined });
    expect(loadConfig([], { DBWARDEN_CONSOLE_SERVICE_ACCOUNT: '' })).toMatchObject({ consoleServiceAccount: undefined });
    expect(() => loadConfig(['--console-service-account=Console!'], {})).toThrow('--console-service-account (DBWARDEN_CONSOLE_SERVICE_ACCOUNT): not a ServiceAccount name');
  });
  it('refuses unknown flags and explains the known ones', () => {
    expect(() => loadConfig(['--wrokers', '2'], {})).toThrow(/--wrokers[\s\S]*--workers/);
    expect(loadConfig(['--help'], {})).toBe('help');
    expect(usage()).toContain('DBWARDEN_METRICS_PORT');
  });
});
