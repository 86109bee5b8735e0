import type { Root, Type } from 'protobufjs';
import * as protojson from 'protobufjs/ext/protojson';
import * as protobufLight from 'protobufjs/light';
import { decode, encode } from '../encoding';
import { PayloadConverterError, ValueError } from '../errors';
import type { Payload } from '../interfaces';
import { errorMessage, isRecord } from '../type-helpers';
import {
  BinaryPayloadConverter,
  CompositePayloadConverter,
  JsonPayloadConverter,
  type PayloadConverterWithEncoding,
  UndefinedPayloadConverter,
} from './payload-converter';
import { encodingTypes, METADATA_ENCODING_KEY, METADATA_MESSAGE_TYPE_KEY } from './types';

interface ProtobufMessage {
  $type: Type;
}

function reflectionClassName(value: unknown): string | undefined {
  // protobufjs sets `className` on its reflection classes; constructor names can be mangled by minifiers.
  return isRecord(value) ? (value.constructor as { className?: string } | undefined)?.className : undefined;
}

function isProtobufType(value: unknown): value is Type {
  return (
    reflectionClassName(value) === 'Type' &&
    isRecord(value) &&
    typeof value.name === 'string' &&
    typeof value.create === 'function' &&
    typeof value.encode === 'function' &&
    typeof value.decode === 'function'
  );
}

/** Whether `value` is a protobufjs message instance (it carries its type as `$type`). */
function isProtobufMessage(value: unknown): value is ProtobufMessage {
  return isRecord(value) && '$type' in value && isProtobufType(value.$type);
}

/** The fully qualified message name as it goes on the wire (`foo.bar.MyMessage`, without protobufjs' leading dot). */
function messageTypeName(type: Type): string {
  return type.fullName.startsWith('.') ? type.fullName.slice(1) : type.fullName;
}

/** Whether `value` is a Node `Buffer`, checked through its own constructor (no `Buffer` global in the isolate). */
function isBuffer(value: unknown): value is Uint8Array {
  if (!isRecord(value)) return false;
  const ctor = value.constructor as { name?: string; isBuffer?: (v: unknown) => boolean } | undefined;
  return ctor?.name === 'Buffer' && typeof ctor.isBuffer === 'function' && ctor.isBuffer(value) === true;
}

// Only where a `Buffer` class exists can protobufjs produce Buffers; elsewhere the walk below is wasted work.
const PROTOBUFJS_MAY_ALLOCATE_BUFFERS = protobufLight.util.Buffer !== null && protobufLight.util.Buffer !== undefined;

/**
 * Replaces the `Buffer`s protobufjs creates when decoding JSON in Node with plain `Uint8Array`s, so decoded messages
 * look the same inside and outside the workflow isolate.
 */
function replaceBuffers<T>(value: T): T {
  if (!PROTOBUFJS_MAY_ALLOCATE_BUFFERS) return value;
  if (isBuffer(value)) return new Uint8Array(value) as T;
  replaceBuffersIn(value);
  return value;
}

function replaceBuffersIn(node: unknown): void {
  if (node === null || typeof node !== 'object' || ArrayBuffer.isView(node)) return;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const child: unknown = node[i];
      if (isBuffer(child)) node[i] = new Uint8Array(child);
      else replaceBuffersIn(child);
    }
    return;
  }
  const record = node as Record<string, unknown>;
  for (const [key, child] of Object.entries(record)) {
    if (isBuffer(child)) record[key] = new Uint8Array(child);
    else replaceBuffersIn(child);
  }
}

abstract class ProtobufPayloadConverter implements PayloadConverterWithEncoding {
  protected readonly root: Root | undefined;
  public abstract encodingType: string;

  public abstract toPayload<T>(value: T): Payload | undefined;
  public abstract fromPayload<T>(payload: Payload): T;

  /**
   * @param root the protobufjs root that decodes incoming messages, as returned by {@link patchProtobufRoot}.
   * Typed `unknown` because generated root declarations do not expose the `Root` class.
   */
  constructor(root?: unknown) {
    if (root) {
      if (reflectionClassName(root) !== 'Root') {
        throw new TypeError('root must be an instance of a protobufjs Root');
      }
      this.root = root as Root;
    }
  }

