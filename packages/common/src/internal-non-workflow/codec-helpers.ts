import type { temporal } from '@kairos/proto';
import type { LoadedDataConverter } from '../converter/data-converter';
import type { PayloadCodec } from '../converter/payload-codec';
import {
  arrayFromPayloads,
  convertOptionalToPayload,
  fromPayloadsAtIndex,
  toPayloadsWithContext,
  toPayloadWithTypeInfo,
} from '../converter/payload-converter';
import type { SerializationContext } from '../converter/serialization-context';
import { PayloadConverterError } from '../errors';
import type { ProtoFailure } from '../failure';
import type { Payload } from '../interfaces';
import type { TypeInfo } from '../type-info';
import type { UserMetadata } from '../user-metadata';
import type { DecodedPayload, DecodedProtoFailure, EncodedPayload, EncodedProtoFailure } from './codec-types';

/** Which way payloads travel through the codec chain. */
type CodecDirection = 'encode' | 'decode';

/**
 * Runs `payloads` through the codec chain. Encoding applies the codecs in the order they are configured; decoding
 * undoes that, so it applies them in reverse.
 */
async function runCodecChain(
  codecs: readonly PayloadCodec[],
  direction: CodecDirection,
  payloads: Payload[],
  context: SerializationContext | undefined,
): Promise<Payload[]> {
  const chain = direction === 'encode' ? codecs : [...codecs].reverse();
  let current = payloads;
  for (const codec of chain) {
    current = direction === 'encode' ? await codec.encode(current, context) : await codec.decode(current, context);
  }
  return current;
}

/** Passes payloads through every codec's `decode`, starting with the last codec. */
export async function decode(
  codecs: PayloadCodec[],
  payloads: Payload[],
  context?: SerializationContext,
): Promise<DecodedPayload[]> {
  return (await runCodecChain(codecs, 'decode', payloads, context)) as DecodedPayload[];
}

/** Passes payloads through every codec's `encode`, starting with the first codec. */
export async function encode(
  codecs: PayloadCodec[],
  payloads: Payload[],
  context?: SerializationContext,
): Promise<EncodedPayload[]> {
  return (await runCodecChain(codecs, 'encode', payloads, context)) as EncodedPayload[];
}

/** Runs a single payload through the chain; a codec that hands back an empty array is an error. */
async function runCodecChainOnOne(
  codecs: readonly PayloadCodec[],
  direction: CodecDirection,
  payload: Payload,
  context: SerializationContext | undefined,
): Promise<Payload> {
  const output = await runCodecChain(codecs, direction, [payload], context);
  const first = output[0];
  if (first === undefined) {
    throw new PayloadConverterError(`A payload codec returned no payload when asked to ${direction} one`);
  }
  return first;
}

