/** Log levels in increasing severity; `never` silences everything. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'never';

/** How log lines look: `text` (time, level, message, then `key=value` fields) or `json` (one object a line). */
export type LogFormat = 'text' | 'json';

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, never: 4 };

/** Structured values a log line carries besides its message. */
export type LogFields = Record<string, string | number | boolean | undefined>;

/** The server's logger: one line per message on stderr. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Whether messages of `level` are written (to skip building them otherwise). */
  enabled(level: LogLevel): boolean;
}

export function isLogLevel(value: string): value is LogLevel {
  return value in ORDER;
}

export function isLogFormat(value: string): value is LogFormat {
  return value === 'text' || value === 'json';
}

/** A logger writing to `write` (stderr by default) at `level` and above, in `format`. */
export function consoleLogger(
  level: LogLevel,
  format: LogFormat = 'text',
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const at = ORDER[level];
  const line = (l: LogLevel, message: string, fields: LogFields = {}) => {
    if (ORDER[l] < at) return;
    const time = new Date().toISOString();
    const defined = Object.entries(fields).filter(([, v]) => v !== undefined);
    if (format === 'json') {
      write(`${JSON.stringify({ time, level: l, msg: message, ...Object.fromEntries(defined) })}\n`);
    } else {
      const extra = defined.map(([k, v]) => ` ${k}=${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : v}`);
      write(`${time} ${l.toUpperCase()} kairos-server: ${message}${extra.join('')}\n`);
    }
  };
  return {
    debug: (m, f) => line('debug', m, f),
    info: (m, f) => line('info', m, f),
    warn: (m, f) => line('warn', m, f),
    error: (m, f) => line('error', m, f),
    enabled: (l) => ORDER[l] >= at && l !== 'never',
  };
}
