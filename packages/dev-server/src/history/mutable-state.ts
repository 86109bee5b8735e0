import { temporal } from '../internal/proto';
import {
  enums,
  IFailure,
  IHeader,
  IHistoryEvent,
  IMemo,
  IPayloads,
  IRetryPolicy,
  ISearchAttributes,
  msTimestamp,
} from '../internal/proto';
import { RetryPolicyData } from './retry';
import type { RunVersioning } from '../deployments/deployment-records';
import type { CallbackRecord, NexusOperationInfo } from '../nexus/nexus-operations';

/** The workflow task currently scheduled or started for a run (at most one). */
export interface WorkflowTaskInfo {
  /** Dispatch sequence: identifies this task in matching and in task tokens. */
  seq: number;
  attempt: number;
  /** The queue the task is dispatched on (the sticky queue while the run is sticky). */
  taskQueue: string;
  sticky: boolean;
  scheduledTime: number;
  timeoutMs: number;
  /**
   * Attempts after a failure (and speculative tasks) are transient: their Scheduled/Started events reach history
   * only when they complete, or when other events are written before they start (the task then starts as a
   * normal attempt 1). Until then GetWorkflowExecutionHistory shows them after the last event.
   */
  transient: boolean;
  /**
   * Scheduled only to deliver an update: if the worker just rejects it, the task leaves no events
   * (the completion answers with reset_history_event_id), as the real server's speculative tasks do.
   */
  speculative?: boolean;
  /** Id of the WorkflowTaskScheduled event (for a transient task: the id it expects to take). */
  scheduledEventId: number;
  startedEventId?: number;
  startedTime?: number;
  startedIdentity?: string;
  startedRequestId?: string;
  /** The worker version the poller that started the task announced (for WorkflowTaskStarted). */
  startedWorkerVersion?: temporal.api.common.v1.IWorkerVersionStamp;
  /** Sticky schedule-to-start deadline. */
  stickyDeadline?: number;
}

export interface ActivityInfo {
  scheduledEventId: number;
  activityId: string;
  activityType: string;
  taskQueue: string;
  header?: IHeader | null;
  input?: IPayloads | null;
  scheduleToCloseMs: number;
  scheduleToStartMs: number;
  startToCloseMs: number;
  heartbeatMs: number;
  retry: RetryPolicyData;
  priority?: temporal.api.common.v1.IPriority | null;
  scheduledTime: number;
  attempt: number;
  currentAttemptScheduledTime: number;
  state: 'scheduled' | 'started' | 'backoff';
  /** Dispatch sequence: identifies the current attempt's task in matching and in task tokens. */
  seq: number;
  startedTime?: number;
  startedIdentity?: string;
  startedRequestId?: string;
  /** The worker version the poller that started the attempt announced (for ActivityTaskStarted). */
  startedWorkerVersion?: temporal.api.common.v1.IWorkerVersionStamp;
  heartbeatDetails?: IPayloads | null;
  lastHeartbeatTime?: number;
  lastFailure?: IFailure | null;
  lastWorkerIdentity?: string;
  /** The deployment version of the worker that started the last attempt, if it was versioned. */
  lastDeploymentVersion?: RunVersioning['version'];
  lastAttemptCompleteTime?: number;
  cancelRequested: boolean;
  cancelRequestedEventId?: number;
  /** Paused with PauseActivity: not dispatched (a running attempt is told at its next heartbeat). */
  paused?: { time: number; identity: string; reason: string };
  /** Reset with ResetActivity while an attempt runs: its next heartbeat says so, and the next attempt is 1. */
  resetRequested?: boolean;
  /** The options the activity was scheduled with, before UpdateActivityOptions changed them. */
  originalOptions?: { taskQueue: string; timeouts: [number, number, number, number]; retry: RetryPolicyData };
}

export interface TimerInfo {
  timerId: string;
  startedEventId: number;
  fireAt: number;
}

export interface ChildInfo {
  initiatedEventId: number;
  namespace: string;
  workflowId: string;
  workflowType: string;
  runId?: string;
  startedEventId?: number;
  parentClosePolicy: number;
}

export interface ExternalRequestInfo {
  initiatedEventId: number;
  namespace: string;
  workflowId: string;
  runId: string;
  kind: 'signal' | 'cancel';
}

