import Long from 'long';
// The generated classes straight from their module: the package's index also loads protobufjs's reflection and
// proto3 JSON, which the server needs only for reflection and field masks (loaded on first use), not to start.
import { temporal, google, grpc } from '@kairos/proto/generated/root';

export { temporal, google, grpc };

/** The generated class of a message, by full name (`temporal.api.history.v1.History`). */
export function staticClassFor(fullName: string): unknown {
  let node: unknown = { temporal, google, grpc };
  for (const part of fullName.replace(/^\./, '').split('.'))
    node = (node as Record<string, unknown> | undefined)?.[part];
  if (typeof node !== 'function') throw new Error(`unknown message type: ${fullName}`);
  return node;
}

/** Short aliases for the proto namespaces the server uses everywhere. */
export const enums = temporal.api.enums.v1;
export const wfs = temporal.api.workflowservice.v1;
export const history = temporal.api.history.v1;
export const common = temporal.api.common.v1;
export const failure = temporal.api.failure.v1;
export const errordetails = temporal.api.errordetails.v1;
export const gproto = google.protobuf;

export type IPayloads = temporal.api.common.v1.IPayloads;
export type IPayload = temporal.api.common.v1.IPayload;
export type IFailure = temporal.api.failure.v1.IFailure;
export type IHistoryEvent = temporal.api.history.v1.IHistoryEvent;
export type IRetryPolicy = temporal.api.common.v1.IRetryPolicy;
export type IHeader = temporal.api.common.v1.IHeader;
export type IMemo = temporal.api.common.v1.IMemo;
export type ISearchAttributes = temporal.api.common.v1.ISearchAttributes;
export type IDuration = google.protobuf.IDuration;
export type ITimestamp = google.protobuf.ITimestamp;

/** An int64 from a decoded message (Long, number or null) as a JS number. */
export function num(value: Long | number | string | null | undefined): number {
  if (value == null) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  return Long.isLong(value) ? value.toNumber() : Number(value);
}

/** Milliseconds in a google.protobuf.Duration (0 when absent). */
export function durationMs(d: IDuration | null | undefined): number {
  if (!d) return 0;
  return num(d.seconds) * 1000 + Math.floor((d.nanos ?? 0) / 1e6);
}

/** A google.protobuf.Duration for a number of milliseconds. */
export function msDuration(ms: number): IDuration {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** A duration field value, or null when `ms` is 0 (unset means "no limit" on the wire). */
export function optDuration(ms: number | undefined): IDuration | null {
  return ms ? msDuration(ms) : null;
}

/**
 * The timestamp the real server (written in Go) sends for a time it does not have: Go's zero time,
 * 0001-01-01T00:00:00Z.
 */
export const GO_ZERO_TIME: ITimestamp = { seconds: -62135596800, nanos: 0 };

/** Milliseconds since the epoch in a google.protobuf.Timestamp. */
export function timestampMs(t: ITimestamp | null | undefined): number {
  if (!t) return 0;
  return num(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/** A google.protobuf.Timestamp for milliseconds since the epoch. */
export function msTimestamp(ms: number): ITimestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** True when a repeated/map/bytes value carries anything. */
export function isEmpty(value: unknown): boolean {
  if (value == null) return true;
  if (Array.isArray(value) || value instanceof Uint8Array) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value as object).length === 0;
  return false;
}

/** Enum name without its prefix: `WORKFLOW_EXECUTION_STATUS_RUNNING` → `RUNNING`. */
export function enumName(enumObj: Record<string, number | string>, value: number, prefix: string): string {
  for (const [k, v] of Object.entries(enumObj)) {
    if (v === value) return k.startsWith(prefix) ? k.slice(prefix.length) : k;
  }
  return String(value);
}

/** A JSON payload (`json/plain`) for a plain value. */
export function jsonPayload(value: unknown, extraMetadata: Record<string, string> = {}): IPayload {
  const metadata: Record<string, Uint8Array> = { encoding: Buffer.from('json/plain') };
  for (const [k, v] of Object.entries(extraMetadata)) metadata[k] = Buffer.from(v);
  return { metadata, data: Buffer.from(JSON.stringify(value)) };
}

/** Decodes a `json/plain` payload (or `binary/null`); returns undefined for other encodings. */
export function decodePayloadValue(payload: IPayload | null | undefined): unknown {
  if (!payload) return undefined;
  const encoding = payload.metadata?.encoding ? Buffer.from(payload.metadata.encoding).toString() : '';
  if (encoding === 'binary/null') return null;
  if (encoding !== 'json/plain' || !payload.data) return undefined;
  try {
    return JSON.parse(Buffer.from(payload.data).toString());
  } catch {
    return undefined;
  }
}
