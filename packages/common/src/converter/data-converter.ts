import { DefaultFailureConverter, type FailureConverter } from './failure-converter';
import type { PayloadCodec } from './payload-codec';
import { defaultPayloadConverter, type PayloadConverter } from './payload-converter';

/**
 * How workflow and activity data (arguments, results, details, failures) is converted to the `Payload`s and
 * `Failure`s stored by the Temporal server. The default converts `undefined`, `Uint8Array` and JSON-serializable
 * values; customise it to support other types (`BigInt`, class instances, protobufs) or to encrypt or compress data.
 *
 * Give the same `DataConverter` to the client, the worker and, when you bundle workflows yourself, to
 * `bundleWorkflowCode` (`payloadConverterPath`).
 */
export interface DataConverter {
  /**
   * Path of a module with a `payloadConverter` named export implementing {@link PayloadConverter}. It is loaded by
   * path because it is also bundled into the workflow isolate.
   *
   * @default the {@link defaultPayloadConverter}
   */
  payloadConverterPath?: string;

  /**
   * Path of a module with a `failureConverter` named export implementing {@link FailureConverter}.
   *
   * @default the {@link defaultFailureConverter}
   */
  failureConverterPath?: string;

  /**
   * Payload codecs, applied in array order when encoding and in reverse order when decoding: with
   * `[compressionCodec, encryptionCodec]` data is compressed, then encrypted.
   *
   * @default []
   */
  payloadCodecs?: PayloadCodec[];
}

/** A {@link DataConverter} whose converter modules have been loaded (see `loadDataConverter`). */
export interface LoadedDataConverter {
  /** The payload converter. */
  payloadConverter: PayloadConverter;
  /** The failure converter. */
  failureConverter: FailureConverter;
  /** The payload codecs, in encoding order. */
  payloadCodecs: PayloadCodec[];
}

/** The failure converter used when none is configured: a {@link DefaultFailureConverter} with plain-text messages. */
export const defaultFailureConverter: FailureConverter = new DefaultFailureConverter();

/** The data converter used when none is configured: the default payload and failure converters and no codecs. */
export const defaultDataConverter: LoadedDataConverter = {
  payloadConverter: defaultPayloadConverter,
  failureConverter: defaultFailureConverter,
  payloadCodecs: [],
};
