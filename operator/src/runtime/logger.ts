import { pino, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';

/** Field names whose values may be credentials, connection strings or Secret contents. */
export const sensitiveFields = [
  'password',
  'pass',
  'passwd',
  'uri',
  'connectionString',
  'token',
  'authorization',
  'Authorization',
  'cookie',
  'data',
  'stringData',
] as const;

/** Redaction covers these fields at the top level and up to this many objects deep. */
const redactionDepth = 6;

function redactionPaths(): string[] {
  const paths: string[] = [];
  for (let depth = 0; depth <= redactionDepth; depth++) {
    const prefix = '*.'.repeat(depth);
    for (const field of sensitiveFields) paths.push(`${prefix}${field}`);
  }
  return paths;
}

/** The operator's JSON logger: ISO times, level names, secrets redacted wherever they appear in a log line. */
export function createLogger(level: LevelWithSilent = 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: redactionPaths(), censor: '[REDACTED]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** The child logger of one controller: every line carries `controller`. */
export function forController(logger: Logger, controller: string): Logger {
  return logger.child({ controller });
}

/** The child logger of one reconcile: a controller's logger plus the object's `key` (namespace/name). */
export function forKey(controllerLogger: Logger, key: string): Logger {
  return controllerLogger.child({ key });
}
