import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/kube.js';
import { EngineError } from '../engines/engine.js';
import { ReconcileError } from '../errors.js';
import { WorkQueue, type WorkOutcome } from './workqueue.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.concurrent('WorkQueue', () => {
  it('keeps one copy of a key that is added again while it waits', async () => {
    const queue = new WorkQueue({ name: 'dedup' });
    queue.add('a');
    queue.add('b');
    queue.add('a');
    expect(queue.len()).toBe(2);
    expect(await queue.get()).toBe('a');
    expect(await queue.get()).toBe('b');
    expect(queue.len()).toBe(0);
  });

  it('never hands one key to two workers, and processes a key re-added during processing once more', async () => {
    const queue = new WorkQueue({ name: 'exclusive' });
    const running = new Map<string, number>();
    const processed: string[] = [];
    let maxSameKey = 0;
    let maxOverall = 0;
    const done = queue.run(4, async (key) => {
      running.set(key, (running.get(key) ?? 0) + 1);
      maxSameKey = Math.max(maxSameKey, running.get(key) ?? 0);
      maxOverall = Math.max(maxOverall, [...running.values()].reduce((a, b) => a + b, 0));
      await sleep(100);
      processed.push(key);
      running.set(key, (running.get(key) ?? 1) - 1);
    });
    queue.add('a');
    queue.add('b');
    await sleep(20);
    queue.add('a');
    queue.add('a');
    await eventually('three passes', () => processed.length === 3, 5_000);
    await sleep(150);
    expect(processed.sort()).toEqual(['a', 'a', 'b']);
    expect(maxSameKey).toBe(1);
    expect(maxOverall).toBe(2);
    await queue.shutdown();
    await done;
  });

  it('retries a failing key with growing delays, and forgets the backoff once it succeeds', async () => {
    const attempts: number[] = [];
    const outcomes: WorkOutcome['result'][] = [];
    const queue = new WorkQueue({
      name: 'backoff',
      baseDelayMs: 20,
      maxDelayMs: 10_000,
      onOutcome: (outcome) => outcomes.push(outcome.result),
    });
    const done = queue.run(1, async () => {
      attempts.push(Date.now());
      if (attempts.length < 6) throw new Error('database unavailable');
      await Promise.resolve();
    });
    queue.add('x');
    await eventually('six attempts', () => attempts.length === 6, 10_000);
    const gaps = attempts.slice(1).map((at, i) => at - (attempts[i] ?? at));
    // Each gap is at least its backoff: 20, 40, 80, 160, 320 ms (timers may fire a millisecond early).
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(20 * 2 ** i - 2));
    expect(outcomes).toEqual(['error', 'error', 'error', 'error', 'error', 'success']);
    expect(queue.numRequeues('x')).toBe(0);
    await queue.shutdown();
    await done;
  });

  it('does not retry a terminal error (a ReconcileError or EngineError that is not retryable)', async () => {
    const outcomes: WorkOutcome[] = [];
    const queue = new WorkQueue({ name: 'terminal', baseDelayMs: 10, onOutcome: (o) => outcomes.push(o) });
    const calls: string[] = [];
    const done = queue.run(2, async (key) => {
      calls.push(key);
      await Promise.resolve();
      if (key === 'bad-spec') throw new ReconcileError('Unsupported', 'spec.engine is not supported', false);
      throw new EngineError('InvalidIdentifier', 'role does not exist', false);
    });
    queue.add('bad-spec');
    queue.add('no-role');
    await sleep(300);
    expect(calls.sort()).toEqual(['bad-spec', 'no-role']);
    expect(outcomes.map((o) => o.result)).toEqual(['terminal', 'terminal']);
    expect(queue.numRequeues('bad-spec')).toBe(0);
    await queue.shutdown();
    await done;
  });

  it('adds a key after a delay, and keeps the earliest of several delayed adds', async () => {
    const queue = new WorkQueue({ name: 'after' });
    const processedAt: number[] = [];
    const start = Date.now();
    const done = queue.run(1, async () => {
      processedAt.push(Date.now() - start);
      await Promise.resolve();
    });
    queue.addAfter('k', 400);
    queue.addAfter('k', 150);
    await sleep(80);
    expect(processedAt).toEqual([]);
    await eventually('the delayed add', () => processedAt.length === 1, 2_000);
    expect(processedAt[0]).toBeGreaterThanOrEqual(145);
    await sleep(450);
    expect(processedAt).toHaveLength(1);
    await queue.shutdown();
    await done;
  });

  it('processes a key again when the handler asks for a requeue (periodic resync)', async () => {
    const outcomes: string[] = [];
    const queue = new WorkQueue({ name: 'resync', onOutcome: (o) => outcomes.push(o.result) });
    let passes = 0;
    const done = queue.run(1, async () => {
      passes++;
      await Promise.resolve();
      return { requeueAfterMs: 50 };
    });
    queue.add('policy');
    await eventually('three passes', () => passes >= 3, 2_000);
    expect(outcomes.slice(0, 3)).toEqual(['requeue', 'requeue', 'requeue']);
    await queue.shutdown();
    await done;
  });

  it('shuts down gracefully: waits for keys in progress, drops waiting and delayed keys, ignores new ones', async () => {
    const queue = new WorkQueue({ name: 'shutdown' });
    const finished: string[] = [];
    const done = queue.run(1, async (key) => {
      await sleep(200);
      finished.push(key);
    });
    queue.add('in-progress');
    await sleep(20);
    queue.add('waiting');
    queue.addAfter('delayed', 50);
    await queue.shutdown();
    expect(finished).toEqual(['in-progress']);
    queue.add('late');
    expect(queue.len()).toBe(0);
    await done;
    await sleep(100);
    expect(finished).toEqual(['in-progress']);
    expect(await queue.get()).toBeUndefined();
  });

  it('reports depth, adds, retries and work duration labelled by queue name', async () => {
    const registry = new Registry();
    const queue = new WorkQueue({ name: 'metered', registry, baseDelayMs: 10 });
    const other = new WorkQueue({ name: 'other', registry });
    queue.add('a');
    queue.add('b');
    queue.add('a');
    let failures = 0;
    const done = queue.run(1, async (key) => {
      await Promise.resolve();
      if (key === 'a' && failures++ < 2) throw new Error('retry me');
    });
    await eventually('the retries', () => failures === 3, 2_000);
    await queue.shutdown();
    await done;
    await other.shutdown();
    const text = await registry.metrics();
    expect(text).toContain('workqueue_depth{name="metered"} 0');
    expect(text).toContain('workqueue_depth{name="other"} 0');
    expect(text).toContain('workqueue_adds_total{name="metered"} 4');
    expect(text).toContain('workqueue_retries_total{name="metered"} 2');
    expect(text).toContain('workqueue_work_duration_seconds_count{name="metered"} 4');
  });
});
