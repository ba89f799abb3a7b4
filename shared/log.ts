import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

export interface CreateLoggerOptions {
  name: string;
  level?: string;
  /** Force pretty output; by default only when stdout is a TTY. */
  pretty?: boolean;
  /** Write to this destination (fd or path) instead of stdout; tests pass a stream or 'silent' level. */
  destination?: NodeJS.WritableStream;
}

const REDACT = [
  'password',
  '*.password',
  'token',
  '*.token',
  'authorization',
  'req.headers.authorization',
  'headers.authorization',
  '*.secret',
  'secret',
];

/**
 * One root logger per process; components take `log.child({ component })`.
 * Secrets are redacted by path so a config dump or a request log never prints a token.
 */
export function createLogger(opts: CreateLoggerOptions): Logger {
  const level = opts.level ?? process.env.LOG_LEVEL ?? 'info';
  const base: LoggerOptions = { name: opts.name, level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (opts.destination) return pino(base, opts.destination);
  const pretty = opts.pretty ?? process.stdout.isTTY === true;
  if (pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino(base);
}

/** A logger that drops everything (unit tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
