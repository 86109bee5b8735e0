/**
 * The tracer of the workflow isolate. A workflow must replay to the same commands, and its spans must not be
 * exported twice, so spans here are deliberately simple: ids come from the workflow's seeded `Math.random` (the
 * same on replay), times are workflow time, the active span follows `await`s through the workflow's
 * `AsyncLocalStorage`, and a finished span leaves the isolate through the `exporter` sink unless it ended while
 * history was replayed (it was exported when it first ended). No OpenTelemetry SDK runs in the isolate.
 *
 * The worker evaluates this module once per isolate context and shares it between runs (`sharedWorkflowModules`
 * in package.json), so nothing here may hold state of one run: the active span lives in each run's own async
 * context, ids come from the running workflow's `Math.random`, and sink calls go to the running workflow.
 *
 * @module
 */
import type * as otel from '@opentelemetry/api';
import { AsyncLocalStorage, proxySinks, workflowInfo } from '@kairos/workflow';
import type { OpenTelemetrySinks, SerializableSpan, SerializableSpanContext } from './definitions';

/** `SpanKind.INTERNAL`, `SpanStatusCode.*` and `TraceFlags.SAMPLED` of `@opentelemetry/api` (kept as literals so
 * the isolate bundle needs no OpenTelemetry code). */
const SPAN_KIND_INTERNAL = 0 as otel.SpanKind;
export const STATUS_UNSET = 0 as otel.SpanStatusCode;
export const STATUS_OK = 1 as otel.SpanStatusCode;
export const STATUS_ERROR = 2 as otel.SpanStatusCode;
const TRACE_FLAGS_SAMPLED = 1;

const INSTRUMENTATION_SCOPE = { name: '@temporalio/interceptor-workflow' };

/**
 * Where span ids come from. Normally the workflow's seeded random numbers, so a replay makes the same ids. Code
 * that does not run again on replay (queries, update validators) must not draw from that sequence, or every
 * later random number of the workflow would differ on replay: it uses `sideIds`.
 */
let idSource: () => number = () => Math.random();
let sideCounter = 0;

/** A source independent of the workflow's random numbers (a hash of run, time and a counter). */
function sideIds(): number {
  let h = 2166136261 ^ ++sideCounter;
  for (const ch of `${workflowInfo().runId}:${Date.now()}:${sideCounter}`)
    h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  return ((h ^ (h >>> 15)) >>> 0) / 4294967296;
}

/** Runs `fn` with span ids taken from the side source. */
export function withSideIds<T>(fn: () => T): T {
  const saved = idSource;
  idSource = sideIds;
  try {
    return fn();
  } finally {
    idSource = saved;
  }
}

const HEX_DIGITS = '0123456789abcdef';

/** `bytes` random bytes in hex, one draw from the id source per digit. */
function randomHex(bytes: number): string {
  let out = '';
  let allZero = true;
  for (let i = 0; i < bytes * 2; i++) {
    const digit = Math.floor(idSource() * 16);
    if (digit !== 0) allZero = false;
    out += HEX_DIGITS[digit];
  }
  // An all-zero id is invalid.
  return allZero ? `${out.slice(0, -1)}1` : out;
}

function hrTime(ms: number): otel.HrTime {
  return [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
}

function hrDuration(start: otel.HrTime, end: otel.HrTime): otel.HrTime {
  let seconds = end[0] - start[0];
  let nanos = end[1] - start[1];
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1e9;
  }
  return [seconds, nanos];
}

/** The active span context of the workflow (a local span's or one from headers). */
const activeContext = new AsyncLocalStorage<SerializableSpanContext>();

/** The span context active here, if any. */
export function activeSpanContext(): SerializableSpanContext | undefined {
  return activeContext.getStore();
}

/** Runs `fn` with `spanContext` as the active one. */
export function withActiveSpanContext<T>(spanContext: SerializableSpanContext | undefined, fn: () => T): T {
  return spanContext === undefined ? fn() : activeContext.run(spanContext, fn);
}

