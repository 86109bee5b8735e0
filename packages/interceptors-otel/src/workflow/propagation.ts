/**
 * Trace context in and out of headers inside the isolate, in the W3C trace context format (`traceparent`,
 * `tracestate`) that the default OpenTelemetry propagator writes, so workflow spans join the client's and the
 * activities' traces.
 *
 * @module
 */
import { defaultPayloadConverter, type Headers } from '@kairos/common';
import { type SerializableSpanContext, TRACE_HEADER } from './definitions';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

/** The span context of a W3C carrier, if it holds a valid one. */
export function spanContextFromCarrier(carrier: Record<string, unknown>): SerializableSpanContext | undefined {
  const traceparent = carrier.traceparent;
  if (typeof traceparent !== 'string') return undefined;
  const match = TRACEPARENT.exec(traceparent.trim());
  if (!match || match[1] === 'ff' || /^0+$/.test(match[2]) || /^0+$/.test(match[3])) return undefined;
  const traceState =
    typeof carrier.tracestate === 'string' && carrier.tracestate !== '' ? carrier.tracestate : undefined;
  return {
    traceId: match[2],
    spanId: match[3],
    traceFlags: parseInt(match[4], 16) & 0xff,
    isRemote: true,
    ...(traceState !== undefined ? { traceState } : {}),
  };
}

/** The W3C carrier of a span context. */
export function carrierOf(spanContext: SerializableSpanContext): Record<string, string> {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  const carrier: Record<string, string> = { traceparent: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}` };
  if (spanContext.traceState) carrier.tracestate = spanContext.traceState;
  return carrier;
}

/** The span context the trace header of `headers` carries. */
export function spanContextFromHeaders(headers: Headers): SerializableSpanContext | undefined {
  const payload = headers[TRACE_HEADER];
  if (payload === undefined) return undefined;
  try {
    return spanContextFromCarrier(defaultPayloadConverter.fromPayload<Record<string, unknown>>(payload));
  } catch {
    return undefined;
  }
}

/** `headers` with the trace header for `spanContext`. */
export function headersWithSpanContext(headers: Headers, spanContext: SerializableSpanContext | undefined): Headers {
  if (spanContext === undefined) return headers;
  return { ...headers, [TRACE_HEADER]: defaultPayloadConverter.toPayload(carrierOf(spanContext)) };
}
