/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
/**
 * Stack traces of workflow code: frames of the bundled scripts are mapped back to the original files through
 * their source maps (so failures and the `__stack_trace` query point at the user's TypeScript), and the stacks
 * of the operations a run waits on are collected for the stack trace queries.
 *
 * @module
 */
import type { EnhancedStackTrace, StackTraceFileLocation, StackTraceFileSlice } from './interfaces';

/** A source map as esbuild writes it (version 3). */
export interface RawSourceMap {
  version: number;
  sources: string[];
  sourcesContent?: (string | null)[];
  names: string[];
  mappings: string;
  file?: string;
}

/** One decoded segment: generated column, source index, source line, source column, name index. */
type Segment = [number, number, number, number, number];

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) BASE64_VALUE[BASE64.charCodeAt(i)] = i;

/** Decodes the `mappings` of a source map into segments per generated line (0-based lines and columns). */
function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let line: Segment[] = [];
  let source = 0;
  let sourceLine = 0;
  let sourceColumn = 0;
  let name = 0;
  let column = 0;
  const fields: number[] = [];
  let value = 0;
  let shift = 0;
  const pushSegment = () => {
    if (fields.length === 0) return;
    column += fields[0];
    if (fields.length >= 4) {
      source += fields[1];
      sourceLine += fields[2];
      sourceColumn += fields[3];
      if (fields.length >= 5) name += fields[4];
      line.push([column, source, sourceLine, sourceColumn, fields.length >= 5 ? name : -1]);
    }
    fields.length = 0;
  };
  for (let i = 0; i < mappings.length; i++) {
    const c = mappings.charCodeAt(i);
    if (c === 59 /* ; */) {
      pushSegment();
      lines.push(line);
      line = [];
      column = 0;
    } else if (c === 44 /* , */) {
      pushSegment();
    } else {
      const digit = BASE64_VALUE[c];
      value += (digit & 31) << shift;
      if (digit & 32) {
        shift += 5;
      } else {
        fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
        value = 0;
        shift = 0;
      }
    }
  }
  pushSegment();
  lines.push(line);
  return lines;
}

/** A position in an original source file (1-based line and column, as in stack traces). */
export interface OriginalPosition {
  source: string;
  line: number;
  column: number;
  name?: string;
}

/** Maps generated positions of one script to original ones; decodes lazily on first use. */
export class SourceMapper {
  private lines?: Segment[][];

  constructor(private readonly map: RawSourceMap) {}

  /** The original position of a generated 1-based line and column, if the map covers it. */
  originalPosition(line: number, column: number): OriginalPosition | undefined {
    this.lines ??= decodeMappings(this.map.mappings);
    const segments = this.lines[line - 1];
    if (segments === undefined || segments.length === 0) return undefined;
    const col = column - 1;
    let lo = 0;
    let hi = segments.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (segments[mid][0] <= col) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    const segment = segments[found === -1 ? 0 : found];
    return {
      source: this.map.sources[segment[1]],
      line: segment[2] + 1,
      column: segment[3] + 1,
      name: segment[4] >= 0 ? this.map.names[segment[4]] : undefined,
    };
  }

  /** The content of an original source file, when the map embeds it. */
  sourceContent(source: string): string | undefined {
    const i = this.map.sources.indexOf(source);
    return i < 0 ? undefined : (this.map.sourcesContent?.[i] ?? undefined);
  }
}

/** Source mappers by script file name, plus which of them hold SDK code. */
const mappers = new Map<string, { mapper: SourceMapper; internal: boolean }>();

/** Registers the source map of a script evaluated in the isolate under `filename`. */
export function registerSourceMap(filename: string, map: RawSourceMap, internal: boolean): void {
  mappers.set(filename, { mapper: new SourceMapper(map), internal });
}

interface CallSite {
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  getFunctionName(): string | null;
  getTypeName(): string | null;
  getMethodName(): string | null;
  isNative(): boolean;
  isConstructor(): boolean;
  isAsync?(): boolean;
  isToplevel(): boolean;
}

/** One frame of a formatted stack. */
export interface Frame {
  functionName?: string;
  file?: string;
  line?: number;
  column?: number;
  internal: boolean;
}

function frameOf(site: CallSite): Frame {
  const file = site.getFileName() ?? undefined;
  const line = site.getLineNumber() ?? undefined;
  const column = site.getColumnNumber() ?? undefined;
  let functionName = site.getFunctionName() ?? undefined;
  if (functionName === undefined && !site.isToplevel()) {
    const method = site.getMethodName();
    const type = site.getTypeName();
    if (method || type) functionName = `${type ?? '<anonymous>'}.${method ?? '<anonymous>'}`;
  }
  if (functionName !== undefined && site.isConstructor()) functionName = `new ${functionName}`;
  if (functionName !== undefined && site.isAsync?.()) functionName = `async ${functionName}`;
  const entry = file !== undefined ? mappers.get(file) : undefined;
  if (entry !== undefined && line !== undefined && column !== undefined) {
    const original = entry.mapper.originalPosition(line, column);
    if (original !== undefined) {
      return {
        functionName: functionName ?? original.name,
        file: original.source,
        line: original.line,
        column: original.column,
        internal: entry.internal,
      };
    }
  }
  return { functionName, file, line, column, internal: entry?.internal ?? false };
}

