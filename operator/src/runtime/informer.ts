import { ApiException, Watch, type KubeConfig, type KubernetesObject, type V1Status } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { exponentialDelayMs, withJitter } from './backoff.js';
import { delay } from './delay.js';
import { diffSnapshot } from './informer-diff.js';
import { listAll, metadataAccept, metadataListAccept } from './kube-list.js';
import { createLogger } from './logger.js';
import { keyOf } from './object-key.js';

export interface InformerOptions {
  /** Collection path: `/apis/dbwarden.io/v1alpha1/accesspolicies` (every namespace) or `/api/v1/namespaces/x/secrets`. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** For logs and health reports; defaults to the path. */
  name?: string;
  logger?: Logger;
  /** Backoff between failed lists or watches (default 1 s doubling up to 30 s, with jitter). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** A list request that takes longer is abandoned and retried (default 60 s). */
  listTimeoutMs?: number;
  pageSize?: number;
  /**
   * Applied to every object before it is cached or handed to handlers, like client-go's SetTransform: e.g. keep
   * only the metadata of Secrets the operator merely needs to notice changing, so their data is never retained.
   */
  transform?: (obj: KubernetesObject) => KubernetesObject;
  /**
   * Lists and watches objects as PartialObjectMetadata (metadata only): the server never sends anything but
   * their metadata, so a Secret's data never reaches the process. Objects are then of kind PartialObjectMetadata.
   */
  metadataOnly?: boolean;
  /** How often the watchdog checks the list-and-watch loop (default 15 s). */
  watchdogIntervalMs?: number;
  /** Without a watch and without list or watch activity for this long, the loop counts as stuck (default 2 min). */
  stuckAfterMs?: number;
}

export interface InformerStats {
  /** Successful lists, the initial one included. */
  lists: number;
  /** Lists after the initial one: a 410 Gone made the informer list again. */
  relists: number;
  /** Watch connections opened. */
  watches: number;
  /** Watch connections opened after the first one (resumed from the last resourceVersion, or after a relist). */
  watchRestarts: number;
  /** Times the watchdog found no active watch and restarted the loop. */
  watchdogRestarts: number;
}

export type AddHandler<T> = (obj: T) => void;
export type UpdateHandler<T> = (oldObj: T, newObj: T) => void;
export type DeleteHandler<T> = (obj: T) => void;

interface WatchEnd {
  /** The server no longer has the resourceVersion we resumed from (410 Gone). */
  expired: boolean;
  /** Delivered events or stayed open a while; a watch that is neither counts as a failure for backoff. */
  productive: boolean;
}

interface Suspension {
  resume: () => void;
  resumed: Promise<void>;
}

const productiveWatchMs = 1_000;

