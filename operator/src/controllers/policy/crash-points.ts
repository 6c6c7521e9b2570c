/**
 * Test hook for the crash-safety tests: with DBWARDEN_CRASH_AT naming a step of the password protocol, the
 * operator kills itself (SIGKILL, no cleanup) the first time it reaches that step.
 *
 * Compiled out of the shipped images: the production bundle (hack/build/bundle.ts, which the Dockerfile and
 * `npm run build` run) defines DBWARDEN_TEST_HOOKS as false, so esbuild keeps only the no-op below and drops
 * the hook with the variable's name (hack/build/bundle.test.ts checks that main.mjs never mentions it; the
 * source map keeps the source text, which nothing runs). The tests' bundle defines it as true; unbundled
 * (tsx) it is undefined and the hook is there.
 */
export type CrashPoint = 'after-pending' | 'after-database' | 'after-promote';

declare const DBWARDEN_TEST_HOOKS: boolean | undefined;

let crashed = false;

async function crashHook(step: CrashPoint): Promise<void> {
  if (crashed || process.env.DBWARDEN_CRASH_AT !== step) return;
  crashed = true;
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL is delivered asynchronously; never continue past the step.
  await new Promise(() => undefined);
}

const noCrash = (_step: CrashPoint): Promise<void> => Promise.resolve();

export const crashPoint: (step: CrashPoint) => Promise<void> =
  typeof DBWARDEN_TEST_HOOKS === 'undefined' || DBWARDEN_TEST_HOOKS ? crashHook : noCrash;
