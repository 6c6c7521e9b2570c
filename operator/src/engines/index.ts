import type { ConnectionSettings, Engine, EngineObserver } from './engine.js';
import { MysqlEngine } from './mysql/engine.js';
import { PostgresEngine } from './postgres/engine.js';

/** The engine for a connection's settings: PostgreSQL, or MySQL/MariaDB. */
export function createEngine(settings: ConnectionSettings, observer?: EngineObserver): Engine {
  return settings.engine === 'postgres' ? new PostgresEngine(settings, observer) : new MysqlEngine(settings, observer);
}
