import { censored, redactSensitive, topLevelRedactPaths } from '@dbwarden/api/log-redaction';
import { pino, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';

/** The operator's JSON logger: ISO times, level names, secrets redacted wherever they appear in a log line. */
export function createLogger(level: LevelWithSilent = 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    // Sensitive fields (password, token, uri, data, …): at any depth in records, at the top of child bindings.
    formatters: { level: (label: string) => ({ level: label }), log: redactSensitive },
    redact: { paths: topLevelRedactPaths, censor: censored },
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
