import { Writable } from 'node:stream';
import pino, { type Logger as PinoLogger } from 'pino';

type Level = 'debug' | 'info' | 'warn' | 'error';

/** Keys whose values never reach a log line, whatever their nesting. */
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|api[-_]?key|credential/i;

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` (a request id, a tenant) to every line. */
  child(fields: Record<string, unknown>): Logger;
}

function redact(value: unknown, depth = 0): unknown {
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message, ...('code' in value ? { code: value.code } : {}) };
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = SECRET_KEY.test(key) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

/**
 * `bindings`: fields of a child logger. Its pino child is made on its first line, not before: a
 * request makes a child or two, and most requests log nothing at the levels a service runs with.
 */
function wrap(logger: PinoLogger, bindings?: Record<string, unknown>): Logger {
  let bound: PinoLogger | null = bindings ? null : logger;
  const at = (level: Level) => (message: string, fields?: Record<string, unknown>) => {
    if (!logger.isLevelEnabled(level)) return;
    const target = (bound ??= logger.child(redact(bindings) as Record<string, unknown>));
    if (fields) target[level](redact(fields) as object, message);
    else target[level](message);
  };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(logger, bindings ? { ...bindings, ...fields } : fields),
  };
}

/**
 * Structured logs through pino: one JSON object per line on stderr (stdout stays free for
 * command output), with `time`, `level` and `message`. Secret-looking keys are redacted.
 */
export function createLogger(level: Level, write?: (line: string) => void): Logger {
  const destination = write
    ? new Writable({
        write(chunk: Buffer, _encoding, done) {
          write(chunk.toString());
          done();
        },
      })
    : pino.destination({ fd: 2, sync: true });
  return wrap(
    pino(
      {
        level,
        messageKey: 'message',
        base: null,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      destination,
    ),
  );
}
