/**
 * SDK-internal options that other Kairos packages (Nexus helpers) attach to client calls. Not part of the
 * public API.
 *
 * @module
 * @internal
 * @hidden
 */
import type { UpdateDefinition } from '@kairos/common';
import type { temporal } from '@kairos/proto';
import type { ActivityOptions } from './activity-client';
import type { WorkflowQueryInput, WorkflowSignalInput } from './interceptors';
import type { WorkflowHandle, WorkflowUpdateHandle } from './workflow-client';
import type { WorkflowOptions, WorkflowUpdateOptions } from './workflow-options';
import type { WorkflowUpdateStage } from './workflow-update-stage';

/**
 * Key of SDK-internal options of `WorkflowClient.start()`.
 *
 * @internal
 * @hidden
 */
export const InternalWorkflowStartOptionsSymbol = Symbol.for('__temporal_internal_workflow_start_options');

/**
 * Start options with SDK-internal extras.
 *
 * @internal
 * @hidden
 */
export interface InternalWorkflowStartOptions extends WorkflowOptions {
  [InternalWorkflowStartOptionsSymbol]?: {
    /** Request id for server-side deduplication of the start. */
    requestId?: string;
    /** Callbacks the server calls when the Workflow closes. */
    completionCallbacks?: temporal.api.common.v1.ICallback[];
    /** Links attached to the Workflow. */
    links?: temporal.api.common.v1.ILink[];
    /** Set by the client to the link returned by the start call. */
    responseLink?: temporal.api.common.v1.ILink;
    /** What to attach to a running Workflow when the conflict policy is `USE_EXISTING`. */
    onConflictOptions?: temporal.api.workflow.v1.IOnConflictOptions;
  };
}

/**
 * Key of SDK-internal options of `WorkflowHandle.startUpdate()` and `executeUpdate()`.
 *
 * @internal
 * @hidden
 */
export const InternalWorkflowUpdateOptionsSymbol = Symbol.for('__temporal_internal_workflow_update_options');

/**
 * Update options with SDK-internal extras.
 *
 * @internal
 * @hidden
 */
export interface InternalWorkflowUpdateOptions {
  [InternalWorkflowUpdateOptionsSymbol]?: {
    /** Request id for server-side deduplication. */
    requestId?: string;
    /** Callbacks the server calls when the Update completes. */
    completionCallbacks?: temporal.api.common.v1.ICallback[];
    /** Links attached to the Update. */
    links?: temporal.api.common.v1.ILink[];
    /** Set by the client to the link returned by the Update call. */
    responseLink?: temporal.api.common.v1.ILink;
    /** Set by the client to the outcome returned by the Update call, if it had one. */
    outcome?: temporal.api.update.v1.IOutcome;
  };
}

/**
 * Key of SDK-internal options of `WorkflowHandle.signal()`.
 *
 * @internal
 * @hidden
 */
export const InternalWorkflowSignalOptionsSymbol = Symbol.for('__temporal_internal_workflow_signal_options');

/**
 * Signal options with SDK-internal extras.
 *
 * @internal
 * @hidden
 */
export interface InternalWorkflowSignalOptions {
  [InternalWorkflowSignalOptionsSymbol]?: {
    /** Links attached to the Signal event. */
    links?: temporal.api.common.v1.ILink[];
    /** Set by the client to the link returned by the Signal call. */
    responseLink?: temporal.api.common.v1.ILink;
  };
}

/**
 * Signal interceptor input with SDK-internal extras.
 *
 * @internal
 * @hidden
 */
export type InternalWorkflowSignalInput = WorkflowSignalInput & InternalWorkflowSignalOptions;

/**
 * Key of SDK-internal options of `WorkflowHandle.query()`.
 *
 * @internal
 * @hidden
 */
export const InternalWorkflowQueryOptionsSymbol = Symbol.for('__temporal_internal_workflow_query_options');

/**
 * Query options with SDK-internal extras.
 *
 * @internal
 * @hidden
 */
export interface InternalWorkflowQueryOptions {
  [InternalWorkflowQueryOptionsSymbol]?: {
    /** Set by the client to the link returned by the Query call. */
    responseLink?: temporal.api.common.v1.ILink;
  };
}

/**
 * Query interceptor input with SDK-internal extras.
 *
 * @internal
 * @hidden
 */
export type InternalWorkflowQueryInput = WorkflowQueryInput & InternalWorkflowQueryOptions;

/**
 * A Workflow handle with the SDK-internal signal, query and update extras.
 *
 * @internal
 * @hidden
 */
export type InternalWorkflowHandle = WorkflowHandle &
  InternalWorkflowSignalOptions &
  InternalWorkflowQueryOptions & {
    /** Non-overloaded form of `startUpdate` taking the internal update options. */
    startUpdate<Ret, Args extends unknown[]>(
      def: UpdateDefinition<Ret, Args> | string,
      options: WorkflowUpdateOptions & {
        args?: Args;
        waitForStage: typeof WorkflowUpdateStage.ACCEPTED;
      } & InternalWorkflowUpdateOptions,
    ): Promise<WorkflowUpdateHandle<Ret>>;
  };

/**
 * Key of SDK-internal options of `ActivityClient.start()`.
 *
 * @internal
 * @hidden
 */
export const InternalActivityStartOptionsSymbol = Symbol.for('__temporal_internal_activity_start_options');

/**
 * Standalone Activity start options with SDK-internal extras.
 *
 * @internal
 * @hidden
 */
export interface InternalActivityStartOptions extends ActivityOptions {
  [InternalActivityStartOptionsSymbol]?: {
    /** Request id for server-side deduplication. */
    requestId?: string;
    /** Callbacks the server calls when the Activity closes. */
    completionCallbacks?: temporal.api.common.v1.ICallback[];
    /** Links attached to the Activity. */
    links?: temporal.api.common.v1.ILink[];
    /** Set by the client to the link returned by the start call. */
    responseLink?: temporal.api.common.v1.ILink;
    /** What to attach to a running Activity when the conflict policy is `USE_EXISTING`. */
    onConflictOptions?: temporal.api.workflow.v1.IOnConflictOptions;
  };
}
