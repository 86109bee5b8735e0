// The state of one standalone activity execution (an activity started by a client with StartActivityExecution,
// not by a workflow), and how Describe, List and the poll of a worker report it. The state is the whole record:
// it is persisted as one keyed record per run, and queued tasks and deadlines are derived from it.
import { temporal } from '../internal/proto';
import { enums, IFailure, IHeader, IPayloads, ISearchAttributes, msDuration, msTimestamp } from '../internal/proto';
import { RetryPolicyData, retryPolicyProto } from '../history/retry';

/** The kind of keyed record standalone activity executions are stored as (key: the run id). */
export const STANDALONE_ACTIVITY_RECORD = 'standalone-activity';

/** How a closed execution ended: the result, or the failure and retry state. */
export interface StandaloneOutcome {
  result?: IPayloads | null;
  failure?: IFailure | null;
  retryState?: number;
}

/** Everything the server knows about one standalone activity execution. */
export interface StandaloneActivityState {
  namespace: string;
  activityId: string;
  runId: string;
  activityType: string;
  taskQueue: string;
  header?: IHeader | null;
  input?: IPayloads | null;
  searchAttributes?: ISearchAttributes | null;
  userMetadata?: temporal.api.sdk.v1.IUserMetadata | null;
  priority?: temporal.api.common.v1.IPriority | null;
  links?: temporal.api.common.v1.ILink[] | null;
  scheduleToCloseMs: number;
  scheduleToStartMs: number;
  startToCloseMs: number;
  heartbeatMs: number;
  startDelayMs: number;
  retry: RetryPolicyData;
  startRequestId: string;
  /** Request ids of starts that attached to this run (the first start's and USE_EXISTING ones). */
  requestIds: string[];
  /** When it was started, and when its first attempt may run (after the start delay). */
  scheduleTime: number;
  executionTime: number;
  /** temporal.api.enums.v1.ActivityExecutionStatus. */
  status: number;
  /** The current attempt: waiting for a worker, running on one, or waiting to retry. */
  attemptState: 'scheduled' | 'started' | 'backoff';
  attempt: number;
  /** Dispatch sequence of the current attempt: identifies its task in matching and in task tokens. */
  seq: number;
  currentAttemptScheduledTime: number;
  startedTime?: number;
  startedIdentity?: string;
  lastStartedTime?: number;
  heartbeatDetails?: IPayloads | null;
  lastHeartbeatTime?: number;
  totalHeartbeatCount: number;
  lastFailure?: IFailure | null;
  lastWorkerIdentity?: string;
  lastAttemptCompleteTime?: number;
  /** Set by RequestCancelActivityExecution while the attempt runs: the worker learns it from its next heartbeat. */
  cancelRequested?: { reason: string; identity: string; requestId: string };
  canceledReason?: string;
  /** Request id of the TerminateActivityExecution that ended it. */
  terminateRequestId?: string;
  outcome?: StandaloneOutcome;
  closeTime?: number;
  stateTransitions: number;
}

const AS = enums.ActivityExecutionStatus;
const PS = enums.PendingActivityState;

/** Names of the statuses as queries and error messages spell them. */
export const STANDALONE_STATUS_NAMES: Record<number, string> = {
  [AS.ACTIVITY_EXECUTION_STATUS_RUNNING]: 'Running',
  [AS.ACTIVITY_EXECUTION_STATUS_COMPLETED]: 'Completed',
  [AS.ACTIVITY_EXECUTION_STATUS_FAILED]: 'Failed',
  [AS.ACTIVITY_EXECUTION_STATUS_CANCELED]: 'Canceled',
  [AS.ACTIVITY_EXECUTION_STATUS_TERMINATED]: 'Terminated',
  [AS.ACTIVITY_EXECUTION_STATUS_TIMED_OUT]: 'TimedOut',
};

export function isOpen(s: StandaloneActivityState): boolean {
  return s.status === AS.ACTIVITY_EXECUTION_STATUS_RUNNING;
}

/** The state of the running attempt, as Describe reports it (unset once closed). */
function runState(s: StandaloneActivityState): number {
  if (!isOpen(s)) return PS.PENDING_ACTIVITY_STATE_UNSPECIFIED;
  if (s.cancelRequested) return PS.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED;
  return s.attemptState === 'started' ? PS.PENDING_ACTIVITY_STATE_STARTED : PS.PENDING_ACTIVITY_STATE_SCHEDULED;
}

