/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
import type { BaseWorkflowHandle, SignalDefinition, Workflow, WorkflowSignalOptions } from '@kairos/common';

/** A handle to another workflow execution, for signalling or cancelling it from a workflow. */
export interface ExternalWorkflowHandle {
  /** Sends a signal; resolves once the server has delivered it. */
  signal<Args extends any[] = [], Name extends string = string>(
    def: SignalDefinition<Args, Name> | string,
    ...args: Args
  ): Promise<void>;
  /** Sends a signal with options; resolves once the server has delivered it. */
  signalWithOptions<Args extends any[] = []>(signalName: string, options: WorkflowSignalOptions<Args>): Promise<void>;
  /** Asks the server to cancel the workflow; resolves once the request was delivered. */
  cancel(): Promise<void>;
  readonly workflowId: string;
  readonly runId?: string;
}

/** A handle to a started child workflow. */
export interface ChildWorkflowHandle<T extends Workflow> extends BaseWorkflowHandle<T> {
  /** Run id of the child's first run. */
  readonly firstExecutionRunId: string;
}