/** Watches end server-side after a random 5–10 minutes, like client-go's reflector, so clients spread out. */
function watchTimeoutSeconds(): number {
  return 300 + Math.floor(Math.random() * 300);
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/**
 * The same cluster and credentials, with every request also asking for `accept`. client-node's Watch sends no
 * Accept header and takes none, but has its KubeConfig authenticate each request, which may set headers.
 */
function withAccept(kc: KubeConfig, accept: string): KubeConfig {
  const wrapped = Object.create(kc) as KubeConfig;
  wrapped.applySecurityAuthentication = async (context) => {
    await kc.applySecurityAuthentication(context);
    context.setHeaderParam('Accept', accept);
  };
  return wrapped;
}

function statusCode(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/**
 * A cache of one resource type kept current by list and watch, with add/update/delete handlers.
 *
 * It lists once, then watches from the list's resourceVersion. A watch that ends (server timeout, the client's
 * 30 s inactivity timeout, a network error) is resumed from the last resourceVersion seen, bookmarks included,
 * without listing again. Only when the server has forgotten that version (410 Gone) does it list again, and then
 * it emits the differences so handlers see every change. Failures are retried with capped exponential backoff;
 * a watchdog restarts the loop if it ever stops watching.
 *
 * Cached objects are the API server's JSON as sent, for lists and watches alike: timestamps such as
 * metadata.deletionTimestamp are strings, not the Date objects the generated clients' types promise.
 * Handlers run synchronously after the cache has changed; they should only enqueue keys.
 */
export class Informer<T extends KubernetesObject> {
  readonly name: string;
  readonly stats: InformerStats = { lists: 0, relists: 0, watches: 0, watchRestarts: 0, watchdogRestarts: 0 };

  private readonly path: string;
  private readonly log: Logger;
  private readonly watcher: Watch;
  private readonly cache = new Map<string, T>();
  private readonly addHandlers = new Set<AddHandler<T>>();
  private readonly updateHandlers = new Set<UpdateHandler<T>>();
  private readonly deleteHandlers = new Set<DeleteHandler<T>>();
  private readonly syncWaiters = new Set<{ resolve: () => void; reject: (err: Error) => void }>();
  private state: 'new' | 'running' | 'stopped' = 'new';
  private synced = false;
  private resourceVersion = '';
  private generation = 0;
  private loopRunning = false;
  private loopAbort = new AbortController();
  private activeWatch: { abort: () => void } | undefined;
  /** performance.now() of the last sign of life: monotonic, so a step of the wall clock (NTP, a resumed VM) cannot make a healthy loop look stuck. */
  private lastActivityAt = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private suspension: Suspension | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly options: InformerOptions,
  ) {
    this.path = options.path;
    this.name = options.name ?? options.path;
    this.log = (options.logger ?? createLogger('silent')).child({ informer: this.name });
    this.watcher = new Watch(options.metadataOnly ? withAccept(kc, metadataAccept) : kc);
  }

  /** Starts listing and watching in the background; waitForSync tells when the cache is complete. */
  start(): void {
    if (this.state !== 'new') throw new Error(`informer ${this.name} was already started`);
    this.state = 'running';
    this.touch();
    this.watchdog = setInterval(() => this.checkWatchdog(), this.options.watchdogIntervalMs ?? 15_000);
    this.watchdog.unref();
    this.launchLoop();
  }

  /** Stops watching for good. The cache stays readable. */
  stop(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    clearInterval(this.watchdog);
    this.abortLoop();
    this.suspension?.resume();
    for (const waiter of this.syncWaiters) waiter.reject(new Error(`informer ${this.name} stopped before it synced`));
    this.syncWaiters.clear();
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the initial list is in the cache; rejects if the signal aborts or the informer stops first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this.state === 'stopped') return Promise.reject(new Error(`informer ${this.name} is stopped`));
    if (signal?.aborted) return Promise.reject(asError(signal.reason));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.syncWaiters.delete(waiter);
        reject(asError(signal?.reason));
      };
      const waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err: Error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      this.syncWaiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * False when the informer runs but its loop has shown no sign of life (no list or watch attempt, connection
   * or event) for longer than stuckAfterMs: the watchdog could not revive it.
   */
  isHealthy(): boolean {
    if (this.state !== 'running' || this.suspension) return true;
    return performance.now() - this.lastActivityAt < this.stuckAfterMs();
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  /** The cached object; namespace undefined for a cluster-scoped resource. */
  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(keyOf(namespace, name));
  }

  /** The resourceVersion the next watch resumes from. */
  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  /** Calls handler for every object that appears; objects already cached are replayed to it at once. */
  onAdd(handler: AddHandler<T>): () => void {
    this.addHandlers.add(handler);
    for (const obj of this.cache.values()) this.call(() => handler(obj));
    return () => this.addHandlers.delete(handler);
  }

  /** Calls handler when an object's resourceVersion changes. */
  onUpdate(handler: UpdateHandler<T>): () => void {
    this.updateHandlers.add(handler);
    return () => this.updateHandlers.delete(handler);
  }

  /** Calls handler with the last state of every object that goes away. */
  onDelete(handler: DeleteHandler<T>): () => void {
    this.deleteHandlers.add(handler);
    return () => this.deleteHandlers.delete(handler);
  }

  /**
   * Closes the watch and ignores the server until resumeWatch, as a long network outage would. Tests use it to
   * make changes the informer must catch up with.
   */
  suspendWatch(): void {
    if (this.state !== 'running' || this.suspension) return;
    let resume = (): void => undefined;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    this.suspension = { resume, resumed };
    this.activeWatch?.abort();
  }

  /** Ends a suspension; fromResourceVersion replaces the version the watch resumes from (tests force a 410 with it). */
  resumeWatch(fromResourceVersion?: string): void {
    const suspension = this.suspension;
    if (!suspension) return;
    if (fromResourceVersion !== undefined) this.resourceVersion = fromResourceVersion;
    this.suspension = undefined;
    suspension.resume();
  }

  private stuckAfterMs(): number {
    return this.options.stuckAfterMs ?? 120_000;
  }

  private touch(): void {
    this.lastActivityAt = performance.now();
  }

  private isCurrent(generation: number): boolean {
    return this.state === 'running' && generation === this.generation;
  }

  private launchLoop(): void {
    const generation = ++this.generation;
    this.loopAbort = new AbortController();
    const signal = this.loopAbort.signal;
    this.runLoop(generation, signal).catch((err: unknown) => {
      this.log.error({ err }, 'list-and-watch loop failed');
    });
  }

  private abortLoop(): void {
    this.loopAbort.abort();
    this.activeWatch?.abort();
    this.activeWatch = undefined;
  }

  private checkWatchdog(): void {
    if (this.state !== 'running' || this.suspension) return;
    const idleMs = performance.now() - this.lastActivityAt;
    if (this.loopRunning && (this.activeWatch || idleMs < this.stuckAfterMs())) return;
    this.stats.watchdogRestarts++;
    this.log.warn({ idleMs, loopRunning: this.loopRunning }, 'no active watch: restarting list-and-watch');
    this.abortLoop();
    this.touch();
    this.launchLoop();
  }

  private async runLoop(generation: number, signal: AbortSignal): Promise<void> {
    this.loopRunning = true;
    let failures = 0;
    let expiredInARow = 0;
    let mustList = !this.synced;
    try {
      while (this.isCurrent(generation)) {
        if (this.suspension) {
          await this.suspension.resumed;
          continue;
        }
        this.touch();
        try {
          if (mustList) {
            await this.relist(generation, signal);
            mustList = false;
          }
          const end = await this.watchOnce(generation);
          if (!this.isCurrent(generation) || this.suspension) continue;
          if (end.expired) {
            this.log.info({ resourceVersion: this.resourceVersion }, 'resourceVersion expired (410 Gone): listing again');
            mustList = true;
            expiredInARow++;
            if (expiredInARow > 1) await delay(this.backoffMs(expiredInARow - 1), signal);
            continue;
          }
          expiredInARow = 0;
          if (end.productive) {
            failures = 0;
          } else {
            failures++;
            await delay(this.backoffMs(failures), signal);
          }
        } catch (err) {
          if (!this.isCurrent(generation)) break;
          if (statusCode(err) === 410) {
            mustList = true;
            continue;
          }
          failures++;
          const retryInMs = this.backoffMs(failures);
          this.log.warn({ err, retryInMs, listing: mustList }, 'list or watch failed');
          await delay(retryInMs, signal);
        }
      }
    } finally {
      if (generation === this.generation) this.loopRunning = false;
    }
  }

  private backoffMs(failures: number): number {
    const base = this.options.retryBaseMs ?? 1_000;
    const max = this.options.retryMaxMs ?? 30_000;
    return withJitter(exponentialDelayMs(failures - 1, base, max));
  }

  private async relist(generation: number, signal: AbortSignal): Promise<void> {
    const result = await listAll<T>(this.kc, this.path, {
      labelSelector: this.options.labelSelector,
      fieldSelector: this.options.fieldSelector,
      pageSize: this.options.pageSize,
      ...(this.options.metadataOnly ? { accept: metadataListAccept } : {}),
      signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.listTimeoutMs ?? 60_000)]),
    });
    if (!this.isCurrent(generation)) return;
    this.touch();
    this.stats.lists++;
    if (this.synced) this.stats.relists++;
    const items = result.items.map((obj) => this.transformed(obj));
    const diff = diffSnapshot(this.cache, items);
    this.cache.clear();
    for (const obj of items) this.cache.set(keyOf(obj), obj);
    this.resourceVersion = result.resourceVersion;
    for (const obj of diff.deleted) this.emitDelete(obj);
    for (const obj of diff.added) this.emitAdd(obj);
    for (const change of diff.updated) this.emitUpdate(change.old, change.new);
    if (!this.synced) {
      this.synced = true;
      for (const waiter of this.syncWaiters) waiter.resolve();
      this.syncWaiters.clear();
      this.log.debug({ objects: this.cache.size, resourceVersion: this.resourceVersion }, 'synced');
    }
  }

  /** One watch connection from the current resourceVersion; settles when it ends. */
  private watchOnce(generation: number): Promise<WatchEnd> {
    return new Promise<WatchEnd>((resolve, reject) => {
      const startedAt = performance.now();
      let events = 0;
      let expired = false;
      let failure: Error | undefined;
      let ended = false;
      let closed = false;
      const params = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: watchTimeoutSeconds(),
        labelSelector: this.options.labelSelector,
        fieldSelector: this.options.fieldSelector,
      };
      const handle = {
        controller: undefined as AbortController | undefined,
        abort: () => {
          closed = true;
          handle.controller?.abort();
        },
      };
      this.activeWatch = handle;

      const onEvent = (type: string, obj: unknown) => {
        if (closed || ended || !this.isCurrent(generation) || this.suspension) return;
        this.touch();
        if (type === 'ERROR') {
          const status = obj as V1Status;
          if (status.code === 410) expired = true;
          else failure = new ApiException(status.code ?? 500, `watch ${this.path}: ${status.message}`, status, {});
          return;
        }
        events++;
        this.apply(type, obj as T);
      };

      const onDone = (err: unknown) => {
        if (ended) return;
        ended = true;
        if (this.activeWatch === handle) this.activeWatch = undefined;
        this.touch();
        const productive = events > 0 || performance.now() - startedAt >= productiveWatchMs;
        if (expired || statusCode(err) === 410) resolve({ expired: true, productive });
        else if (failure) reject(failure);
        else if (!err || closed || (err instanceof Error && err.name === 'TimeoutError')) resolve({ expired: false, productive });
        else reject(asError(err));
      };

      this.watcher.watch(this.path, params, onEvent, onDone).then(
        (controller) => {
          handle.controller = controller;
          if (ended) return;
          if (closed || !this.isCurrent(generation) || this.suspension) {
            handle.abort();
            return;
          }
          this.stats.watches++;
          if (this.stats.watches > 1) this.stats.watchRestarts++;
          this.touch();
        },
        (err: unknown) => onDone(err ?? new Error('watch failed')),
      );
    });
  }

  private transformed(obj: T): T {
    return this.options.transform ? (this.options.transform(obj) as T) : obj;
  }

  private apply(type: string, raw: T): void {
    const resourceVersion = raw.metadata?.resourceVersion;
    const obj = type === 'BOOKMARK' ? raw : this.transformed(raw);
    if (type === 'ADDED' || type === 'MODIFIED') {
      const key = keyOf(obj);
      const old = this.cache.get(key);
      if (old?.metadata?.resourceVersion !== resourceVersion) {
        this.cache.set(key, obj);
        if (old) this.emitUpdate(old, obj);
        else this.emitAdd(obj);
      }
    } else if (type === 'DELETED') {
      const key = keyOf(obj);
      if (this.cache.delete(key)) this.emitDelete(obj);
    }
    if (resourceVersion) this.resourceVersion = resourceVersion;
  }

  private emitAdd(obj: T): void {
    for (const handler of this.addHandlers) this.call(() => handler(obj));
  }

  private emitUpdate(oldObj: T, newObj: T): void {
    for (const handler of this.updateHandlers) this.call(() => handler(oldObj, newObj));
  }

  private emitDelete(obj: T): void {
    for (const handler of this.deleteHandlers) this.call(() => handler(obj));
  }

  private call(invoke: () => void): void {
    try {
      invoke();
    } catch (err) {
      this.log.error({ err }, 'event handler threw');
    }
  }
}
