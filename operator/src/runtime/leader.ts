import {
  CoordinationV1Api,
  Observable,
  V1MicroTime,
  type ConfigurationOptions,
  type KubeConfig,
  type ObservableMiddleware,
  type V1Lease,
  type V1LeaseSpec,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { delay } from './delay.js';
import { createLogger } from './logger.js';

export interface LeaderElectionOptions {
  /** Where the Lease lives, and its name. */
  namespace: string;
  name: string;
  /** Unique per candidate, e.g. the pod name. */
  identity: string;
  /** How long others wait after the last renewal they saw before taking over (default 15 s; whole seconds). */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives up leading (default 10 s). */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew (default 2 s). */
  retryPeriodMs?: number;
  /** Give the lease up on stop() so a successor need not wait for it to expire (default true). */
  releaseOnStop?: boolean;
  logger?: Logger;
}

export type StoppedLeadingReason = 'lost' | 'released';

export interface LeaderCallbacks {
  /** This candidate now leads; the signal aborts when leadership ends. */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /**
   * Leadership ended: `lost` when renewal failed for renewDeadline (the lease may already be someone else's: exit
   * the process), `released` after stop().
   */
  onStoppedLeading: (reason: StoppedLeadingReason) => void;
}

interface ObservedRecord {
  record: string;
  leaseDurationMs: number;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, like client-go's: acquire the lease when it is free or
 * has not changed for its duration, renew it every retry period, and stop leading when renewals have failed
 * for the renew deadline. Every write carries the resourceVersion it read, so of two candidates writing at
 * once one gets 409 Conflict and loses. Expiry is judged by the local time at which this candidate last saw
 * the lease change, never by the timestamps in it, so clock skew between candidates does not matter.
 */
export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly log: Logger;
  private readonly leaseDurationSeconds: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly requestTimeoutMs: number;
  private readonly stopping = new AbortController();
  private observed: ObservedRecord | undefined;
  private observedAt = 0;
  private leading = false;
  private finished: Promise<void> | undefined;

  constructor(
    kc: KubeConfig,
    private readonly options: LeaderElectionOptions,
  ) {
    this.api = kc.makeApiClient(CoordinationV1Api);
    this.log = (options.logger ?? createLogger('silent')).child({ lease: `${options.namespace}/${options.name}`, identity: options.identity });
    this.leaseDurationSeconds = Math.ceil((options.leaseDurationMs ?? 15_000) / 1000);
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (this.leaseDurationSeconds * 1000 <= this.renewDeadlineMs) {
      throw new Error('leaseDurationMs must be longer than renewDeadlineMs');
    }
    if (this.renewDeadlineMs <= this.retryPeriodMs) throw new Error('renewDeadlineMs must be longer than retryPeriodMs');
    this.requestTimeoutMs = Math.max(500, this.renewDeadlineMs / 2);
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Campaigns until it leads, then renews until it loses the lease or stop() is called. Resolves when done. */
  run(callbacks: LeaderCallbacks): Promise<void> {
    if (this.finished) throw new Error('a LeaderElector runs once');
    this.finished = this.campaign(callbacks);
    return this.finished;
  }

  /** Stops campaigning or leading; releases the lease if held (unless releaseOnStop is false). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.finished;
  }

  private async campaign(callbacks: LeaderCallbacks): Promise<void> {
    const stop = this.stopping.signal;
    while (!stop.aborted && !(await this.tryAcquireOrRenew(this.requestTimeoutMs))) {
      await delay(this.retryPeriodMs * (1 + Math.random() * 0.2), stop);
    }
    if (stop.aborted) return;

    this.leading = true;
    const leadership = new AbortController();
    this.log.info('started leading');
    Promise.resolve()
      .then(() => callbacks.onStartedLeading(leadership.signal))
      .catch((err: unknown) => this.log.error({ err }, 'onStartedLeading failed'));

    const reason = await this.renewUntilLostOrStopped(stop);
    this.leading = false;
    leadership.abort();
    if (reason === 'released' && (this.options.releaseOnStop ?? true)) await this.release();
    if (reason === 'lost') this.log.warn({ renewDeadlineMs: this.renewDeadlineMs }, 'lost the lease: could not renew it in time');
    else this.log.info('stopped leading');
    try {
      callbacks.onStoppedLeading(reason);
    } catch (err) {
      this.log.error({ err }, 'onStoppedLeading failed');
    }
  }

  private async renewUntilLostOrStopped(stop: AbortSignal): Promise<StoppedLeadingReason> {
    let renewedAt = Date.now();
    for (;;) {
      await delay(this.retryPeriodMs, stop);
      if (stop.aborted) return 'released';
      const attemptAt = Date.now();
      const remaining = renewedAt + this.renewDeadlineMs - attemptAt;
      if (remaining <= 0) return 'lost';
      if (await this.tryAcquireOrRenew(Math.min(this.requestTimeoutMs, remaining))) renewedAt = attemptAt;
      else if (Date.now() - renewedAt >= this.renewDeadlineMs) return 'lost';
    }
  }

  /** One attempt; true if this candidate holds the lease afterwards. Failures of any kind count as false. */
  private async tryAcquireOrRenew(timeoutMs: number): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const requestOptions = withTimeout(timeoutMs);
    const now = new V1MicroTime();
    try {
      let lease: V1Lease;
      try {
        lease = await this.api.readNamespacedLease({ namespace, name }, requestOptions);
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
        const created = await this.api.createNamespacedLease(
          { namespace, body: { metadata: { name, namespace }, spec: this.heldSpec(now, now, 0) } },
          requestOptions,
        );
        this.observe(created);
        return true;
      }
      this.observe(lease);
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      if (holder && holder !== identity && !this.observedExpired()) return false;
      const transitions = spec.leaseTransitions ?? 0;
      const renewing = holder === identity;
      const body: V1Lease = {
        metadata: withoutManagedFields(lease),
        spec: renewing
          ? this.heldSpec(spec.acquireTime ?? now, now, transitions)
          : this.heldSpec(now, now, transitions + 1),
      };
      const updated = await this.api.replaceNamespacedLease({ namespace, name, body }, requestOptions);
      this.observe(updated);
      return true;
    } catch (err) {
      if (statusOf(err) === 409) this.log.debug('lease changed while we wrote it: someone else won');
      else this.log.warn({ err }, 'could not acquire or renew the lease');
      return false;
    }
  }

  private heldSpec(acquireTime: V1MicroTime, renewTime: V1MicroTime, leaseTransitions: number): V1LeaseSpec {
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: this.leaseDurationSeconds,
      acquireTime,
      renewTime,
      leaseTransitions,
    };
  }

  /** Notes when the lease record last changed, by our own clock. */
  private observe(lease: V1Lease): void {
    const spec = lease.spec ?? {};
    const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.acquireTime, spec.leaseDurationSeconds, spec.leaseTransitions]);
    if (this.observed?.record === record) return;
    this.observed = { record, leaseDurationMs: (spec.leaseDurationSeconds ?? this.leaseDurationSeconds) * 1000 };
    this.observedAt = Date.now();
  }

  private observedExpired(): boolean {
    return !!this.observed && this.observedAt + this.observed.leaseDurationMs <= Date.now();
  }

  /** Empties the holder and shortens the lease to 1 s, so a waiting candidate takes over at once. */
  private async release(): Promise<void> {
    const { namespace, name, identity } = this.options;
    const requestOptions = withTimeout(this.requestTimeoutMs);
    try {
      const lease = await this.api.readNamespacedLease({ namespace, name }, requestOptions);
      if (lease.spec?.holderIdentity !== identity) return;
      const now = new V1MicroTime();
      const spec: V1LeaseSpec = {
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: lease.spec.leaseTransitions ?? 0,
      };
      await this.api.replaceNamespacedLease({ namespace, name, body: { metadata: withoutManagedFields(lease), spec } }, requestOptions);
      this.log.info('released the lease');
    } catch (err) {
      this.log.warn({ err }, 'could not release the lease; a successor waits for it to expire');
    }
  }
}

/** The lease's metadata, resourceVersion included, minus managedFields (which the server keeps when omitted). */
function withoutManagedFields(lease: V1Lease): V1Lease['metadata'] {
  return { ...lease.metadata, managedFields: undefined };
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Request options that abort a call after ms, so a hung request cannot outlast the renew deadline. */
function withTimeout(ms: number): ConfigurationOptions {
  const middleware: ObservableMiddleware = {
    pre: (request) => {
      request.setSignal(AbortSignal.timeout(ms));
      return new Observable(Promise.resolve(request));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}
