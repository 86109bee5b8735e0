import type { temporal } from '@kairos/proto';
import type { LoadedDataConverter } from '../converter/data-converter';
import type { PayloadCodec } from '../converter/payload-codec';
import {
  arrayFromPayloads,
  convertOptionalToPayload,
  fromPayloadsAtIndex,
  toPayloadWithTypeInfo,
  toPayloadsWithContext,
} from '../converter/payload-converter';
import type { SerializationContext } from '../converter/serialization-context';
import { PayloadConverterError } from '../errors';
import type { ProtoFailure } from '../failure';
import type { Payload } from '../interfaces';
import type { TypeInfo } from '../type-info';
import type { UserMetadata } from '../user-metadata';
import type { DecodedPayload, DecodedProtoFailure, EncodedPayload, EncodedProtoFailure } from './codec-types';

/** Decodes payloads through every codec, last codec first. */
export async function decode(
  codecs: PayloadCodec[],
  payloads: Payload[],
  context?: SerializationContext,
): Promise<DecodedPayload[]> {
  for (let i = codecs.length - 1; i >= 0; i--) {
    payloads = await (codecs[i] as PayloadCodec).decode(payloads, context);
  }
  return payloads as DecodedPayload[];
}

/** Encodes payloads through every codec, first codec first. */
export async function encode(
  codecs: PayloadCodec[],
  payloads: Payload[],
  context?: SerializationContext,
): Promise<EncodedPayload[]> {
  for (const codec of codecs) {
    payloads = await codec.encode(payloads, context);
  }
  return payloads as EncodedPayload[];
}

async function decodeOptional(
  codecs: PayloadCodec[],
  payloads: Payload[] | null | undefined,
  context?: SerializationContext,
): Promise<DecodedPayload[] | null | undefined> {
  if (payloads === null || payloads === undefined) return payloads;
  return await decode(codecs, payloads, context);
}

async function encodeSingle(
  codecs: PayloadCodec[],
  payload: Payload,
  context?: SerializationContext,
): Promise<EncodedPayload> {
  const [encoded] = await encode(codecs, [payload], context);
  return expectOnePayload(encoded, 'encode');
}

async function decodeSingle(
  codecs: PayloadCodec[],
  payload: Payload,
  context?: SerializationContext,
): Promise<DecodedPayload> {
  const [decoded] = await decode(codecs, [payload], context);
  return expectOnePayload(decoded, 'decode');
}

function expectOnePayload<P extends Payload>(payload: P | undefined, operation: string): P {
  if (payload === undefined) {
    throw new PayloadConverterError(`A payload codec returned no payload when asked to ${operation} one`);
  }
  return payload;
}

async function encodeOptionalSingle(
  codecs: PayloadCodec[],
  payload: Payload | null | undefined,
  context?: SerializationContext,
): Promise<EncodedPayload | null | undefined> {
  if (payload === null || payload === undefined) return payload;
  return await encodeSingle(codecs, payload, context);
}

/** Decodes one optional payload through every codec; `null` and `undefined` are returned as they are. */
export async function decodeOptionalSingle(
  codecs: PayloadCodec[],
  payload: Payload | null | undefined,
  context?: SerializationContext,
): Promise<DecodedPayload | null | undefined> {
  if (payload === null || payload === undefined) return payload;
  return await decodeSingle(codecs, payload, context);
}

/** Decodes one optional payload and converts it to a value; `null` and `undefined` are returned as they are. */
export async function decodeOptionalSinglePayload<T>(
  dataConverter: LoadedDataConverter,
  payload?: Payload | null | undefined,
  context?: SerializationContext,
): Promise<T | null | undefined> {
  const decoded = await decodeOptionalSingle(dataConverter.payloadCodecs, payload, context);
  if (decoded === null || decoded === undefined) return decoded;
  return dataConverter.payloadConverter.fromPayload<T>(decoded, context);
}

/** Converts a value to a payload (applying `typeInfo`), then encodes it. */
export async function encodeToPayload<T>(
  converter: LoadedDataConverter,
  value: T,
  context?: SerializationContext,
  typeInfo?: TypeInfo<T, unknown>,
): Promise<Payload> {
  const payload = toPayloadWithTypeInfo(converter.payloadConverter, value, context, typeInfo);
  return await encodeSingle(converter.payloadCodecs, payload, context);
}

