/**
 * Helpers of the host side (clients, activities, Nexus handlers): trace context in and out of headers through
 * the global OpenTelemetry propagator, and spans around calls.
 *
 * @module
 */
import * as otel from '@opentelemetry/api';
import { ApplicationFailure, ApplicationFailureCategory, defaultPayloadConverter, type Headers } from '@kairos/common';
import { TRACE_HEADER } from './workflow/definitions';

export {
  TRACE_HEADER,
  RUN_ID_ATTR_KEY,
  WORKFLOW_ID_ATTR_KEY,
  ACTIVITY_ID_ATTR_KEY,
  UPDATE_ID_ATTR_KEY,
  TERMINATE_REASON_ATTR_KEY,
  NEXUS_SERVICE_ATTR_KEY,
  NEXUS_OPERATION_ATTR_KEY,
  NEXUS_ENDPOINT_ATTR_KEY,
} from './workflow/definitions';

/** The context carried by `headers`, if they have the trace header. */
export function extractContextFromHeaders(headers: Headers): otel.Context | undefined {
  const payload = headers[TRACE_HEADER];
  if (payload === undefined) return undefined;
  const carrier = defaultPayloadConverter.fromPayload<Record<string, string>>(payload);
  return otel.propagation.extract(otel.context.active(), carrier, otel.defaultTextMapGetter);
}

/** The context carried by Nexus headers (a plain string map), if any. */
export function extractContextFromNexusHeaders(headers: Record<string, string>): otel.Context | undefined {
  if (Object.keys(headers).length === 0) return undefined;
  return otel.propagation.extract(otel.context.active(), headers, otel.defaultTextMapGetter);
}

/** `headers` plus the trace header with the active context. */
export function headersWithContext(headers: Headers): Headers {
  const carrier: Record<string, string> = {};
  otel.propagation.inject(otel.context.active(), carrier, otel.defaultTextMapSetter);
  return { ...headers, [TRACE_HEADER]: defaultPayloadConverter.toPayload(carrier) };
}

/** Nexus `headers` plus the active context's propagation fields. */
export function nexusHeadersWithContext(headers: Record<string, string>): Record<string, string> {
  const carrier: Record<string, string> = {};
  otel.propagation.inject(otel.context.active(), carrier, otel.defaultTextMapSetter);
  return { ...headers, ...carrier };
}

/** Options of {@link instrument}. */
export interface InstrumentOptions<T> {
  tracer: otel.Tracer;
  spanName: string;
  fn: (span: otel.Span) => Promise<T>;
  /** Parent context (default: the active one). */
  context?: otel.Context;
  /** Errors that leave the span's status OK (continue-as-new, async completion). */
  acceptableErrors?: (err: unknown) => boolean;
}

/** Options of {@link instrumentSync}. */
export type InstrumentOptionsSync<T> = Omit<InstrumentOptions<T>, 'fn'> & { fn: (span: otel.Span) => T };

/** Sets the span's status from an error: ERROR with the message, UNSET for benign application failures. */
export function recordError(span: otel.Span, err: unknown, acceptableErrors?: (err: unknown) => boolean): void {
  if (acceptableErrors?.(err)) {
    span.setStatus({ code: otel.SpanStatusCode.OK });
    return;
  }
  const benign = err instanceof ApplicationFailure && err.category === ApplicationFailureCategory.BENIGN;
  const message = typeof (err as { message?: unknown })?.message === 'string' ? (err as Error).message : String(err);
  span.setStatus({ code: benign ? otel.SpanStatusCode.UNSET : otel.SpanStatusCode.ERROR, message });
  span.recordException(err instanceof Error ? err : String(err));
}

/**
 * Runs `fn` in a new active span that ends when `fn` settles. Not itself `async`: the promise of `run` is returned
 * as it is, without one more promise around it.
 */
export function instrument<T>({ tracer, spanName, fn, context, acceptableErrors }: InstrumentOptions<T>): Promise<T> {
  const run = async (span: otel.Span) => {
    try {
      const result = await fn(span);
      span.setStatus({ code: otel.SpanStatusCode.OK });
      return result;
    } catch (err) {
      recordError(span, err, acceptableErrors);
      throw err;
    } finally {
      span.end();
    }
  };
  // With a parent context, one `context.with` (the span's context on top of the parent) instead of two.
  return context ? tracer.startActiveSpan(spanName, {}, context, run) : tracer.startActiveSpan(spanName, run);
}

/** Runs synchronous `fn` in a new active span. */
export function instrumentSync<T>({ tracer, spanName, fn, context, acceptableErrors }: InstrumentOptionsSync<T>): T {
  const run = (span: otel.Span) => {
    try {
      const result = fn(span);
      span.setStatus({ code: otel.SpanStatusCode.OK });
      return result;
    } catch (err) {
      recordError(span, err, acceptableErrors);
      throw err;
    } finally {
      span.end();
    }
  };
  return context ? tracer.startActiveSpan(spanName, {}, context, run) : tracer.startActiveSpan(spanName, run);
}
