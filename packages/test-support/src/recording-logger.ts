/**
 * A logger for tests that keeps every line in memory. It has the shape of `@kairos/common`'s `Logger` (declared here
 * structurally, so this package needs no dependency on common).
 */

/** A log level, as `@kairos/common` names them. */
export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Metadata of a log line. */
export type LogMetadata = Record<string | symbol, unknown>;

/** One line a {@link RecordingLogger} received. */
export interface LogLine {
  level: LogLevel;
  message: string;
  meta?: LogMetadata;
}

/** A logger that records each line in {@link RecordingLogger.lines}. */
export class RecordingLogger {
  readonly lines: LogLine[] = [];
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.lines.push({ level, message, meta });
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