  /** Checks the payload has data and a `messageType` known to the root, and returns that type. */
  protected validatePayload(content: Payload): { messageType: Type; data: Uint8Array } {
    if (content.data === undefined || content.data === null) {
      throw new ValueError('Got payload with no data');
    }
    const typeBytes = content.metadata?.[METADATA_MESSAGE_TYPE_KEY];
    if (typeBytes === undefined || typeBytes === null) {
      throw new ValueError(`Got protobuf payload without metadata.${METADATA_MESSAGE_TYPE_KEY}`);
    }
    if (!this.root) {
      throw new PayloadConverterError('Unable to deserialize protobuf message without `root` being provided');
    }
    const typeName = decode(typeBytes);
    let messageType: Type;
    try {
      messageType = this.root.lookupType(typeName);
    } catch (error) {
      if (errorMessage(error)?.includes('no such type')) {
        throw new PayloadConverterError(
          `Got a \`${typeName}\` protobuf message but cannot find corresponding message class in \`root\``,
        );
      }
      throw error;
    }
    return { messageType, data: content.data };
  }

  /** A payload of this converter's encoding for a serialized message of type `messageTypeName`. */
  protected constructPayload({ messageTypeName, message }: { messageTypeName: string; message: Uint8Array }): Payload {
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: encode(this.encodingType),
        [METADATA_MESSAGE_TYPE_KEY]: encode(messageTypeName),
      },
      data: message,
    };
  }
}

/**
 * Converts protobufjs message instances to `binary/protobuf` payloads (the protobuf wire format, with the message
 * type name in the `messageType` metadata) and back.
 */
export class ProtobufBinaryPayloadConverter extends ProtobufPayloadConverter {
  /** `binary/protobuf`. */
  public encodingType = encodingTypes.METADATA_ENCODING_PROTOBUF;

  /** @param root the value returned by {@link patchProtobufRoot}; needed to decode, not to encode. */
  constructor(root?: unknown) {
    super(root);
  }

  /** Converts a protobufjs message; other values are left to the next converter. */
  public toPayload(value: unknown): Payload | undefined {
    if (!isProtobufMessage(value)) return undefined;
    return this.constructPayload({
      messageTypeName: messageTypeName(value.$type),
      message: value.$type.encode(value).finish(),
    });
  }

  /** Decodes the message with the type named in the payload's `messageType` metadata. */
  public fromPayload<T>(content: Payload): T {
    const { messageType, data } = this.validatePayload(content);
    // A Uint8Array of this realm, so `instanceof` works on the decoded bytes fields in the isolate.
    return messageType.decode(new Uint8Array(data.buffer, data.byteOffset, data.length)) as T;
  }
}

/**
 * Converts protobufjs message instances to `json/protobuf` payloads (canonical proto3 JSON, with the message type
 * name in the `messageType` metadata) and back.
 */
export class ProtobufJsonPayloadConverter extends ProtobufPayloadConverter {
  /** `json/protobuf`. */
  public encodingType = encodingTypes.METADATA_ENCODING_PROTOBUF_JSON;

  /** @param root the value returned by {@link patchProtobufRoot}; needed to decode, not to encode. */
  constructor(root?: unknown) {
    super(root);
  }

  /** Converts a protobufjs message; other values are left to the next converter. */
  public toPayload(value: unknown): Payload | undefined {
    if (!isProtobufMessage(value)) return undefined;
    const json: unknown = protojson.toJson(value.$type, value);
    return this.constructPayload({
      messageTypeName: messageTypeName(value.$type),
      message: encode(JSON.stringify(json)),
    });
  }

  /** Parses the JSON as the type named in the payload's `messageType` metadata (unknown fields are ignored). */
  public fromPayload<T>(content: Payload): T {
    const { messageType, data } = this.validatePayload(content);
    const message = protojson.fromJson(messageType, JSON.parse(decode(data)), { ignoreUnknownFields: true });
    return replaceBuffers(message) as T;
  }
}

/** Options of {@link DefaultPayloadConverterWithProtobufs}. */
export interface DefaultPayloadConverterWithProtobufsOptions {
  /** The root given to the protobuf converters, as returned by {@link patchProtobufRoot}. */
  protobufRoot: Record<string, unknown>;
}

/**
 * The default payload converter plus protobufjs messages, in the order the other Temporal SDKs use: `binary/null`,
 * `binary/plain`, `json/protobuf`, `binary/protobuf`, `json/plain`. Messages are therefore sent as proto3 JSON.
 */
export class DefaultPayloadConverterWithProtobufs extends CompositePayloadConverter {
  constructor({ protobufRoot }: DefaultPayloadConverterWithProtobufsOptions) {
    super(
      new UndefinedPayloadConverter(),
      new BinaryPayloadConverter(),
      new ProtobufJsonPayloadConverter(protobufRoot),
      new ProtobufBinaryPayloadConverter(protobufRoot),
      new JsonPayloadConverter(),
    );
  }
}