export interface UpdateInfo {
  updateId: string;
  request: temporal.api.update.v1.IRequest;
  /**
   * admitted: waiting for a workflow task; delivered: sent in the started task; accepted; completed; aborted: the
   * run closed before the workflow accepted it.
   */
  state: 'admitted' | 'delivered' | 'accepted' | 'completed' | 'aborted';
  /** For an aborted update: whether a next run followed (continue-as-new, retry, cron), so the caller may retry. */
  abortedForNextRun?: boolean;
  deliveredSeq?: number;
  acceptedEventId?: number;
  outcome?: temporal.api.update.v1.IOutcome | null;
  admittedTime: number;
}

/** A history event waiting until the started workflow task completes. */
export interface BufferedEvent {
  event: IHistoryEvent;
  /** Attribute field (of this event's attributes) to set to the id of the event written just before it. */
  linkPreviousAs?: string;
}

export interface ParentInfo {
  namespace: string;
  workflowId: string;
  runId: string;
  initiatedEventId: number;
}

/**
 * A point a run could be reset to, as the real server records one: the first workflow task completed by each
 * worker build (build id or binary checksum). A run that continues into a next run passes its points on, with an
 * expiry time.
 */
export interface ResetPoint {
  buildId: string;
  binaryChecksum: string;
  runId: string;
  firstWorkflowTaskCompletedId: number;
  createTime: number;
  expireTime?: number;
  resettable: boolean;
}

/** Everything the server knows about one run. Persisted (as JSON, history separately) after every change. */
export interface ExecutionState {
  namespace: string;
  workflowId: string;
  runId: string;
  firstRunId: string;
  workflowType: string;
  taskQueue: string;
  status: number;
  startTime: number;
  /** When the run becomes eligible to run (start + first workflow task backoff). */
  executionTime: number;
  closeTime?: number;
  closeEventId?: number;
  runTimeoutMs: number;
  executionTimeoutMs: number;
  taskTimeoutMs: number;
  /**
   * Whether the run and execution timeouts were given (even as 0): the real server writes a given 0 as `0s` in
   * the started event and describe, and leaves out one that was not given.
   */
  runTimeoutSet?: boolean;
  executionTimeoutSet?: boolean;
  executionExpirationTime?: number;
  retryPolicy?: IRetryPolicy | null;
  cronSchedule?: string;
  attempt: number;
  memo?: IMemo | null;
  searchAttributes?: ISearchAttributes | null;
  header?: IHeader | null;
  userMetadata?: temporal.api.sdk.v1.IUserMetadata | null;
  /** The run's priority (from its start, or UpdateWorkflowExecutionOptions). */
  priority?: temporal.api.common.v1.IPriority | null;
  /** A versioning override given at start or set with UpdateWorkflowExecutionOptions. */
  versioningOverride?: temporal.api.workflow.v1.IVersioningOverride | null;
  /** Worker deployment versioning: the version and behavior the run's workflow tasks last declared. */
  versioning?: RunVersioning;
  parent?: ParentInfo;
  root?: { workflowId: string; runId: string };
  /** Start/signal/cancel request ids seen on this run (idempotency). */
  requestIds: string[];
  startRequestId: string;
  nextEventId: number;
  /** WorkflowTaskStarted id of the last completed workflow task. */
  lastCompletedStartedEventId: number;
  wft?: WorkflowTaskInfo;
  wftSeq: number;
  /** Time the first workflow task becomes due (start delay, cron, retry or continue-as-new backoff). */
  firstWftAt?: number;
  /** Whether any workflow task has completed (queries need one). */
  hadCompletedWft: boolean;
  /** The worker version stamp of the last completed workflow task (none when it sent none). */
  mostRecentWorkerVersionStamp?: temporal.api.common.v1.IWorkerVersionStamp | null;
  sticky?: { taskQueue: string; scheduleToStartMs: number };
  buffered: BufferedEvent[];
  activities: Record<string, ActivityInfo>;
  timers: Record<string, TimerInfo>;
  /** Nexus operations scheduled and not closed, by scheduled event id. */
  nexusOperations?: Record<string, NexusOperationInfo>;
  /** Completion callbacks the run was started with (delivered when it closes). */
  callbacks?: CallbackRecord[];
  children: Record<string, ChildInfo>;
  externals: Record<string, ExternalRequestInfo>;
  updates: Record<string, UpdateInfo>;
  cancelRequested: boolean;
  activitySeq: number;
  /** The run started after this one closed (retry, cron, continue-as-new). */
  nextRunId?: string;
  historySizeBytes: number;
  stateTransitions: number;
  /** Reset points, oldest first (those of previous runs of the chain first). */
  resetPoints?: ResetPoint[];
}

