/**
 * How SDK conversion helpers adapt an application value of type `T` before it reaches the payload converter.
 *
 * - `transferTypeConverter` turns the value into a converter-independent representation `D` (for example a
 *   class instance into a plain object) before encoding, and back after decoding.
 * - `payloadConverterHint` is passed to the payload converter unchanged (for example the protobuf message type
 *   needed to decode bytes).
 *
 * The SDK helpers ({@link toPayloadWithTypeInfo}, {@link fromPayloadWithTypeInfo}...) apply it; calling a
 * `PayloadConverter` directly does not.
 *
 * @experimental
 */
export interface TypeInfo<T = unknown, D = T> {
  /** Converts between the application value and its representation for the payload converter. */
  transferTypeConverter?: TransferTypeConverter<T, D>;
  /** Converter-specific metadata forwarded to the payload converter. */
  payloadConverterHint?: ConverterHint<D>;
}

/**
 * A two-way mapping between application values of type `T` and a form `D` that any payload converter can
 * handle.
 *
 * @experimental
 */
export interface TransferTypeConverter<T, D = unknown> {
  /** Rebuilds the application value after decoding. */
  fromTransferType(value: D): T;
  /** Produces the representation to encode. */
  toTransferType(value: T): D;
}

declare const valueTypeBrand: unique symbol;

/**
 * Converter-specific metadata attached to one conversion, tied at the type level to the value type `T` the
 * converter produces. Extend it to define the hint of your own converter; `converter` names the converter.
 *
 * @experimental
 */
export interface ConverterHint<T = unknown> {
  /** The name of the converter this hint is for. */
  converter: string;
  /** Type-level brand only; never present at run time. */
  [valueTypeBrand]?: T;
}

/**
 * Type information for the inputs and output of a workflow, activity, query or update.
 *
 * @experimental
 */
export interface PayloadTypeInfo {
  /** One entry per argument. */
  inputTypes?: readonly TypeInfo[];
  /** The result. */
  outputType?: TypeInfo;
}
