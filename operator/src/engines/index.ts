import type { DatabaseEngine } from '@dbwarden/api';
import type { ConnectionSettings, Engine, EngineObserver } from './engine.js';
import { MysqlEngine } from './mysql/engine.js';
import { PostgresEngine } from './postgres/engine.js';

type EngineFactory = (settings: ConnectionSettings, observer?: EngineObserver) => Engine;

/** Every engine the CRD's spec.engine names, and its implementation: a new engine fails to compile until it is here. */
const engines = {
  postgres: (settings, observer) => new PostgresEngine(settings, observer),
  mysql: (settings, observer) => new MysqlEngine(settings, observer),
} satisfies Record<DatabaseEngine, EngineFactory>;

/** The engine for a connection's settings: PostgreSQL, or MySQL/MariaDB. */
export function createEngine(settings: ConnectionSettings, observer?: EngineObserver): Engine {
  return engines[settings.engine](settings, observer);
}
