/**
 * Test hook for the crash-safety tests: with DBWARDEN_CRASH_AT naming a step of the password protocol, the
 * operator kills itself (SIGKILL, no cleanup) the first time it reaches that step. Unset in production.
 */
export type CrashPoint = 'after-pending' | 'after-database' | 'after-promote';

let crashed = false;

export async function crashPoint(step: CrashPoint): Promise<void> {
  if (crashed || process.env.DBWARDEN_CRASH_AT !== step) return;
  crashed = true;
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL is delivered asynchronously; never continue past the step.
  await new Promise(() => undefined);
}
