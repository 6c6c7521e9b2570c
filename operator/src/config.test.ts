import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, usage } from './config.js';

describe('operator configuration', () => {
  it('has defaults', () => {
    expect(loadConfig([], {})).toEqual({
      namespaces: [], workers: 4, resyncMs: 30_000, leaderElect: false, leaderElectionNamespace: 'default',
      leaderElectionId: 'dbwarden-operator', operatorNamespace: 'dbwarden-system', consoleNamespace: 'dbwarden-system',
      metricsPort: 8080, logLevel: 'info',
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
  it('refuses unknown flags and explains the known ones', () => {
    expect(() => loadConfig(['--wrokers', '2'], {})).toThrow(/--wrokers[\s\S]*--workers/);
    expect(loadConfig(['--help'], {})).toBe('help');
    expect(usage()).toContain('DBWARDEN_METRICS_PORT');
  });
});
