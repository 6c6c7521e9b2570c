import { Task, TaskStatus } from '@lit/task';
import type { ReactiveControllerHost } from 'lit';
import type { ConsoleApi } from '../api/client.js';
import type { PolicyRef, QueryResult } from '../api/types.js';

export interface QueryRun {
  sql: string;
}

/**
 * Runs SQL through a policy (POST .../query) as a @lit/task: the task's AbortSignal goes to fetch, so
 * cancel() stops the request (and the console stops waiting for the database). Shared by the SQL editor
 * and the ask panel's "run edited SQL".
 */
export class QueryController {
  readonly task: Task<[QueryRun | undefined], QueryResult | undefined>;
  private pending: QueryRun | undefined;
  /** The SQL of the run the task holds (for CSV names and history). */
  lastRun: QueryRun | undefined;
  startedAt = 0;

  constructor(host: ReactiveControllerHost, private readonly target: () => { api: ConsoleApi | undefined; policy: PolicyRef | undefined }) {
    this.task = new Task(host, {
      autoRun: false,
      args: () => [this.pending] as [QueryRun | undefined],
      task: async ([run], { signal }) => {
        const { api, policy } = this.target();
        if (!run || !api || !policy) return undefined;
        this.lastRun = run;
        this.startedAt = performance.now();
        return api.query(policy, run.sql, signal);
      },
    });
  }

  run(sql: string): Promise<void> {
    this.pending = { sql };
    return this.task.run([this.pending]);
  }

  cancel(): void {
    if (this.task.status === TaskStatus.PENDING) this.task.abort(new DOMException('Cancelled', 'AbortError'));
  }

  get running(): boolean {
    return this.task.status === TaskStatus.PENDING;
  }
}
