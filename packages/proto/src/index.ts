/**
 * `@kairos/proto`: the Temporal API messages Kairos uses (`temporal.api.*`, `google.*`, `grpc.health.v1`)
 * and the Kairos core protocol (`kairos.core.*`), as protobufjs static classes with TypeScript declarations.
 */
export { temporal, google, grpc, kairos } from '../generated/root';
export {
  descriptorRoot,
  fromProto3JSON,
  toProto3JSON,
  staticClassFor,
  Proto3JSONError,
  type JSONValue,
} from './proto3-json';
