import type { DatabaseEngine } from '@dbwarden/api';
import { EngineError } from './engine.js';

/**
 * Identifier rules, checked again here although the CRD schema already enforces them (defence in depth):
 * the engines still quote every identifier by their own rules.
 */
const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
const username = /^[a-z_][a-z0-9_]*$/;

/** Longest identifier: PostgreSQL NAMEDATALEN-1, MySQL table/column/database names. */
export const maxIdentifierLength: Record<DatabaseEngine, number> = { postgres: 63, mysql: 64 };
/** Longest login name: PostgreSQL 63; MySQL 8 allows 32 (MariaDB 80, but we keep to what both accept). */
export const maxUserLength: Record<DatabaseEngine, number> = { postgres: 63, mysql: 32 };

export function assertIdentifier(engine: DatabaseEngine, kind: string, value: string): void {
  if (!identifier.test(value) || value.length > maxIdentifierLength[engine]) {
    throw new EngineError(
      'InvalidIdentifier',
      `${kind} ${JSON.stringify(value.slice(0, 80))} is not a valid identifier: use letters, digits and _ (not first), at most ${maxIdentifierLength[engine]} characters`,
      false,
    );
  }
}

export function assertUsername(engine: DatabaseEngine, value: string): void {
  if (!username.test(value) || value.length > maxUserLength[engine]) {
    throw new EngineError(
      'InvalidIdentifier',
      `user name ${JSON.stringify(value.slice(0, 80))} is not valid: use lowercase letters, digits and _ (not first), at most ${maxUserLength[engine]} characters on ${engine}`,
      false,
    );
  }
}
