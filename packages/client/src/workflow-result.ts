/**
 * Waiting for a Workflow's result: the close event of a run and what it means.
 *
 * @module
 */
import type { LoadedDataConverter, PayloadTypeInfo, WorkflowSerializationContext } from '@kairos/common';
import {
  CancelledFailure,
  RetryState,
  TerminatedFailure,
  TimeoutFailure,
  TimeoutType,
  decodeRetryState,
} from '@kairos/common';
import {
  decodeArrayFromPayloads,
  decodeFromPayloadsAtIndex,
  decodeOptionalFailureToOptionalError,
} from '@kairos/common/lib/internal-non-workflow/codec-helpers';
import { temporal } from '@kairos/proto';
import { WorkflowContinuedAsNewError, WorkflowFailedError } from './errors';
import type { WorkflowExecution } from './types';
import type { WorkflowClientContext } from './workflow-client-context';
import { callOrRethrow } from './workflow-client-context';

/** What the history of a closed run says happens next when waiting for a result. */
type CloseEventVerdict = { next: string } | { settle: () => Promise<unknown> };

/**
 * Long-polls the history of one run for its close event. `reportAs` is the execution named in errors (the
 * one the caller asked about, which may differ from the run being followed).
 */
export async function awaitCloseEvent(
  ctx: WorkflowClientContext,
  execution: WorkflowExecution,
  reportAs: WorkflowExecution,
): Promise<temporal.api.history.v1.IHistoryEvent> {
  let nextPageToken: Uint8Array | null | undefined;
  for (;;) {
    const page = await callOrRethrow(ctx, 'Failed to get Workflow execution history', reportAs, () =>
      ctx.client.workflowService.getWorkflowExecutionHistory({
        namespace: ctx.client.options.namespace,
        execution,
        skipArchival: true,
        waitNewEvent: true,
        historyEventFilterType: temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
        nextPageToken,
      }),
    );
    const events = page.history?.events ?? [];
    if (events.length === 1) return events[0];
    if (events.length > 1) {
      throw new Error(`Expected a single close event in the history page, received ${events.length}`);
    }
    // The long poll timed out with the run still open: resume from where the server stopped.
    nextPageToken = page.nextPageToken;
  }
}

/**
 * Decides what a close event means for `result()`: move on to the next run of the chain, or finish with
 * the run's value or with the error that describes how the run ended.
 */
export function judgeCloseEvent(
  converter: LoadedDataConverter,
  event: temporal.api.history.v1.IHistoryEvent,
  followRuns: boolean,
  context: WorkflowSerializationContext,
  typeInfo: PayloadTypeInfo | undefined,
): CloseEventVerdict {
  const fail = (error: Error): CloseEventVerdict => ({ settle: () => Promise.reject(error) });
  const chained = (successor: string | null | undefined): string | undefined =>
    followRuns && successor ? successor : undefined;

  const completed = event.workflowExecutionCompletedEventAttributes;
  if (completed) {
    const next = chained(completed.newExecutionRunId);
    if (next !== undefined) return { next };
    return {
      settle: () => decodeFromPayloadsAtIndex(converter, 0, completed.result?.payloads, context, typeInfo?.outputType),
    };
  }

  const failed = event.workflowExecutionFailedEventAttributes;
  if (failed) {
    const next = chained(failed.newExecutionRunId);
    if (next !== undefined) return { next };
    return {
      settle: async () => {
        const cause = await decodeOptionalFailureToOptionalError(converter, failed.failure, context);
        throw new WorkflowFailedError('Workflow execution failed', cause, decodeRetryState(failed.retryState));
      },
    };
  }

  const canceled = event.workflowExecutionCanceledEventAttributes;
  if (canceled) {
    return {
      settle: async () => {
        const details = await decodeArrayFromPayloads(converter, canceled.details?.payloads, context);
        const cause = withoutStack(new CancelledFailure('Workflow canceled', details));
        throw new WorkflowFailedError('Workflow execution cancelled', cause, RetryState.NON_RETRYABLE_FAILURE);
      },
    };
  }

  const terminated = event.workflowExecutionTerminatedEventAttributes;
  if (terminated) {
    const reason = terminated.reason || 'Workflow execution terminated';
    const cause = withoutStack(new TerminatedFailure(reason));
    return fail(new WorkflowFailedError(reason, cause, RetryState.NON_RETRYABLE_FAILURE));
  }

  const timedOut = event.workflowExecutionTimedOutEventAttributes;
  if (timedOut) {
    const next = chained(timedOut.newExecutionRunId);
    if (next !== undefined) return { next };
    const cause = withoutStack(
      new TimeoutFailure('Workflow execution timed out', undefined, TimeoutType.START_TO_CLOSE),
    );
    return fail(new WorkflowFailedError('Workflow execution timed out', cause, decodeRetryState(timedOut.retryState)));
  }

  const continued = event.workflowExecutionContinuedAsNewEventAttributes;
  if (continued) {
    const successor = continued.newExecutionRunId;
    if (!successor) {
      throw new TypeError('The continued-as-new event of the history names no new run id');
    }
    if (followRuns) return { next: successor };
    return fail(new WorkflowContinuedAsNewError('Workflow execution continued as new', successor));
  }

  throw new TypeError(`History ended with event type ${event.eventType}, which does not close a Workflow`);
}

/** Failures built from close events describe the server's record, not a place in this process. */
function withoutStack<E extends Error>(error: E): E {
  error.stack = '';
  return error;
}