/** Decodes payloads, then converts them to values ({@link arrayFromPayloads}). */
export async function decodeArrayFromPayloads(
  converter: LoadedDataConverter,
  payloads?: Payload[] | null,
  context?: SerializationContext,
  typeInfo?: readonly TypeInfo[],
): Promise<unknown[]> {
  const decoded = await decodeOptional(converter.payloadCodecs, payloads, context);
  return arrayFromPayloads(converter.payloadConverter, decoded, context, typeInfo);
}

/** Decodes payloads, then converts the one at `index` ({@link fromPayloadsAtIndex}). */
export async function decodeFromPayloadsAtIndex<T, D = T>(
  converter: LoadedDataConverter,
  index: number,
  payloads?: Payload[] | null,
  context?: SerializationContext,
  typeInfo?: TypeInfo<T, D>,
): Promise<T> {
  const decoded = await decodeOptional(converter.payloadCodecs, payloads, context);
  return fromPayloadsAtIndex(converter.payloadConverter, index, decoded, context, typeInfo);
}

/** Decodes the payloads of a `Failure`, then converts it to an error; `undefined` when there is no failure. */
export async function decodeOptionalFailureToOptionalError(
  converter: LoadedDataConverter,
  failure: ProtoFailure | undefined | null,
  context?: SerializationContext,
): Promise<Error | undefined> {
  if (!failure) return undefined;
  const decoded = await decodeFailure(converter.payloadCodecs, failure, context);
  return converter.failureConverter.failureToError(decoded, converter.payloadConverter, context);
}

/** Converts values to payloads, then encodes them; `undefined` when there are no values. */
export async function encodeToPayloads(
  converter: LoadedDataConverter,
  ...values: unknown[]
): Promise<Payload[] | undefined> {
  return encodeToPayloadsWithContext(converter, undefined, values);
}

/** {@link encodeToPayloads} with a serialization context and per-value type information. */
export async function encodeToPayloadsWithContext(
  converter: LoadedDataConverter,
  context: SerializationContext | undefined,
  values: unknown[],
  typeInfo?: readonly TypeInfo[],
): Promise<Payload[] | undefined> {
  const payloads = toPayloadsWithContext(converter.payloadConverter, context, values, typeInfo);
  return payloads ? await encode(converter.payloadCodecs, payloads, context) : undefined;
}

