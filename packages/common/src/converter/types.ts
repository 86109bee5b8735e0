import { encode } from '../encoding';

/** The payload metadata key that names the payload's encoding. */
export const METADATA_ENCODING_KEY = 'encoding';

/** The encodings of the built-in payload converters (wire values shared by every Temporal SDK). */
export const encodingTypes = {
  METADATA_ENCODING_NULL: 'binary/null',
  METADATA_ENCODING_RAW: 'binary/plain',
  METADATA_ENCODING_JSON: 'json/plain',
  METADATA_ENCODING_PROTOBUF_JSON: 'json/protobuf',
  METADATA_ENCODING_PROTOBUF: 'binary/protobuf',
} as const;
/** One of the built-in payload encodings. */
export type EncodingType = (typeof encodingTypes)[keyof typeof encodingTypes];

/** A table of strings with each value replaced by its UTF-8 bytes (same keys, same order). */
function utf8Table<T extends Record<string, string>>(table: T): { readonly [K in keyof T]: Uint8Array } {
  const entries = Object.entries(table).map(([name, text]) => [name, encode(text)] as const);
  return Object.fromEntries(entries) as { readonly [K in keyof T]: Uint8Array };
}

/** The built-in encodings as UTF-8 bytes, ready to put in payload metadata. */
export const encodingKeys = utf8Table(encodingTypes);

/** The payload metadata key that names the protobuf message type of `json/protobuf` and `binary/protobuf` payloads. */
export const METADATA_MESSAGE_TYPE_KEY = 'messageType';