function formatFrame(frame: Frame): string {
  const location =
    frame.file === undefined
      ? '<anonymous>'
      : `${frame.file}${frame.line !== undefined ? `:${frame.line}:${frame.column}` : ''}`;
  return frame.functionName ? `    at ${frame.functionName} (${location})` : `    at ${location}`;
}

function errorHeader(error: unknown): string {
  try {
    if (error instanceof Error || (typeof error === 'object' && error !== null && 'name' in error)) {
      const { name, message } = error as { name?: unknown; message?: unknown };
      const n = name === undefined ? 'Error' : String(name);
      const m = message === undefined ? '' : String(message);
      return m === '' ? n : n === '' ? m : `${n}: ${m}`;
    }
    return String(error);
  } catch {
    return '<error>';
  }
}

/** Installs `Error.prepareStackTrace` so every stack in the isolate shows original file positions. */
export function installStackTraceFormatting(): void {
  (Error as unknown as { prepareStackTrace: unknown }).prepareStackTrace = (error: unknown, sites: CallSite[]) => {
    const lines = [errorHeader(error)];
    for (const site of sites) lines.push(formatFrame(frameOf(site)));
    return lines.join('\n');
  };
}

/** Parses the frame lines of a stack formatted by {@link installStackTraceFormatting}. */
export function parseStack(stack: string): Frame[] {
  const frames: Frame[] = [];
  for (const text of stack.split('\n')) {
    const m = /^\s+at (?:(.+?) \((.+?)(?::(\d+):(\d+))?\)|(.+?)(?::(\d+):(\d+))?)$/.exec(text);
    if (!m) continue;
    const file = m[2] ?? m[5];
    const line = m[3] ?? m[6];
    const column = m[4] ?? m[7];
    frames.push({
      functionName: m[1],
      file,
      line: line === undefined ? undefined : Number(line),
      column: column === undefined ? undefined : Number(column),
      internal: isInternalFile(file),
    });
  }
  return frames;
}

function isInternalFile(file: string | undefined): boolean {
  if (file === undefined) return true;
  for (const { internal, mapper } of mappers.values()) {
    if (internal && mapper.sourceContent(file) !== undefined) return true;
  }
  return /[\\/]packages[\\/](workflow|common)[\\/]|[\\/]@kairos[\\/](workflow|common)[\\/]/.test(file);
}

/** Holds a captured stack; its `stack` is formatted only when read. */
export interface StackHolder {
  stack?: string;
}

/** Captures the current stack (formatted lazily), leaving out `skip` and the frames above it. */
export function captureStack(skip?: (...args: any[]) => any, depth = 10): StackHolder {
  const holder: StackHolder = {};
  const limit = Error.stackTraceLimit;
  // Capturing costs about half a microsecond per frame: keep the depth small and skip the SDK's own frames.
  Error.stackTraceLimit = depth;
  (Error as unknown as { captureStackTrace(o: object, f?: unknown): void }).captureStackTrace(holder, skip);
  Error.stackTraceLimit = limit;
  return holder;
}

/** The frames of captured stacks, without the header line; duplicates removed. */
function stacksOf(holders: Iterable<StackHolder>): string[] {
  const seen = new Set<string>();
  for (const holder of holders) {
    const text = holder.stack;
    if (text === undefined) continue;
    const body = text.split('\n').slice(1).join('\n');
    if (body !== '') seen.add(body);
  }
  return [...seen];
}

/** A frame line without SDK-internal or engine frames. */
function isUserFrame(line: string): boolean {
  const frame = parseStack(line)[0];
  return frame !== undefined && !frame.internal && frame.file !== undefined && !frame.file.startsWith('kairos-');
}

/** The `__stack_trace` answer: the stacks (user frames only) of everything the run waits on. */
export function formatStackTrace(holders: Iterable<StackHolder>): string {
  const stacks = new Set<string>();
  for (const stack of stacksOf(holders)) {
    const user = stack.split('\n').filter(isUserFrame).join('\n');
    if (user !== '') stacks.add(user);
  }
  return [...stacks].join('\n\n');
}

/** The `__enhanced_stack_trace` answer. */
export function enhancedStackTrace(
  holders: Iterable<StackHolder>,
  sdkVersion: string,
  withSources: boolean,
): EnhancedStackTrace {
  const sources: Record<string, StackTraceFileSlice[]> = {};
  const stacks = stacksOf(holders).map((stack) => ({
    locations: parseStack(stack).map((frame): StackTraceFileLocation => ({
      file_path: frame.file,
      line: frame.line,
      column: frame.column,
      function_name: frame.functionName,
      internal_code: frame.internal,
    })),
  }));
  if (withSources) {
    for (const { locations } of stacks) {
      for (const { file_path, internal_code } of locations) {
        if (file_path === undefined || internal_code || sources[file_path]) continue;
        for (const { mapper } of mappers.values()) {
          const content = mapper.sourceContent(file_path);
          if (content !== undefined) {
            sources[file_path] = [{ line_offset: 0, content }];
            break;
          }
        }
      }
    }
  }
  return { sdk: { name: 'typescript', version: sdkVersion }, sources, stacks };
}
