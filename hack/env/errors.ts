/** An environment failure a person can act on: what failed, and what to do about it. */
export class EnvError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'EnvError';
  }
}

/** Runs a script's main function; prints an EnvError as message and hint (no stack) and exits 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof EnvError) {
      process.stderr.write(`\nerror: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
    } else {
      process.stderr.write(`\nerror: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exit(1);
  });
}
