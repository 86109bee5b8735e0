/**
 * Listing Workflow executions: {@link AsyncWorkflowListIterable} and its options, and the paging through
 * `ListWorkflowExecutions`.
 *
 * @module
 */
import type { HistoryAndWorkflowId } from '@kairos/common';
import type { temporal } from '@kairos/proto';
import { executionInfoFromRaw } from './helpers';
import type { WorkflowExecutionInfo } from './types';
import type { WorkflowClientContext } from './workflow-client-context';
import { callOrRethrow } from './workflow-client-context';

/** The iterable returned by {@link WorkflowClient.list}. */
export interface AsyncWorkflowListIterable extends AsyncIterable<WorkflowExecutionInfo> {
  /**
   * Returns the histories of the listed executions, fetched concurrently; handy for replaying many
   * Workflows.
   */
  intoHistories: (intoHistoriesOptions?: IntoHistoriesOptions) => AsyncIterable<HistoryAndWorkflowId>;
}

/** Options of {@link WorkflowClient.list}. */
export interface ListOptions {
  /**
   * Executions fetched per page.
   *
   * @default the server's page size, typically 1000
   */
  pageSize?: number;
  /** Visibility query, e.g. `WorkflowType = 'order' AND ExecutionStatus = 'Running'`. */
  query?: string;
}

/** Options of {@link AsyncWorkflowListIterable.intoHistories}. */
export interface IntoHistoriesOptions {
  /**
   * How many histories to download at once.
   *
   * @default 5
   */
  concurrency?: number;
  /**
   * How many downloaded histories may wait for the consumer. Set it low if you may stop iterating early.
   * Only used when `concurrency` is 2 or more.
   *
   * @default unlimited
   */
  bufferLimit?: number;
}

/** Pages through `ListWorkflowExecutions`. */
export async function* listExecutions(
  ctx: WorkflowClientContext,
  options?: ListOptions,
): AsyncIterable<WorkflowExecutionInfo> {
  const { namespace } = ctx.client.options;
  let nextPageToken: Uint8Array | null | undefined = new Uint8Array();
  do {
    const token: Uint8Array | null | undefined = nextPageToken;
    const page: temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse = await callOrRethrow(
      ctx,
      'Failed to list workflows',
      undefined,
      () =>
        ctx.client.workflowService.listWorkflowExecutions({
          namespace,
          query: options?.query,
          pageSize: options?.pageSize,
          nextPageToken: token,
        }),
    );
    for (const raw of page.executions) {
      yield await executionInfoFromRaw(raw, ctx.dataConverter, raw, namespace);
    }
    nextPageToken = page.nextPageToken;
  } while (nextPageToken && nextPageToken.length > 0);
}
