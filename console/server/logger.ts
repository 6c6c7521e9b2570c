import { censored, redactSensitive, topLevelRedactPaths } from '@dbwarden/api/log-redaction';
import { pino, type DestinationStream, type Logger } from 'pino';
import { secrets, type SecretRegistry } from './redact.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';

/**
 * The console's JSON logger: ISO times, level names, sensitive fields redacted wherever they appear
 * (@dbwarden/api/log-redaction), and every line scrubbed of the secret values the console holds (see
 * redact.ts), whatever field they hide in.
 */
export function createLogger(level: LogLevel = 'info', destination?: DestinationStream, registry: SecretRegistry = secrets): Logger {
  const options = {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    // Sensitive fields (password, token, uri, data, …): at any depth in records, at the top of child bindings.
    formatters: { level: (label: string) => ({ level: label }), log: redactSensitive },
    redact: { paths: topLevelRedactPaths, censor: censored },
    hooks: { streamWrite: (line: string) => registry.scrub(line) },
  };
  return destination ? pino(options, destination) : pino(options);
}
