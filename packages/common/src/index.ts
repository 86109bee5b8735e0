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
 * Old root-level name of the UTF-8 encoder (same function as `encode` in `./encoding`).
 *
 * @hidden
 * @deprecated Internal helper, kept for compatibility.
 */
export const u8: (s: string) => Uint8Array = encoding.encode;

/**
 * Old root-level name of the UTF-8 decoder (same function as `decode` in `./encoding`).
 *
 * @hidden
 * @deprecated Internal helper, kept for compatibility.
 */
export const str: (arr: Uint8Array) => string = encoding.decode;

/**
 * Old root-level export of {@link helpers.errorMessage}: an error's `message`, a string as is, else `undefined`.
 *
 * @hidden
 * @deprecated Internal helper, kept for compatibility.
 */
export const errorMessage: (error: unknown) => string | undefined = helpers.errorMessage;

/**
 * Old root-level export of {@link helpers.errorCode}: an error's string `code`, else `undefined`.
 *
 * @hidden
 * @deprecated Internal helper, kept for compatibility.
 */
export const errorCode: (error: unknown) => string | undefined = helpers.errorCode;