/** A duration field the way the real server fills in activity timeouts: always present, empty for none. */
const timeout = (ms: number) => msDuration(ms);
const time = (ms: number | undefined) => (ms === undefined ? null : msTimestamp(ms));

/** Approximate bytes of the state, reported as `state_size_bytes`. */
function stateSize(s: StandaloneActivityState): number {
  return Buffer.byteLength(JSON.stringify(s));
}

/** What Describe reports; heartbeat details and the last failure only when asked for. */
export function describeInfo(
  s: StandaloneActivityState,
  include: { heartbeatDetails: boolean; lastFailure: boolean },
): temporal.api.activity.v1.IActivityExecutionInfo {
  const open = isOpen(s);
  return {
    activityId: s.activityId,
    runId: s.runId,
    activityType: { name: s.activityType },
    status: s.status,
    runState: runState(s),
    taskQueue: s.taskQueue,
    scheduleToCloseTimeout: timeout(s.scheduleToCloseMs),
    scheduleToStartTimeout: timeout(s.scheduleToStartMs),
    startToCloseTimeout: timeout(s.startToCloseMs),
    heartbeatTimeout: timeout(s.heartbeatMs),
    retryPolicy: retryPolicyProto(s.retry),
    heartbeatDetails: include.heartbeatDetails ? (s.heartbeatDetails ?? null) : null,
    lastHeartbeatTime: time(s.lastHeartbeatTime),
    lastStartedTime: time(s.lastStartedTime),
    attempt: s.attempt,
    executionDuration: s.closeTime !== undefined ? msDuration(s.closeTime - s.scheduleTime) : null,
    scheduleTime: msTimestamp(s.scheduleTime),
    expirationTime: s.scheduleToCloseMs > 0 ? msTimestamp(s.scheduleTime + s.scheduleToCloseMs) : null,
    closeTime: time(s.closeTime),
    lastFailure: include.lastFailure ? (s.lastFailure ?? null) : null,
    lastWorkerIdentity: s.lastWorkerIdentity ?? '',
    currentRetryInterval:
      open && s.attemptState === 'backoff' && s.lastAttemptCompleteTime !== undefined
        ? msDuration(s.currentAttemptScheduledTime - s.lastAttemptCompleteTime)
        : null,
    lastAttemptCompleteTime: time(s.lastAttemptCompleteTime),
    nextAttemptScheduleTime: open && s.attemptState === 'backoff' ? msTimestamp(s.currentAttemptScheduledTime) : null,
    priority: s.priority ?? null,
    stateTransitionCount: s.stateTransitions,
    stateSizeBytes: stateSize(s),
    searchAttributes: s.searchAttributes ?? { indexedFields: {} },
    header: s.header ?? { fields: {} },
    userMetadata: s.userMetadata ?? null,
    canceledReason: s.canceledReason ?? '',
    links: s.links ?? [],
    totalHeartbeatCount: s.totalHeartbeatCount,
    startDelay: s.startDelayMs > 0 ? msDuration(s.startDelayMs) : null,
    executionTime: msTimestamp(s.executionTime),
  };
}

/** What List reports. */
export function listInfo(
  s: StandaloneActivityState,
  searchAttributes: ISearchAttributes,
): temporal.api.activity.v1.IActivityExecutionListInfo {
  return {
    activityId: s.activityId,
    runId: s.runId,
    activityType: { name: s.activityType },
    scheduleTime: msTimestamp(s.scheduleTime),
    closeTime: time(s.closeTime),
    status: s.status,
    searchAttributes,
    taskQueue: s.taskQueue,
    stateTransitionCount: s.closeTime !== undefined ? s.stateTransitions : 0,
    stateSizeBytes: s.closeTime !== undefined ? stateSize(s) : 0,
    executionDuration: s.closeTime !== undefined ? msDuration(s.closeTime - s.scheduleTime) : null,
    executionTime: msTimestamp(s.executionTime),
  };
}

/** The outcome as Describe and PollActivityExecution report it. */
export function outcomeProto(s: StandaloneActivityState): temporal.api.activity.v1.IActivityExecutionOutcome | null {
  const o = s.outcome;
  if (!o) return null;
  if (o.failure) return { failure: o.failure, retryState: o.retryState ?? 0 };
  return { result: o.result ?? { payloads: [] } };
}
