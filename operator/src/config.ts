import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseDuration } from '@dbwarden/api/duration';

/** Each flag, its environment variable and what it does: the source of --help. */
export const flags = {
  namespaces: { env: 'DBWARDEN_NAMESPACES', help: 'comma-separated namespaces to watch; empty = all namespaces', default: '' },
  workers: { env: 'DBWARDEN_WORKERS', help: 'concurrent reconciles per controller', default: '4' },
  'resync-period': { env: 'DBWARDEN_RESYNC_PERIOD', help: 're-check every object this often (drift in a database makes no watch event)', default: '30s' },
  'leader-elect': { env: 'DBWARDEN_LEADER_ELECT', help: 'use a Lease so only one replica reconciles (true/false)', default: 'false' },
  'leader-election-namespace': { env: 'DBWARDEN_LEADER_ELECTION_NAMESPACE', help: 'namespace of the Lease (default: POD_NAMESPACE, else default)', default: '' },
  'leader-election-id': { env: 'DBWARDEN_LEADER_ELECTION_ID', help: 'name of the Lease (default: dbwarden-operator; with --namespaces, dbwarden-operator-<hash of them>, so shards never share one)', default: '' },
  'leader-election-lease-duration': { env: 'DBWARDEN_LEADER_ELECTION_LEASE_DURATION', help: 'how long other replicas wait after the last renewal before taking over (whole seconds)', default: '15s' },
  'leader-election-renew-deadline': { env: 'DBWARDEN_LEADER_ELECTION_RENEW_DEADLINE', help: 'how long the leader keeps trying to renew before it stops leading and exits', default: '10s' },
  'leader-election-retry-period': { env: 'DBWARDEN_LEADER_ELECTION_RETRY_PERIOD', help: 'time between attempts to acquire or renew the Lease', default: '2s' },
  'console-namespace': { env: 'DBWARDEN_CONSOLE_NAMESPACE', help: "namespace of the console's pods and ServiceAccount, admitted to databases by NetworkPolicies (default: the operator's)", default: '' },
  'console-service-account': { env: 'DBWARDEN_CONSOLE_SERVICE_ACCOUNT', help: "the console's ServiceAccount (in the console namespace), granted get on console-enabled policies' credentials Secrets by a Role in each namespace; empty = no console, no Roles", default: 'dbwarden-console' },
  'metrics-port': { env: 'DBWARDEN_METRICS_PORT', help: 'port for /metrics, /healthz and /readyz (0 = any free port)', default: '8081' },
  'log-level': { env: 'DBWARDEN_LOG_LEVEL', help: 'trace, debug, info, warn or error', default: 'info' },
} as const;

type FlagName = keyof typeof flags;

/** A duration flag (such as 30s or 1m) of at least `minMs`, in milliseconds. */
const duration = (minMs: number, wholeSeconds = false) => z.string().transform((s, ctx) => {
  try {
    const ms = parseDuration(s);
    if (ms < minMs) ctx.addIssue({ code: 'custom', message: `must be at least ${minMs / 1000}s` });
    if (wholeSeconds && ms % 1000 !== 0) ctx.addIssue({ code: 'custom', message: 'must be whole seconds (a Lease counts in seconds)' });
    return ms;
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const schema = z.object({
  namespaces: z.string().transform((s) => s.split(',').map((n) => n.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'not a namespace name'))),
  workers: z.coerce.number().int().min(1).max(64),
  'resync-period': duration(1000),
  'leader-elect': z.enum(['true', 'false']).transform((s) => s === 'true'),
  'leader-election-namespace': z.string(),
  'leader-election-id': z.string().max(253).regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$/, 'not a Lease name'),
  'leader-election-lease-duration': duration(2000, true),
  'leader-election-renew-deadline': duration(1000),
  'leader-election-retry-period': duration(100),
  'console-namespace': z.string().regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$/, 'not a namespace name'),
  'console-service-account': z.string().max(253).regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$/, 'not a ServiceAccount name'),
  'metrics-port': z.coerce.number().int().min(0).max(65535),
  'log-level': z.enum(['trace', 'debug', 'info', 'warn', 'error']),
}).superRefine((c, ctx) => {
  // As client-go requires: the leader gives up before anyone may take over, and retries several times first.
  if (c['leader-election-lease-duration'] <= c['leader-election-renew-deadline']) {
    ctx.addIssue({ code: 'custom', path: ['leader-election-renew-deadline'], message: 'must be shorter than the lease duration' });
  }
  if (c['leader-election-renew-deadline'] <= c['leader-election-retry-period']) {
    ctx.addIssue({ code: 'custom', path: ['leader-election-retry-period'], message: 'must be shorter than the renew deadline' });
  }
});

