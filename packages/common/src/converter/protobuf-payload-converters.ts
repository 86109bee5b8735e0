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

/** The `messageType` metadata of a protobuf payload, decoded; throws when absent. */
function messageTypeOf(content: Payload): string {
  const raw = content.metadata?.[METADATA_MESSAGE_TYPE_KEY];
  if (raw === undefined || raw === null) {
    throw new ValueError(`Got protobuf payload without metadata.${METADATA_MESSAGE_TYPE_KEY}`);
  }
  return decode(raw);
}

/** `root.lookupType`, with a "no such type" failure reported as a {@link PayloadConverterError}. */
function findMessageType(root: Root, typeName: string): Type {
  try {
    return root.lookupType(typeName);
  } catch (error) {
    const missing = errorMessage(error)?.includes('no such type') ?? false;
    if (!missing) throw error;
    throw new PayloadConverterError(
      `Got a \`${typeName}\` protobuf message but cannot find corresponding message class in \`root\``,
    );
  }
}

/** Shared plumbing of the two protobuf encodings: the optional decoding root and payload framing. */
abstract class ProtobufPayloadConverter implements PayloadConverterWithEncoding {
  protected readonly root: Root | undefined;
  public abstract encodingType: string;

  public abstract toPayload<T>(value: T): Payload | undefined;
  public abstract fromPayload<T>(payload: Payload): T;

  /**
   * @param root protobufjs root used to look message types up when decoding (what {@link patchProtobufRoot}
   * returns). Declared `unknown` since the generated root typings do not expose the `Root` class. Encoding works
   * without it.
   */
  constructor(root?: unknown) {
    if (!root) return;
    if (reflectionClassName(root) !== 'Root') {
      throw new TypeError('root must be an instance of a protobufjs Root');
    }
    this.root = root as Root;
  }

  /**
   * Checks that a payload can be decoded: it needs data, a `messageType` metadata entry, a root, and that type
   * must exist in the root. Returns the type together with the data.
   */
  protected validatePayload(content: Payload): { messageType: Type; data: Uint8Array } {
    const { data } = content;
    if (data === undefined || data === null) throw new ValueError('Got payload with no data');
    const typeName = messageTypeOf(content);
    const root = this.root;
    if (!root) {
      throw new PayloadConverterError('Unable to deserialize protobuf message without `root` being provided');
    }
    return { messageType: findMessageType(root, typeName), data };
  }

  /** Frames serialized message bytes as a payload of this converter's encoding, tagged with the type name. */
  protected constructPayload({ messageTypeName, message }: { messageTypeName: string; message: Uint8Array }): Payload {
    const metadata: Record<string, Uint8Array> = {};
    metadata[METADATA_ENCODING_KEY] = encode(this.encodingType);
    metadata[METADATA_MESSAGE_TYPE_KEY] = encode(messageTypeName);
    return { metadata, data: message };
  }
}

/**
 * Encodes protobufjs messages in the protobuf binary format as `binary/protobuf` payloads, recording the message
 * type name under the `messageType` metadata key; decodes them back.
 */
export class ProtobufBinaryPayloadConverter extends ProtobufPayloadConverter {
  /** Always `binary/protobuf`. */
  public encodingType = encodingTypes.METADATA_ENCODING_PROTOBUF;

  /** Encodes a protobufjs message; declines any other value. */
  public toPayload(value: unknown): Payload | undefined {
    if (!isProtobufMessage(value)) return undefined;
    const type = value.$type;
    const bytes = type.encode(value).finish();
    return this.constructPayload({ messageTypeName: messageTypeName(type), message: bytes });
  }

  /** Decodes with the type the `messageType` metadata names. */
  public fromPayload<T>(content: Payload): T {
    const checked = this.validatePayload(content);
    const bytes = checked.data;
    // Re-view the bytes in this realm so that bytes fields of the message pass `instanceof` checks in the sandbox.
    const local = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    return checked.messageType.decode(local) as T;
  }
}

/**
 * Encodes protobufjs messages as canonical proto3 JSON in `json/protobuf` payloads, recording the message type
 * name under the `messageType` metadata key; decodes them back.
 */
export class ProtobufJsonPayloadConverter extends ProtobufPayloadConverter {
  /** Always `json/protobuf`. */
  public encodingType = encodingTypes.METADATA_ENCODING_PROTOBUF_JSON;

  /** Encodes a protobufjs message; declines any other value. */
  public toPayload(value: unknown): Payload | undefined {
    if (!isProtobufMessage(value)) return undefined;
    const type = value.$type;
    const text = JSON.stringify(protojson.toJson(type, value) as unknown);
    return this.constructPayload({ messageTypeName: messageTypeName(type), message: encode(text) });
  }

  /** Parses the JSON into the type the `messageType` metadata names; fields the type lacks are skipped. */
  public fromPayload<T>(content: Payload): T {
    const checked = this.validatePayload(content);
    const parsed: unknown = JSON.parse(decode(checked.data));
    return replaceBuffers(protojson.fromJson(checked.messageType, parsed, { ignoreUnknownFields: true })) as T;
  }
}

/** Settings of {@link DefaultPayloadConverterWithProtobufs}. */
export interface DefaultPayloadConverterWithProtobufsOptions {
  /** Root handed to both protobuf converters, as produced by {@link patchProtobufRoot}. */
  protobufRoot: Record<string, unknown>;
}

/**
 * {@link DefaultPayloadConverter} extended with protobufjs messages. Members are tried in the order shared by the
 * Temporal SDKs (`binary/null`, `binary/plain`, `json/protobuf`, `binary/protobuf`, `json/plain`), so messages go
 * out as proto3 JSON.
 */
export class DefaultPayloadConverterWithProtobufs extends CompositePayloadConverter {
  constructor({ protobufRoot }: DefaultPayloadConverterWithProtobufsOptions) {
    const members: PayloadConverterWithEncoding[] = [new UndefinedPayloadConverter(), new BinaryPayloadConverter()];
    members.push(new ProtobufJsonPayloadConverter(protobufRoot), new ProtobufBinaryPayloadConverter(protobufRoot));
    members.push(new JsonPayloadConverter());
    super(...members);
  }
}