/** Decodes and converts every payload of a record; `undefined` when the record is missing. */
export async function decodeMapFromPayloads<K extends string>(
  converter: LoadedDataConverter,
  map: Record<K, Payload> | null | undefined,
  context?: SerializationContext,
): Promise<Record<K, unknown> | undefined> {
  if (!map) return undefined;
  const entries = await Promise.all(
    Object.entries<Payload>(map).map(async ([key, payload]) => {
      const decoded = await decodeSingle(converter.payloadCodecs, payload, context);
      return [key, converter.payloadConverter.fromPayload(decoded, context)] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<K, unknown>;
}

/**
 * Converts and encodes every value of a record.
 *
 * @throws {@link PayloadConverterError} naming the key if the payload converter returns nothing for a value.
 */
export async function encodeMapToPayloads<K extends string>(
  converter: LoadedDataConverter,
  map: Record<K, unknown>,
  context?: SerializationContext,
): Promise<Record<K, Payload>> {
  const entries = await Promise.all(
    Object.entries(map).map(async ([key, value]) => {
      const payload = converter.payloadConverter.toPayload(value, context) as Payload | undefined;
      if (payload === undefined) {
        throw new PayloadConverterError(`Failed to encode entry: ${key}: ${String(value)}`);
      }
      const encoded: Payload = await encodeSingle(converter.payloadCodecs, payload, context);
      return [key, encoded] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<K, Payload>;
}

/** Converts an error to a `Failure` with the failure converter, then encodes its payloads. */
export async function encodeErrorToFailure(
  dataConverter: LoadedDataConverter,
  error: unknown,
  context?: SerializationContext,
): Promise<ProtoFailure> {
  const failure = dataConverter.failureConverter.errorToFailure(error, dataConverter.payloadConverter, context);
  return await encodeFailure(dataConverter.payloadCodecs, failure, context);
}

type PayloadsTransform = (payloads: Payload[]) => Promise<Payload[]>;

/**
 * A copy of `failure` and its `cause` chain with `transform` applied to every payload: encoded attributes,
 * application and cancellation details, and last heartbeat details.
 */
async function transformFailurePayloads(failure: ProtoFailure, transform: PayloadsTransform): Promise<ProtoFailure> {
  const payloads = async (
    container: temporal.api.common.v1.IPayloads | null | undefined,
  ): Promise<temporal.api.common.v1.IPayloads | undefined> =>
    container ? { payloads: await transform(container.payloads ?? []) } : undefined;
  const { applicationFailureInfo, timeoutFailureInfo, canceledFailureInfo, resetWorkflowFailureInfo } = failure;
  return {
    ...failure,
    encodedAttributes: failure.encodedAttributes ? (await transform([failure.encodedAttributes]))[0] : undefined,
    cause: failure.cause ? await transformFailurePayloads(failure.cause, transform) : null,
    applicationFailureInfo: applicationFailureInfo
      ? { ...applicationFailureInfo, details: await payloads(applicationFailureInfo.details) }
      : undefined,
    timeoutFailureInfo: timeoutFailureInfo
      ? { ...timeoutFailureInfo, lastHeartbeatDetails: await payloads(timeoutFailureInfo.lastHeartbeatDetails) }
      : undefined,
    canceledFailureInfo: canceledFailureInfo
      ? { ...canceledFailureInfo, details: await payloads(canceledFailureInfo.details) }
      : undefined,
    resetWorkflowFailureInfo: resetWorkflowFailureInfo
      ? {
          ...resetWorkflowFailureInfo,
          lastHeartbeatDetails: await payloads(resetWorkflowFailureInfo.lastHeartbeatDetails),
        }
      : undefined,
  };
}

/** A copy of `failure` (and its causes) with every payload encoded by the codecs. */
export async function encodeFailure(
  codecs: PayloadCodec[],
  failure: ProtoFailure,
  context?: SerializationContext,
): Promise<EncodedProtoFailure> {
  return (await transformFailurePayloads(failure, (payloads) =>
    encode(codecs, payloads, context),
  )) as EncodedProtoFailure;
}

/** A copy of `failure` (and its causes) with every payload decoded by the codecs. */
export async function decodeFailure(
  codecs: PayloadCodec[],
  failure: ProtoFailure,
  context?: SerializationContext,
): Promise<DecodedProtoFailure> {
  return (await transformFailurePayloads(failure, (payloads) =>
    decode(codecs, payloads, context),
  )) as DecodedProtoFailure;
}

/** Converts and encodes a summary and details into a `UserMetadata` message; `undefined` when both are missing. */
export async function encodeUserMetadata(
  dataConverter: LoadedDataConverter,
  staticSummary: string | undefined,
  staticDetails: string | undefined,
  context?: SerializationContext,
): Promise<temporal.api.sdk.v1.IUserMetadata | undefined> {
  if (
    (staticSummary === null || staticSummary === undefined) &&
    (staticDetails === null || staticDetails === undefined)
  ) {
    return undefined;
  }
  const { payloadConverter, payloadCodecs } = dataConverter;
  const summary = await encodeOptionalSingle(
    payloadCodecs,
    convertOptionalToPayload(payloadConverter, staticSummary, context),
    context,
  );
  const details = await encodeOptionalSingle(
    payloadCodecs,
    convertOptionalToPayload(payloadConverter, staticDetails, context),
    context,
  );
  if ((summary === null || summary === undefined) && (details === null || details === undefined)) return undefined;
  return { summary, details };
}

/** Decodes and converts a `UserMetadata` message (missing fields give `undefined`). */
export async function decodeUserMetadata(
  dataConverter: LoadedDataConverter,
  metadata: temporal.api.sdk.v1.IUserMetadata | undefined | null,
  context?: SerializationContext,
): Promise<UserMetadata> {
  if (metadata === null || metadata === undefined) return { staticSummary: undefined, staticDetails: undefined };
  const staticSummary =
    (await decodeOptionalSinglePayload<string>(dataConverter, metadata.summary, context)) ?? undefined;
  const staticDetails =
    (await decodeOptionalSinglePayload<string>(dataConverter, metadata.details, context)) ?? undefined;
  return { staticSummary, staticDetails };
}