export interface OperatorConfig {
  namespaces: string[];
  workers: number;
  resyncMs: number;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  /** Lease timings (client-go's meaning): takeover after leaseDuration; the leader stops after renewDeadline. */
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** Where the operator's own pods run (POD_NAMESPACE in a cluster): NetworkPolicies admit them to databases. */
  operatorNamespace: string;
  consoleNamespace: string;
  /** The console's ServiceAccount (in consoleNamespace) that may read console-enabled policies' Secrets; undefined: no console. */
  consoleServiceAccount: string | undefined;
  metricsPort: number;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
}

export class ConfigError extends Error {}

/**
 * The Lease of an operator that was given no --leader-election-id: one name for a cluster-wide operator, and one
 * per set of namespaces for a sharded one (the order they are listed in does not matter), so that two shards
 * whose Leases live in the same namespace never wait on each other's.
 */
export function defaultLeaseName(namespaces: string[]): string {
  if (!namespaces.length) return 'dbwarden-operator';
  const hash = createHash('sha256').update([...new Set(namespaces)].sort().join(',')).digest('hex').slice(0, 10);
  return `dbwarden-operator-${hash}`;
}

export function usage(): string {
  const lines = Object.entries(flags).map(([name, f]) =>
    `  --${name.padEnd(27)} ${f.help}\n  ${' '.repeat(29)} env ${f.env}, default ${JSON.stringify(f.default)}`);
  return `usage: npm run operator -- [flags]   (KUBECONFIG or in-cluster config selects the cluster)\n\n${lines.join('\n')}\n  --help                        show this help`;
}

/** Flags win over environment variables, which win over defaults. Throws ConfigError with every problem. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): OperatorConfig | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { ...Object.fromEntries(Object.keys(flags).map((n) => [n, { type: 'string' as const }])), help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n\n${usage()}`);
  }
  if (values.help) return 'help';
  const raw = Object.fromEntries((Object.keys(flags) as FlagName[]).map((n) => [n, (values[n] as string | undefined) ?? env[flags[n].env] ?? flags[n].default]));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const name = String(i.path[0]) as FlagName;
      return `--${name} (${flags[name].env}): ${i.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const c = parsed.data;
  return {
    namespaces: c.namespaces,
    workers: c.workers,
    resyncMs: c['resync-period'],
    leaderElect: c['leader-elect'],
    leaderElectionNamespace: c['leader-election-namespace'] || env.POD_NAMESPACE || 'default',
    leaderElectionId: c['leader-election-id'] || defaultLeaseName(c.namespaces),
    leaseDurationMs: c['leader-election-lease-duration'],
    renewDeadlineMs: c['leader-election-renew-deadline'],
    retryPeriodMs: c['leader-election-retry-period'],
    operatorNamespace: env.POD_NAMESPACE || 'dbwarden-system',
    consoleNamespace: c['console-namespace'] || env.POD_NAMESPACE || 'dbwarden-system',
    consoleServiceAccount: c['console-service-account'] || undefined,
    metricsPort: c['metrics-port'],
    logLevel: c['log-level'],
  };
}
