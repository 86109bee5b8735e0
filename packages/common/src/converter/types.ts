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

/** The built-in encodings as UTF-8 bytes, ready to put in payload metadata. */
export const encodingKeys = {
  METADATA_ENCODING_NULL: encode(encodingTypes.METADATA_ENCODING_NULL),
  METADATA_ENCODING_RAW: encode(encodingTypes.METADATA_ENCODING_RAW),
  METADATA_ENCODING_JSON: encode(encodingTypes.METADATA_ENCODING_JSON),
  METADATA_ENCODING_PROTOBUF_JSON: encode(encodingTypes.METADATA_ENCODING_PROTOBUF_JSON),
  METADATA_ENCODING_PROTOBUF: encode(encodingTypes.METADATA_ENCODING_PROTOBUF),
} as const;

/** The payload metadata key that names the protobuf message type of `json/protobuf` and `binary/protobuf` payloads. */
export const METADATA_MESSAGE_TYPE_KEY = 'messageType';
