/**
 * Conversion of histories and payloads to and from proto3 JSON, the format the Temporal CLI and UI export.
 * Not for workflow code: it loads the protobuf definitions.
 *
 * Import from `@kairos/common/lib/proto-utils`.
 *
 * @module
 */
import { fromProto3JSON, type JSONValue, temporal, toProto3JSON } from '@kairos/proto';
import { isRecord } from './type-helpers';

/** A workflow history: its events. */
export type History = temporal.api.history.v1.IHistory;

/** The protobuf `Payload` message, as a plain object. */
export type Payload = temporal.api.common.v1.IPayload;

/** The proto3 JSON form of a {@link Payload}. */
export interface JSONPayload {
  /** Metadata values, base64-encoded. */
  metadata?: Record<string, string> | null;
  /** The data, base64-encoded. */
  data?: string | null;
}

const HISTORY_TYPE = 'temporal.api.history.v1.History';
const PAYLOAD_TYPE = 'temporal.api.common.v1.Payload';

function parseKnownFields<T>(typeName: string, json: unknown): T {
  return fromProto3JSON<T>(typeName, json as JSONValue, { ignoreUnknownFields: true });
}

/**
 * Parses a history in proto3 JSON (a JSON string, or the parsed object), as exported by the Temporal CLI and UI.
 * Accepts the enum spellings of older exports (`"eventType": "WorkflowExecutionStarted"`) and ignores fields this
 * SDK does not know.
 *
 * @throws `TypeError` if the input is not an object with an `events` array or an event has no attributes; the
 * proto3 JSON parser's error naming the JSON path if a value does not fit the schema.
 */
export function historyFromJSON(history: unknown): History {
  const parsed: unknown = typeof history === 'string' ? JSON.parse(history) : history;
  if (!isRecord(parsed) || !Array.isArray(parsed.events)) {
    throw new TypeError('Invalid history, expected an object with an array of events');
  }
  for (const event of parsed.events as unknown[]) {
    if (!isRecord(event) || !Object.keys(event).some((key) => key.endsWith('EventAttributes'))) {
      throw new TypeError(`Missing attributes in history event: ${JSON.stringify(event)}`);
    }
  }
  return parseKnownFields<temporal.api.history.v1.History>(HISTORY_TYPE, parsed);
}

/**
 * Prints a history (for example from `client.workflow.list().withHistory()`) as proto3 JSON, pretty-printed like
 * the history files other Temporal tools produce.
 */
export function historyToJSON(history: History): string {
  const message = temporal.api.history.v1.History.fromObject(history as Record<string, unknown>);
  return JSON.stringify(toProto3JSON(HISTORY_TYPE, message), null, 2);
}

/** Converts a payload to its proto3 JSON form (base64 metadata values and data). */
export function payloadToJSON(payload: Payload): JSONPayload {
  return toProto3JSON(PAYLOAD_TYPE, temporal.api.common.v1.Payload.create(payload)) as JSONPayload;
}

/** Converts the proto3 JSON form of a payload back to a payload. */
export function JSONToPayload(json: JSONPayload): Payload {
  return parseKnownFields<temporal.api.common.v1.Payload>(PAYLOAD_TYPE, json);
}