/** An execution in memory: its state plus its history. */
export interface Execution {
  state: ExecutionState;
  events: IHistoryEvent[];
  /** How many of `events` the store already holds. */
  persistedEvents: number;
  /** How many of `events` `historySizeBytes` counts (in memory only; absent for a loaded run: all of them). */
  sizedEvents?: number;
  /**
   * A closed run kept on disk only: `state` holds what visibility reads (see `summaryOf`) and `events` is empty;
   * the engine reads the whole run from the store when it needs more.
   */
  summary?: true;
}

/** The parts of a closed run's state that List, Count, retention and the run indexes read. */
export type RunSummary = Pick<
  ExecutionState,
  | 'namespace'
  | 'workflowId'
  | 'runId'
  | 'firstRunId'
  | 'workflowType'
  | 'taskQueue'
  | 'status'
  | 'startTime'
  | 'executionTime'
  | 'closeTime'
  | 'closeEventId'
  | 'nextEventId'
  | 'memo'
  | 'searchAttributes'
  | 'parent'
  | 'root'
  | 'priority'
  | 'stateTransitions'
  | 'historySizeBytes'
  | 'nextRunId'
>;

/** The summary of a closed run's state (what stays in memory once its run is left on disk). */
export function summaryOf(s: ExecutionState): RunSummary {
  return {
    namespace: s.namespace,
    workflowId: s.workflowId,
    runId: s.runId,
    firstRunId: s.firstRunId,
    workflowType: s.workflowType,
    taskQueue: s.taskQueue,
    status: s.status,
    startTime: s.startTime,
    executionTime: s.executionTime,
    closeTime: s.closeTime,
    closeEventId: s.closeEventId,
    nextEventId: s.nextEventId,
    memo: s.memo,
    searchAttributes: s.searchAttributes,
    parent: s.parent,
    // A top-level run is its own root (left out here; readers fall back to the run itself).
    root: s.root && s.root.runId !== s.runId ? s.root : undefined,
    priority: s.priority,
    stateTransitions: s.stateTransitions,
    historySizeBytes: s.historySizeBytes,
    nextRunId: s.nextRunId,
  };
}

/** The history of a summary: none in memory (shared, and frozen so that nothing writes to it). */
const NO_EVENTS: IHistoryEvent[] = Object.freeze([]) as unknown as IHistoryEvent[];

/** A closed run as it is kept when its state and history stay on disk. */
export function summaryExecution(summary: RunSummary): Execution {
  return { state: summary as ExecutionState, events: NO_EVENTS, persistedEvents: 0, summary: true };
}

const E = enums.EventType;

/** The attribute field of a HistoryEvent for an event type: EVENT_TYPE_TIMER_FIRED → timerFiredEventAttributes. */
export function attributesField(eventType: number): string {
  const name = E[eventType as unknown as keyof typeof E] as unknown as string;
  const parts = name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .split('_');
  return (
    parts[0] +
    parts
      .slice(1)
      .map((p) => p[0].toUpperCase() + p.slice(1))
      .join('') +
    'EventAttributes'
  );
}

/** Reads the attributes of an event by type. */
export function attributesOf<T = Record<string, unknown>>(event: IHistoryEvent): T {
  return (event as Record<string, unknown>)[attributesField(event.eventType as number)] as T;
}

/** Events the real server marks as ones a worker may skip (they change no workflow state). */
const IGNORABLE_EVENTS = new Set<number>([
  E.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED,
  E.EVENT_TYPE_WORKFLOW_EXECUTION_PAUSED,
  E.EVENT_TYPE_WORKFLOW_EXECUTION_UNPAUSED,
]);

export function newEvent(eventType: number, now: number, attributes: object): IHistoryEvent {
  return {
    eventType,
    eventTime: msTimestamp(now),
    version: 0,
    ...(IGNORABLE_EVENTS.has(eventType) ? { workerMayIgnore: true } : {}),
    [attributesField(eventType)]: attributes,
  } as IHistoryEvent;
}

export function isRunning(state: ExecutionState): boolean {
  return state.status === enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
}
