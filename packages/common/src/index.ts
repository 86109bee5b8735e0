/**
 * Code shared by the Kairos client, worker and workflow packages: data conversion, failures, durations, retry
 * policy, search attributes, enums and shared interfaces. Everything exported here is safe to use in workflow
 * code (no Node API).
 *
 * @module
 */
import * as encoding from './encoding';
import * as helpers from './type-helpers';

export * from './activity-definition-options';
export { type ActivityCancellationDetailsOptions, ActivityCancellationDetails } from './activity-cancellation-details';
export { SuggestContinueAsNewReason } from './continue-as-new';
export * from './converter/data-converter';
export * from './converter/failure-converter';
export * from './converter/payload-codec';
export * from './converter/payload-converter';
export type {
  ActivitySerializationContext,
  SerializationContext,
  WorkflowSerializationContext,
} from './converter/serialization-context';
export * from './converter/types';
export * from './deprecated-time';
export * from './errors';
export * from './failure';
export type { Headers, Next } from './interceptors';
export * from './interfaces';
export * from './logger';
export * from './priority';
export * from './metrics';
export * from './retry-policy';
export type { Timestamp, Duration, StringValue } from './time';
export type { ConverterHint, PayloadTypeInfo, TransferTypeConverter, TypeInfo } from './type-info';
export * from './worker-deployments';
export * from './workflow-definition-options';
export * from './workflow-handle';
export * from './workflow-options';
export * from './versioning-intent';
export {
  type SearchAttributes,
  type SearchAttributeValue,
  SearchAttributeType,
  type SearchAttributePair,
  type SearchAttributeUpdatePair,
  TypedSearchAttributes,
  defineSearchAttributeKey,
} from './search-attributes';
export {
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  encodeChildWorkflowCancellationType,
  decodeChildWorkflowCancellationType,
  encodeParentClosePolicy,
  decodeParentClosePolicy,
} from './child-workflow-policies';
export {
  /**
   * @deprecated Import from `@kairos/workflow`.
   * @hidden
   */
  type ActivityOptions,
  /**
   * @deprecated Import from `@kairos/workflow`.
   * @hidden
   */
  type LocalActivityOptions,
  /**
   * @deprecated Import from `@kairos/workflow`.
   * @hidden
   */
  ActivityCancellationType,
} from './activity-options';

/**
 * Encodes a string as UTF-8 bytes.
 *
 * @hidden
 * @deprecated Meant for internal use only.
 */
export function u8(s: string): Uint8Array {
  return encoding.encode(s);
}

/**
 * Decodes UTF-8 bytes into a string.
 *
 * @hidden
 * @deprecated Meant for internal use only.
 */
export function str(arr: Uint8Array): string {
  return encoding.decode(arr);
}

/**
 * The `message` of an error (or the value itself if it is a string), otherwise `undefined`.
 *
 * @hidden
 * @deprecated Meant for internal use only.
 */
export function errorMessage(error: unknown): string | undefined {
  return helpers.errorMessage(error);
}

/**
 * The string `code` of an error, otherwise `undefined`.
 *
 * @hidden
 * @deprecated Meant for internal use only.
 */
export function errorCode(error: unknown): string | undefined {
  return helpers.errorCode(error);
}
