import pg from 'pg';
import type { EngineObserver } from '../engine.js';

/** Quoting for the utility statements (GRANT, CREATE ROLE...) that cannot take parameters. */
export const ident = (name: string): string => pg.escapeIdentifier(name);
export const qualified = (schema: string, name: string): string => `${ident(schema)}.${ident(name)}`;
export const literal = (value: string): string => pg.escapeLiteral(value);

export type WriteKind = Parameters<NonNullable<EngineObserver['onWrite']>>[1];

/** A statement that changes the database. */
export interface Write {
  sql: string;
  kind: WriteKind;
  /** What it does, for error messages: never the SQL, which may hold a password verifier. */
  what: string;
  /** What the admin needs when the server refuses it. */
  hint?: string;
}

export type Queryable = pg.Pool | pg.PoolClient;
