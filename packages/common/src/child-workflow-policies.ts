import type { temporal } from '@kairos/proto';
import { makeProtoEnumConverters } from './internal-workflow/enums-helpers';

/**
 * Whether cancelling a parent workflow (or the scope that started a child) is propagated to the child, and when
 * the parent's call then fails with a `ChildWorkflowFailure` caused by a `CancelledFailure`. `@kairos/workflow`
 * re-exports it; it lives here so the worker and the client can encode it too.
 *
 * @default 'WAIT_CANCELLATION_COMPLETED'
 */
export const ChildWorkflowCancellationType = {
  /** Do not tell the child; report the cancellation to the parent at once. */
  ABANDON: 'ABANDON',
  /**
   * Ask the server to cancel the child and report the cancellation at once, without waiting for the request to be
   * recorded; the child may still complete.
   */
  TRY_CANCEL: 'TRY_CANCEL',
  /** Ask the server to cancel the child and wait until the request is recorded in the child's history. */
  WAIT_CANCELLATION_REQUESTED: 'WAIT_CANCELLATION_REQUESTED',
  /** Ask the server to cancel the child and wait until the child closes, whatever its outcome. The default. */
  WAIT_CANCELLATION_COMPLETED: 'WAIT_CANCELLATION_COMPLETED',
} as const;
/** Whether and how cancellation is propagated to a child workflow. */
export type ChildWorkflowCancellationType =
  (typeof ChildWorkflowCancellationType)[keyof typeof ChildWorkflowCancellationType];

/** Converts between {@link ChildWorkflowCancellationType} and the numbers of the core protocol's enum. */
export const [encodeChildWorkflowCancellationType, decodeChildWorkflowCancellationType] = makeProtoEnumConverters<
  number,
  typeof ChildWorkflowCancellationType,
  ''
>({ ABANDON: 0, TRY_CANCEL: 1, WAIT_CANCELLATION_COMPLETED: 2, WAIT_CANCELLATION_REQUESTED: 3 }, '');

/** What happens to a child workflow when its parent closes. `@kairos/workflow` re-exports it. */
export const ParentClosePolicy = {
  /** Terminate the child. The default. */
  TERMINATE: 'TERMINATE',
  /** Leave the child running. */
  ABANDON: 'ABANDON',
  /** Request cancellation of the child. */
  REQUEST_CANCEL: 'REQUEST_CANCEL',

  /** @deprecated Leave the option unset, or set a policy. */
  PARENT_CLOSE_POLICY_UNSPECIFIED: undefined,
  /** @deprecated Use {@link ParentClosePolicy.TERMINATE}. */
  PARENT_CLOSE_POLICY_TERMINATE: 'TERMINATE',
  /** @deprecated Use {@link ParentClosePolicy.ABANDON}. */
  PARENT_CLOSE_POLICY_ABANDON: 'ABANDON',
  /** @deprecated Use {@link ParentClosePolicy.REQUEST_CANCEL}. */
  PARENT_CLOSE_POLICY_REQUEST_CANCEL: 'REQUEST_CANCEL',
} as const;
/** What happens to a child workflow when its parent closes. */
export type ParentClosePolicy = (typeof ParentClosePolicy)[keyof typeof ParentClosePolicy];

/** Converts between {@link ParentClosePolicy} and `temporal.api.enums.v1.ParentClosePolicy`. */
export const [encodeParentClosePolicy, decodeParentClosePolicy] = makeProtoEnumConverters<
  temporal.api.enums.v1.ParentClosePolicy,
  typeof ParentClosePolicy,
  'PARENT_CLOSE_POLICY_'
>({ TERMINATE: 1, ABANDON: 2, REQUEST_CANCEL: 3, UNSPECIFIED: 0 }, 'PARENT_CLOSE_POLICY_');
