import type { DatabaseConnectionSpec } from './types.generated.js';

/**
 * The database engines dbwarden knows (spec.engine of a DatabaseConnection; `mysql` covers MySQL and MariaDB).
 * Code that differs by engine keeps a `Record<DatabaseEngine, …>` table (checked with `satisfies`) instead of
 * a ternary, so adding an engine to the CRD fails to compile at every place that must learn it.
 */
export type DatabaseEngine = DatabaseConnectionSpec['engine'];

/** Every engine, in the order the docs list them. */
export const databaseEngines = ['postgres', 'mysql'] as const satisfies readonly DatabaseEngine[];

/** Compile-time check that databaseEngines lists every DatabaseEngine. */
type Missing = Exclude<DatabaseEngine, (typeof databaseEngines)[number]>;
export const everyEngineListed: Missing extends never ? true : never = true;
