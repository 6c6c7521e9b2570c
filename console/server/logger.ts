import { pino, type DestinationStream, type Logger } from 'pino';
import { secrets, type SecretRegistry } from './redact.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Fields that may carry credentials, wherever they appear in a log record. */
const sensitiveFields = ['password', 'uri', 'connectionString', 'token', 'authorization', 'cookie', 'apiKey', 'data', 'stringData'];
const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  ...[0, 1, 2, 3, 4].flatMap((depth) => sensitiveFields.map((f) => `${'*.'.repeat(depth)}${f}`)),
];

/**
 * The console's JSON logger: ISO times, level names, sensitive fields redacted by path, and every line
 * scrubbed of the secret values the console holds (see redact.ts), whatever field they hide in.
 */
export function createLogger(level: LogLevel = 'info', destination?: DestinationStream, registry: SecretRegistry = secrets): Logger {
  const options = {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: redactPaths, censor: '[REDACTED]' },
    hooks: { streamWrite: (line: string) => registry.scrub(line) },
  };
  return destination ? pino(options, destination) : pino(options);
}