/** The `exporter` sink's function, made once: it records the call on whichever run is executing when called. */
let exportSpans: OpenTelemetrySinks['exporter']['export'] | undefined;

/** A span of workflow code; see the module comment. */
export class WorkflowSpan implements otel.Span {
  private readonly context: SerializableSpanContext;
  private readonly startTime: otel.HrTime;
  private readonly attributes: otel.Attributes = {};
  private readonly events: SerializableSpan['events'] = [];
  private readonly links: otel.Link[] = [];
  private status: otel.SpanStatus = { code: STATUS_UNSET };
  private ended = false;

  constructor(
    private name: string,
    private readonly parent: SerializableSpanContext | undefined,
    /** Export even when the span ends in a replaying activation (query handlers always run in one). */
    private readonly exportWhileReplaying = false,
  ) {
    this.context = {
      traceId: parent?.traceId ?? randomHex(16),
      spanId: randomHex(8),
      traceFlags: parent?.traceFlags ?? TRACE_FLAGS_SAMPLED,
      isRemote: false,
      ...(parent?.traceState !== undefined ? { traceState: parent.traceState } : {}),
    };
    this.startTime = hrTime(Date.now());
  }

  spanContext(): otel.SpanContext {
    return this.context as unknown as otel.SpanContext;
  }

  /** The span's context in the serializable form used for propagation. */
  serializableContext(): SerializableSpanContext {
    return this.context;
  }

  setAttribute(key: string, value: otel.AttributeValue): this {
    if (!this.ended) this.attributes[key] = value;
    return this;
  }

  setAttributes(attributes: otel.Attributes): this {
    for (const [key, value] of Object.entries(attributes)) if (value !== undefined) this.setAttribute(key, value);
    return this;
  }

  addEvent(name: string, attributesOrTime?: otel.Attributes | otel.TimeInput, time?: otel.TimeInput): this {
    const attributes =
      typeof attributesOrTime === 'object' && !Array.isArray(attributesOrTime) && !(attributesOrTime instanceof Date)
        ? (attributesOrTime as otel.Attributes)
        : undefined;
    const at = time ?? (attributes === undefined ? (attributesOrTime as otel.TimeInput | undefined) : undefined);
    const ms =
      at === undefined
        ? Date.now()
        : at instanceof Date
          ? at.getTime()
          : Array.isArray(at)
            ? at[0] * 1000 + at[1] / 1e6
            : at;
    if (!this.ended) this.events.push({ name, time: hrTime(ms), attributes });
    return this;
  }

  addLink(link: otel.Link): this {
    if (!this.ended) this.links.push(link);
    return this;
  }

  addLinks(links: otel.Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: otel.SpanStatus): this {
    if (!this.ended) this.status = status;
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: otel.Exception): void {
    const error = typeof exception === 'string' ? { message: exception } : exception;
    this.addEvent('exception', {
      'exception.type': String(error.name ?? (typeof exception === 'string' ? 'Error' : 'Error')),
      'exception.message': String(error.message ?? ''),
      ...(error.stack ? { 'exception.stacktrace': error.stack } : {}),
    });
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    const endTime = hrTime(Date.now());
    if (workflowInfo().unsafe.isReplaying && !this.exportWhileReplaying) return;
    const span: SerializableSpan = {
      name: this.name,
      kind: SPAN_KIND_INTERNAL,
      spanContext: this.context,
      parentSpanId: this.parent?.spanId,
      parentSpanContext: this.parent,
      startTime: this.startTime,
      endTime,
      status: this.status,
      attributes: this.attributes,
      links: this.links,
      events: this.events,
      duration: hrDuration(this.startTime, endTime),
      ended: true,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
      instrumentationLibrary: INSTRUMENTATION_SCOPE,
    };
    exportSpans ??= proxySinks<OpenTelemetrySinks>().exporter.export;
    exportSpans([span]);
  }
}
