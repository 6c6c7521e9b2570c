import type { DatabaseEngine } from '@dbwarden/api';
import { MysqlPool } from './mysql.js';
import { PostgresPool } from './postgres.js';
import type { EnginePool, PoolSettings, Target } from './types.js';

/** Each engine's pool (MariaDB is `mysql`). */
export const enginePools = {
  postgres: (target, settings) => new PostgresPool(target, settings),
  mysql: (target, settings) => new MysqlPool(target, settings),
} satisfies Record<DatabaseEngine, (target: Target, settings: PoolSettings) => EnginePool>;
