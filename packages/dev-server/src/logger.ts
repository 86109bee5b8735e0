/** Log levels in increasing severity; `never` silences everything. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'never';

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, never: 4 };

/** The server's logger: one line per message on stderr. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function isLogLevel(value: string): value is LogLevel {
  return value in ORDER;
}

export function consoleLogger(level: LogLevel): Logger {
  const at = ORDER[level];
  const line = (l: LogLevel, message: string) => {
    if (ORDER[l] >= at)
      process.stderr.write(`${new Date().toISOString()} ${l.toUpperCase()} kairos-server: ${message}\n`);
  };
  return {
    debug: (m) => line('debug', m),
    info: (m) => line('info', m),
    warn: (m) => line('warn', m),
    error: (m) => line('error', m),
  };
}