function isNullish(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/** Runs the codecs' `decode` on one payload; `null` and `undefined` are handed back untouched. */
export async function decodeOptionalSingle(
  codecs: PayloadCodec[],
  payload: Payload | null | undefined,
  context?: SerializationContext,
): Promise<DecodedPayload | null | undefined> {
  if (isNullish(payload)) return payload;
  return (await runCodecChainOnOne(codecs, 'decode', payload, context)) as DecodedPayload;
}

/** Decodes one payload and converts it into a value; `null` and `undefined` are handed back untouched. */
export async function decodeOptionalSinglePayload<T>(
  dataConverter: LoadedDataConverter,
  payload?: Payload | null | undefined,
  context?: SerializationContext,
): Promise<T | null | undefined> {
  if (isNullish(payload)) return payload;
  const decoded = await runCodecChainOnOne(dataConverter.payloadCodecs, 'decode', payload, context);
  return dataConverter.payloadConverter.fromPayload<T>(decoded, context);
}

/** Converts a value into a payload (honouring `typeInfo`) and runs it through the codecs' `encode`. */
export async function encodeToPayload<T>(
  converter: LoadedDataConverter,
  value: T,
  context?: SerializationContext,
  typeInfo?: TypeInfo<T, unknown>,
): Promise<Payload> {
  const converted = toPayloadWithTypeInfo(converter.payloadConverter, value, context, typeInfo);
  return runCodecChainOnOne(converter.payloadCodecs, 'encode', converted, context);
}

/** The decoded form of an optional list of payloads. */
async function decodeList(
  converter: LoadedDataConverter,
  payloads: Payload[] | null | undefined,
  context: SerializationContext | undefined,
): Promise<Payload[] | null | undefined> {
  if (isNullish(payloads)) return payloads;
  return runCodecChain(converter.payloadCodecs, 'decode', payloads, context);
}

/** Decodes a list of payloads and converts all of them (see {@link arrayFromPayloads}). */
export async function decodeArrayFromPayloads(
  converter: LoadedDataConverter,
  payloads?: Payload[] | null,
  context?: SerializationContext,
  typeInfo?: readonly TypeInfo[],
): Promise<unknown[]> {
  const decoded = await decodeList(converter, payloads, context);
  return arrayFromPayloads(converter.payloadConverter, decoded, context, typeInfo);
}

/** Decodes a list of payloads and converts the one at position `index` (see {@link fromPayloadsAtIndex}). */
export async function decodeFromPayloadsAtIndex<T, D = T>(
  converter: LoadedDataConverter,
  index: number,
  payloads?: Payload[] | null,
  context?: SerializationContext,
  typeInfo?: TypeInfo<T, D>,
): Promise<T> {
  const decoded = await decodeList(converter, payloads, context);
  return fromPayloadsAtIndex(converter.payloadConverter, index, decoded, context, typeInfo);
}

/** Decodes the payloads inside a `Failure` and rebuilds the error; a missing failure gives `undefined`. */
export async function decodeOptionalFailureToOptionalError(
  converter: LoadedDataConverter,
  failure: ProtoFailure | undefined | null,
  context?: SerializationContext,
): Promise<Error | undefined> {
  if (!failure) return undefined;
  const { payloadCodecs, payloadConverter, failureConverter } = converter;
  return failureConverter.failureToError(
    await decodeFailure(payloadCodecs, failure, context),
    payloadConverter,
    context,
  );
}

/** Converts values into payloads and runs them through the codecs; no values give `undefined`. */
export async function encodeToPayloads(
  converter: LoadedDataConverter,
  ...values: unknown[]
): Promise<Payload[] | undefined> {
  const converted = toPayloadsWithContext(converter.payloadConverter, undefined, values);
  if (converted === undefined) return undefined;
  return runCodecChain(converter.payloadCodecs, 'encode', converted, undefined);
}

/** Like {@link encodeToPayloads}, with a serialization context and optional per-position type information. */
export async function encodeToPayloadsWithContext(
  converter: LoadedDataConverter,
  context: SerializationContext | undefined,
  values: unknown[],
  typeInfo?: readonly TypeInfo[],
): Promise<Payload[] | undefined> {
  const converted = toPayloadsWithContext(converter.payloadConverter, context, values, typeInfo);
  if (converted === undefined) return undefined;
  return runCodecChain(converter.payloadCodecs, 'encode', converted, context);
}

/** Transforms every value of a record concurrently and gathers the results under the same keys. */
async function mapRecordConcurrently<In, Out>(
  record: Record<string, In>,
  transform: (key: string, value: In) => Promise<Out>,
): Promise<Record<string, Out>> {
  const settled = await Promise.all(
    Object.entries<In>(record).map(async ([key, value]): Promise<[string, Out]> => [key, await transform(key, value)]),
  );
  return Object.fromEntries(settled);
}

/** Decodes and converts each payload of a record; a missing record gives `undefined`. */
export async function decodeMapFromPayloads<K extends string>(
  converter: LoadedDataConverter,
  map: Record<K, Payload> | null | undefined,
  context?: SerializationContext,
): Promise<Record<K, unknown> | undefined> {
  if (!map) return undefined;
  const { payloadCodecs, payloadConverter } = converter;
  return (await mapRecordConcurrently<Payload, unknown>(map, async (_key, payload) => {
    const decoded = await runCodecChainOnOne(payloadCodecs, 'decode', payload, context);
    return payloadConverter.fromPayload(decoded, context);
  })) as Record<K, unknown>;
}

/**
 * Converts and encodes each value of a record.
 *
 * @throws {@link PayloadConverterError} mentioning the key when the payload converter gives nothing for a value.
 */
export async function encodeMapToPayloads<K extends string>(
  converter: LoadedDataConverter,
  map: Record<K, unknown>,
  context?: SerializationContext,
): Promise<Record<K, Payload>> {
  const { payloadCodecs, payloadConverter } = converter;
  return (await mapRecordConcurrently<unknown, Payload>(map, async (key, value) => {
    // Custom converters written in JavaScript may break the contract and return nothing.
    const converted: Payload | undefined = payloadConverter.toPayload(value, context);
    if (converted === undefined) throw new PayloadConverterError(`Failed to encode entry: ${key}: ${String(value)}`);
    return runCodecChainOnOne(payloadCodecs, 'encode', converted, context);
  })) as Record<K, Payload>;
}

/** Builds the `Failure` for an error with the failure converter, then encodes the payloads it contains. */
export async function encodeErrorToFailure(
  dataConverter: LoadedDataConverter,
  error: unknown,
  context?: SerializationContext,
): Promise<ProtoFailure> {
  const { failureConverter, payloadConverter, payloadCodecs } = dataConverter;
  return encodeFailure(payloadCodecs, failureConverter.errorToFailure(error, payloadConverter, context), context);
}

type ProtoPayloads = temporal.api.common.v1.IPayloads;
type PayloadListMapper = (payloads: Payload[]) => Promise<Payload[]>;

/** Applies `mapper` to a `Payloads` message; a missing one stays missing (as `undefined`). */
async function mapPayloadsMessage(
  message: ProtoPayloads | null | undefined,
  mapper: PayloadListMapper,
): Promise<ProtoPayloads | undefined> {
  if (!message) return undefined;
  return { payloads: await mapper(message.payloads ?? []) };
}

/**
 * Copies `failure`, passing through `mapper` every payload it holds: the encoded attributes, the details of
 * application and cancellation failures, and the last heartbeat details of timeout and reset failures. Causes are
 * handled recursively. Payloads are visited in a fixed order: encoded attributes, cause, then the failure infos.
 */
async function mapFailurePayloads(failure: ProtoFailure, mapper: PayloadListMapper): Promise<ProtoFailure> {
  const copy: ProtoFailure = { ...failure };

  copy.encodedAttributes = failure.encodedAttributes ? (await mapper([failure.encodedAttributes]))[0] : undefined;
  copy.cause = failure.cause ? await mapFailurePayloads(failure.cause, mapper) : null;

  const application = failure.applicationFailureInfo;
  copy.applicationFailureInfo = application
    ? { ...application, details: await mapPayloadsMessage(application.details, mapper) }
    : undefined;

  const timeout = failure.timeoutFailureInfo;
  copy.timeoutFailureInfo = timeout
    ? { ...timeout, lastHeartbeatDetails: await mapPayloadsMessage(timeout.lastHeartbeatDetails, mapper) }
    : undefined;

  const cancelled = failure.canceledFailureInfo;
  copy.canceledFailureInfo = cancelled
    ? { ...cancelled, details: await mapPayloadsMessage(cancelled.details, mapper) }
    : undefined;

  const reset = failure.resetWorkflowFailureInfo;
  copy.resetWorkflowFailureInfo = reset
    ? { ...reset, lastHeartbeatDetails: await mapPayloadsMessage(reset.lastHeartbeatDetails, mapper) }
    : undefined;

  return copy;
}

/** Returns a copy of `failure`, causes included, in which every payload has been encoded by the codecs. */
export async function encodeFailure(
  codecs: PayloadCodec[],
  failure: ProtoFailure,
  context?: SerializationContext,
): Promise<EncodedProtoFailure> {
  const encodeList: PayloadListMapper = (payloads) => runCodecChain(codecs, 'encode', payloads, context);
  return (await mapFailurePayloads(failure, encodeList)) as EncodedProtoFailure;
}

/** Returns a copy of `failure`, causes included, in which every payload has been decoded by the codecs. */
export async function decodeFailure(
  codecs: PayloadCodec[],
  failure: ProtoFailure,
  context?: SerializationContext,
): Promise<DecodedProtoFailure> {
  const decodeList: PayloadListMapper = (payloads) => runCodecChain(codecs, 'decode', payloads, context);
  return (await mapFailurePayloads(failure, decodeList)) as DecodedProtoFailure;
}

/** Converts and encodes an optional string field of `UserMetadata`. */
async function encodeMetadataField(
  dataConverter: LoadedDataConverter,
  text: string | undefined,
  context: SerializationContext | undefined,
): Promise<Payload | null | undefined> {
  const converted = convertOptionalToPayload(dataConverter.payloadConverter, text, context);
  if (isNullish(converted)) return converted;
  return runCodecChainOnOne(dataConverter.payloadCodecs, 'encode', converted, context);
}

/**
 * Builds a `UserMetadata` message from a summary and details, both converted and encoded. Gives `undefined` when
 * neither is provided.
 */
export async function encodeUserMetadata(
  dataConverter: LoadedDataConverter,
  staticSummary: string | undefined,
  staticDetails: string | undefined,
  context?: SerializationContext,
): Promise<temporal.api.sdk.v1.IUserMetadata | undefined> {
  if (isNullish(staticSummary) && isNullish(staticDetails)) return undefined;
  const metadata: temporal.api.sdk.v1.IUserMetadata = {};
  metadata.summary = await encodeMetadataField(dataConverter, staticSummary, context);
  metadata.details = await encodeMetadataField(dataConverter, staticDetails, context);
  return isNullish(metadata.summary) && isNullish(metadata.details) ? undefined : metadata;
}

/** Reads a `UserMetadata` message back into strings; absent fields (or an absent message) give `undefined`. */
export async function decodeUserMetadata(
  dataConverter: LoadedDataConverter,
  metadata: temporal.api.sdk.v1.IUserMetadata | undefined | null,
  context?: SerializationContext,
): Promise<UserMetadata> {
  const result: UserMetadata = { staticSummary: undefined, staticDetails: undefined };
  if (isNullish(metadata)) return result;
  const summary = await decodeOptionalSinglePayload<string>(dataConverter, metadata.summary, context);
  result.staticSummary = summary ?? undefined;
  const details = await decodeOptionalSinglePayload<string>(dataConverter, metadata.details, context);
  result.staticDetails = details ?? undefined;
  return result;
}
