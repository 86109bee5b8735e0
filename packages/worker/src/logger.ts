import type { LogLevel, LogMetadata, Logger } from '@kairos/common';

export type { LogLevel, LogMetadata, Logger };

/** One log record as {@link DefaultLogger} hands it to its log function. */
export interface LogEntry {
  message: string;
  level: LogLevel;
  /** Nanoseconds since the epoch. */
  timestampNanos: bigint;
  meta?: LogMetadata;
}

/**
 * A metadata key that overrides a record's timestamp (nanoseconds since the epoch, as a bigint); used to keep
 * the original time of records forwarded from the core.
 */
export const LogTimestamp: unique symbol = Symbol('log_timestamp');

const severities: Record<LogLevel, number> = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5 };

function formatMeta(meta: LogMetadata | undefined): string {
  if (meta === undefined) return '';
  const plain = Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined));
  if (Object.keys(plain).length === 0) return '';
  try {
    return ` ${JSON.stringify(plain, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Error ? `${v.name}: ${v.message}` : v))}`;
  } catch {
    return ' [unserializable metadata]';
  }
}

function defaultLogFunction(entry: LogEntry): void {
  const date = new Date(Number(entry.timestampNanos / 1_000_000n));
  const line = `${date.toISOString()} [${entry.level}] ${entry.message}${formatMeta(entry.meta)}`;
  if (entry.level === 'ERROR') console.error(line);
  else if (entry.level === 'WARN') console.warn(line);
  else console.log(line);
}

/** A logger that writes records at or above `level` with `logFunction` (the console by default). */
export class DefaultLogger implements Logger {
  protected readonly severity: number;

  constructor(
    public readonly level: LogLevel = 'INFO',
    protected readonly logFunction: (entry: LogEntry) => void = defaultLogFunction,
  ) {
    const severity = severities[level];
    if (severity === undefined) throw new TypeError(`Invalid log level: ${String(level)}`);
    this.severity = severity;
  }

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (severities[level] < this.severity) return;
    const { [LogTimestamp]: timestamp, ...rest } = (meta ?? {}) as LogMetadata & { [LogTimestamp]?: bigint };
    this.logFunction({
      level,
      message,
      meta: Object.keys(rest).length === 0 ? undefined : rest,
      timestampNanos: timestamp ?? BigInt(Date.now()) * 1_000_000n,
    });
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** Whether `logger` writes to a terminal that shows colours (a {@link DefaultLogger} on a TTY). */
export function hasColorSupport(logger: Logger): boolean {
  return logger instanceof DefaultLogger && process.stdout.isTTY === true;
}

/** A logger that buffers and can be flushed. */
export interface FlushableLogger extends Logger {
  flush(): void;
  close?(): void;
}

/** Whether `logger` has a `flush` method. */
export function isFlushableLogger(logger: Logger): logger is FlushableLogger {
  return typeof (logger as FlushableLogger).flush === 'function';
}
