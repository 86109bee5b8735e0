/**
 * `console` inside the isolate: messages go to the worker's logger (as sink calls, so they are dropped while
 * history is replayed), prefixed with the workflow type and id.
 *
 * @module
 */
import { maybeGetActivator } from '../global-attributes';

/** The reserved sink name console output travels through. */
export const CONSOLE_SINK = '__kairos_console';

function describe(value: unknown, depth: number): string {
  if (typeof value === 'string') return depth === 0 ? value : `'${value}'`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object' || value === null) return String(value);
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  if (value instanceof Date) return value.toISOString();
  if (depth > 2) return Array.isArray(value) ? '[Array]' : '[Object]';
  if (Array.isArray(value)) return `[ ${value.map((v) => describe(v, depth + 1)).join(', ')} ]`;
  if (value instanceof Map) {
    return `Map(${value.size}) { ${[...value].map(([k, v]) => `${describe(k, depth + 1)} => ${describe(v, depth + 1)}`).join(', ')} }`;
  }
  if (value instanceof Set) return `Set(${value.size}) { ${[...value].map((v) => describe(v, depth + 1)).join(', ')} }`;
  const entries = Object.entries(value).map(([k, v]) => `${k}: ${describe(v, depth + 1)}`);
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}

/** Formats console arguments roughly like Node's `util.format` (`%s`, `%d`, `%i`, `%f`, `%j`, `%o`, `%O`, `%%`). */
export function formatArgs(args: unknown[]): string {
  if (args.length === 0) return '';
  let rest = args;
  let head = '';
  if (typeof args[0] === 'string') {
    let i = 1;
    head = args[0].replace(/%[sdifjoO%]/g, (token) => {
      if (token === '%%') return '%';
      if (i >= args.length) return token;
      const arg = args[i++];
      switch (token) {
        case '%s':
          return typeof arg === 'string' ? arg : describe(arg, 1);
        case '%d':
        case '%i':
          return String(token === '%i' ? parseInt(String(arg), 10) : Number(arg));
        case '%f':
          return String(parseFloat(String(arg)));
        case '%j':
          return JSON.stringify(arg);
        default:
          return describe(arg, 1);
      }
    });
    rest = args.slice(i);
  }
  const tail = rest.map((a) => describe(a, 0));
  return [head, ...tail].filter((_part, idx) => idx > 0 || typeof args[0] === 'string').join(' ');
}

function makeMethod(level: string): (...args: unknown[]) => void {
  return (...args: unknown[]) => {
    const activator = maybeGetActivator();
    if (activator === undefined) return;
    const info = activator.info;
    activator.sinkCalls.push({
      ifaceName: CONSOLE_SINK,
      fnName: level,
      args: [`[${info.workflowType}(${info.workflowId})] ${formatArgs(args)}`],
      workflowInfo: info,
    });
  };
}

/** The isolate's `console`. */
export const sandboxConsole = {
  log: makeMethod('log'),
  info: makeMethod('info'),
  warn: makeMethod('warn'),
  error: makeMethod('error'),
  debug: makeMethod('debug'),
  trace: makeMethod('trace'),
};
