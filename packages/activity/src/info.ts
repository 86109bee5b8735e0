import type { Priority, RetryPolicy } from '@kairos/common';

/**
 * What the worker knows about the activity attempt being run. Read it inside an activity with
 * {@link activityInfo | `activityInfo()`} or `Context.current().info`.
 */
export interface Info {
  /** Opaque token of this attempt; pass it to the client's async completion API to complete the activity later. */
  readonly taskToken: Uint8Array;
  /** {@link taskToken} in base64, handy for logs and for handing the token to another process. */
  readonly base64TaskToken: string;
  /** The activity id, unique among the activities of its workflow run. */
  readonly activityId: string;
  /** The name under which the activity function is registered on the worker. */
  readonly activityType: string;
  /**
   * Namespace of the worker running the activity.
   *
   * @deprecated Use {@link namespace}.
   */
  readonly activityNamespace: string;
  /** Attempt number: 1 for the first attempt, one more for every retry. */
  readonly attempt: number;
  /** `true` for a local activity (run by the worker of the workflow that scheduled it). */
  readonly isLocal: boolean;
  /** The workflow run that scheduled the activity; absent for an activity not started by a workflow. */
  readonly workflowExecution?: {
    readonly workflowId: string;
    readonly runId: string;
  };
  /**
   * Namespace of the workflow that scheduled the activity; absent for an activity not started by a workflow.
   *
   * @deprecated Use {@link namespace}.
   */
  readonly workflowNamespace?: string;
  /** Type of the workflow that scheduled the activity; absent for an activity not started by a workflow. */
  readonly workflowType?: string;
  /**
   * When the activity was first scheduled, in milliseconds since the epoch. Retries keep the time of the first
   * attempt; see {@link currentAttemptScheduledTimestampMs} for this attempt.
   */
  readonly scheduledTimestampMs: number;
  /** Schedule-to-close timeout in milliseconds (0 when there is none). */
  readonly scheduleToCloseTimeoutMs: number;
  /** Start-to-close timeout in milliseconds (0 when there is none). */
  readonly startToCloseTimeoutMs: number;
  /** When this attempt was scheduled, in milliseconds since the epoch. */
  readonly currentAttemptScheduledTimestampMs: number;
  /**
   * Heartbeat timeout in milliseconds. When set, the activity has to heartbeat more often than this or the server
   * times the attempt out.
   */
  readonly heartbeatTimeoutMs?: number;
  /**
   * What the previous attempt last passed to {@link Context.heartbeat | `heartbeat()`} (`undefined` if it never
   * did). Use it to resume work from a checkpoint.
   */
  // Heartbeat details are whatever the user chose to record; their type is unknowable here.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly heartbeatDetails: any;
  /** Task queue the activity was scheduled on; for local activities, the workflow's task queue. */
  readonly taskQueue: string;
  /** Priority of the activity. */
  readonly priority?: Priority;
  /**
   * Retry policy in force for the activity. The server may apply a different policy than the one the workflow
   * asked for; `undefined` means the server did not say, not that there is none.
   */
  readonly retryPolicy?: RetryPolicy;
  /** Namespace the activity runs in. */
  readonly namespace: string;
  /**
   * Run id of a standalone activity (one started by a client rather than a workflow); activities of workflows
   * are identified by {@link workflowExecution} instead and have none.
   */
  readonly activityRunId?: string;
  /** `true` when a workflow scheduled the activity. */
  readonly inWorkflow: boolean;
}
