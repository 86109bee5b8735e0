import type { ProtoFailure } from '../failure';
import type { Payload } from '../interfaces';
import type { ReplaceNested } from '../type-helpers';

/** A payload that went through the payload codecs' `encode` (type-level marker only). */
export interface EncodedPayload extends Payload {
  /** Type-level marker. */
  encoded: true;
}

/** A payload that went through the payload codecs' `decode` (type-level marker only). */
export interface DecodedPayload extends Payload {
  /** Type-level marker. */
  decoded: true;
}

/** `T` with its `Payload`s replaced by {@link EncodedPayload}s. */
export type Encoded<T> = ReplaceNested<T, Payload, EncodedPayload>;

/** `T` with its `Payload`s replaced by {@link DecodedPayload}s. */
export type Decoded<T> = ReplaceNested<T, Payload, DecodedPayload>;

/** A `Failure` whose payloads have been encoded. */
export type EncodedProtoFailure = Encoded<ProtoFailure>;

/** A `Failure` whose payloads have been decoded. */
export type DecodedProtoFailure = Decoded<ProtoFailure>;
