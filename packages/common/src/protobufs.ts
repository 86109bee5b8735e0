/**
 * Payload converters for protobufjs messages. Import from `@kairos/common/lib/protobufs`:
 *
 * ```ts
 * import { DefaultPayloadConverterWithProtobufs, patchProtobufRoot } from '@kairos/common/lib/protobufs';
 * ```
 *
 * @module
 */
export * from './converter/protobuf-payload-converters';
export { patchProtobufRoot } from './converter/patch-protobuf-root';
