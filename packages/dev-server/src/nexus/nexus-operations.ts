/**
 * Nexus operations a workflow calls: the ScheduleNexusOperation and RequestCancelNexusOperation commands, the
 * operation events, the backoff of failed requests (the requests themselves are in nexus-tasks.ts),
 * schedule-to-close timeouts, and completions that come back through the completion callback of the workflow a
 * handler started.
 */
import { temporal } from '../internal/proto';
import { enums, IFailure, IHistoryEvent, IPayload, msDuration, msTimestamp, num } from '../internal/proto';
import type { HistoryEngine, Transaction } from '../history/engine';
import { Execution, isRunning } from '../history/mutable-state';
import type { EndpointRegistry } from './endpoint-registry';

const ET = enums.EventType;

const TT = enums.TimeoutType;

/** The callback URL of completions this server delivers itself (the real server's form for in-cluster callbacks). */
export const SYSTEM_CALLBACK_URL = 'temporal://system';

/** The callback header that names the caller's operation. */
export const CALLBACK_TOKEN_HEADER = 'temporal-callback-token';

/** How long a handler has to answer one request (the real server's `component.nexusoperations.request.timeout`). */
export const REQUEST_TIMEOUT_MS = 10_000;

/** Backoff of failed requests: 1 s doubling, at most 1 h (the real server's default Nexus retry policy). */
const RETRY_INITIAL_MS = 1_000;

const RETRY_MAX_MS = 60 * 60_000;

/** Attempts of one kind of request (start or cancel) to the handler. */
export interface NexusRequestAttempts {
  /** scheduled: queued for a poller; inflight: handed to one; backoff: waiting to be queued again. */
  state: 'scheduled' | 'inflight' | 'backoff';
  attempt: number;
  /** Dispatch sequence: identifies the attempt's task in matching and in task tokens. */
  seq: number;
  /** When the attempt is (or was) queued. */
  scheduledTime: number;
  /** When a poller took it (for the request timeout). */
  dispatchedTime?: number;
  lastAttemptFailure?: IFailure | null;
  lastAttemptCompleteTime?: number;
}

/** A Nexus operation a run has scheduled and that has not closed. */
export interface NexusOperationInfo {
  scheduledEventId: number;
  endpoint: string;
  endpointId: string;
  service: string;
  operation: string;
  input?: IPayload | null;
  header: Record<string, string>;
  scheduleToCloseMs: number;
  scheduledTime: number;
  requestId: string;
  /** Start request attempts; absent once the handler answered that the operation started. */
  start?: NexusRequestAttempts;
  /** Set once the operation started asynchronously. */
  operationToken?: string;
  startedEventId?: number;
  cancel?: {
    requestedEventId: number;
    requestedTime: number;
    /** Cancel request attempts (queued once the operation has started). */
    request?: NexusRequestAttempts;
    outcome?: 'succeeded' | 'failed';
  };
  /** Why this server cannot send the operation's requests (an endpoint with an external URL target): it fails at once. */
  unsupported?: string;
}

export interface CallbackToken {
  nsId: string;
  wid: string;
  rid: string;
  sid: number;
  requestId: string;
}

export function operations(ex: Execution): Record<string, NexusOperationInfo> {
  return (ex.state.nexusOperations ??= {});
}

/** The failure an outcome event carries: the cause wrapped with the operation's details, as the real server does. */
export function operationFailure(op: NexusOperationInfo, cause: IFailure | null | undefined): IFailure {
  return {
    message: 'nexus operation completed unsuccessfully',
    cause: cause ?? null,
    nexusOperationExecutionFailureInfo: {
      scheduledEventId: op.scheduledEventId,
      endpoint: op.endpoint,
      service: op.service,
      operation: op.operation,
      operationId: op.operationToken ?? '',
      operationToken: op.operationToken ?? '',
    },
  };
}

// ---- commands ----

/** Checks a ScheduleNexusOperation command; the problem as the real server words it, or undefined. */
export function badScheduleNexusOperation(
  endpoints: EndpointRegistry,
  a: temporal.api.command.v1.IScheduleNexusOperationCommandAttributes | null | undefined,
): string | undefined {
  if (!a) return 'ScheduleNexusOperationCommandAttributes is not set on ScheduleNexusOperationCommand.';
  if (!a.endpoint) return 'endpoint is not set on ScheduleNexusOperationCommand.';
  if (!a.service) return 'service is not set on ScheduleNexusOperationCommand.';
  if (!a.operation) return 'operation is not set on ScheduleNexusOperationCommand.';
  if (!endpoints.byName(a.endpoint)) return `endpoint "${a.endpoint}" not found`;
  return undefined;
}

/** Checks a RequestCancelNexusOperation command against the run's operations. */
export function badCancelNexusOperation(
  ex: Execution,
  a: temporal.api.command.v1.IRequestCancelNexusOperationCommandAttributes | null | undefined,
): string | undefined {
  if (!a) return 'RequestCancelNexusOperationCommandAttributes is not set on RequestCancelNexusOperationCommand.';
  const id = num(a.scheduledEventId);
  const op = operations(ex)[String(id)];
  const outcomeBuffered = ex.state.buffered.some((b) => {
    const attrs = b.event as Record<string, { scheduledEventId?: unknown } | undefined>;
    return Object.keys(attrs).some(
      (k) => k.startsWith('nexusOperation') && num(attrs[k]?.scheduledEventId as number) === id,
    );
  });
  if (!op && !outcomeBuffered)
    return `requested cancelation for a non-existing or already completed operation with scheduled event ID of ${id}`;
  if (op?.cancel) return `cancelation was already requested for an operation with scheduled event ID ${id}`;
  return undefined;
}

/** ScheduleNexusOperation: writes NexusOperationScheduled and queues the start request. */
export function scheduleNexusOperation(
  endpoints: EndpointRegistry,
  engine: HistoryEngine,
  tx: Transaction,
  ex: Execution,
  a: temporal.api.command.v1.IScheduleNexusOperationCommandAttributes,
  completedId: number,
  append: (type: number, attrs: object) => IHistoryEvent,
): void {
  const endpoint = endpoints.byName(a.endpoint!)!;
  const requestId = engine.newRunId();
  const scheduleToCloseMs =
    num(a.scheduleToCloseTimeout?.seconds) * 1000 + Math.floor((a.scheduleToCloseTimeout?.nanos ?? 0) / 1e6);
  const ev = append(ET.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED, {
    endpoint: a.endpoint,
    service: a.service,
    operation: a.operation,
    input: a.input ?? null,
    scheduleToCloseTimeout: a.scheduleToCloseTimeout ?? null,
    nexusHeader: a.nexusHeader ?? {},
    workflowTaskCompletedEventId: completedId,
    requestId,
    endpointId: endpoint.id,
  });
  const scheduledEventId = num(ev.eventId);
  ex.state.activitySeq += 1;
  operations(ex)[String(scheduledEventId)] = {
    scheduledEventId,
    endpoint: a.endpoint!,
    endpointId: endpoint.id,
    service: a.service!,
    operation: a.operation!,
    input: a.input ?? null,
    header: { ...(a.nexusHeader ?? {}) },
    scheduleToCloseMs,
    scheduledTime: tx.now,
    requestId,
    start: { state: 'scheduled', attempt: 1, seq: ex.state.activitySeq, scheduledTime: tx.now },
  };
  const external = endpoint.spec.target?.external;
  if (external) {
    // Failed by the deadline check that runs right after this task completes (see checkNexusTimeouts).
    operations(ex)[String(scheduledEventId)].unsupported =
      `not implemented: Nexus endpoints with an external target (endpoint "${a.endpoint}", URL ${external.url}): ` +
      'the Kairos dev server only dispatches operations to endpoints with a worker target';
  }
  tx.touch(ex);
}

/**
 * RequestCancelNexusOperation: writes NexusOperationCancelRequested. A started operation gets a cancel request sent
 * to its handler; one not started yet gets it once it starts, and a synchronous answer meanwhile completes it
 * normally, as on the real server.
 */
export function cancelNexusOperation(
  tx: Transaction,
  ex: Execution,
  scheduledEventId: number,
  completedId: number,
  append: (type: number, attrs: object) => IHistoryEvent,
): void {
  const op = operations(ex)[String(scheduledEventId)];
  const ev = append(ET.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED, {
    scheduledEventId,
    workflowTaskCompletedEventId: completedId,
  });
  // An operation whose outcome waits in the buffer only gets the request.
  if (!op) return;
  op.cancel = { requestedEventId: num(ev.eventId), requestedTime: tx.now };
  if (op.operationToken !== undefined) {
    ex.state.activitySeq += 1;
    op.cancel.request = { state: 'scheduled', attempt: 1, seq: ex.state.activitySeq, scheduledTime: tx.now };
  }
  tx.touch(ex);
}

// ---- outcomes ----

/** Closes an operation with an outcome event. */
export function closeOperation(
  engine: HistoryEngine,
  tx: Transaction,
  ex: Execution,
  op: NexusOperationInfo,
  eventType: number,
  attrs: object,
): void {
  delete operations(ex)[String(op.scheduledEventId)];
  engine.addExternalEvent(ex, tx, eventType, {
    scheduledEventId: op.scheduledEventId,
    requestId: op.requestId,
    ...attrs,
  });
}

/** The event of `eventType` for operation `sid` just written (or buffered while a workflow task runs). */
function justWritten(ex: Execution, eventType: number, sid: number): IHistoryEvent | undefined {
  const candidates = [...ex.events.slice(-3), ...ex.state.buffered.map((b) => b.event)].reverse();
  return candidates.find(
    (e) =>
      e.eventType === eventType &&
      num(
        (
          Object.values(e).find((v) => v && typeof v === 'object' && 'scheduledEventId' in v) as {
            scheduledEventId?: number;
          }
        )?.scheduledEventId,
      ) === sid,
  );
}

/**
 * Writes the outcome of a cancel request. The real server marks these events as ones a worker may ignore (SDKs
 * that predate them skip them).
 */
export function cancelRequestOutcome(
  engine: HistoryEngine,
  tx: Transaction,
  ex: Execution,
  op: NexusOperationInfo,
  eventType: number,
  attrs: object,
): void {
  engine.addExternalEvent(ex, tx, eventType, {
    scheduledEventId: op.scheduledEventId,
    requestedEventId: op.cancel!.requestedEventId,
    ...attrs,
  });
  const written = justWritten(ex, eventType, op.scheduledEventId);
  if (written) written.workerMayIgnore = true;
}

/** Writes NexusOperationStarted for an operation the handler started asynchronously. */
export function markStarted(
  engine: HistoryEngine,
  tx: Transaction,
  ex: Execution,
  op: NexusOperationInfo,
  token: string,
  links: temporal.api.common.v1.ILink[],
): void {
  op.start = undefined;
  op.operationToken = token;
  engine.addExternalEvent(ex, tx, ET.EVENT_TYPE_NEXUS_OPERATION_STARTED, {
    scheduledEventId: op.scheduledEventId,
    operationId: token,
    requestId: op.requestId,
    operationToken: token,
  });
  if (links.length === 0) return;
  const written = justWritten(ex, ET.EVENT_TYPE_NEXUS_OPERATION_STARTED, op.scheduledEventId);
  if (written) written.links = links;
}

/** The outcome of a failure a handler reported for an operation (a canceled one is canceled, others failed). */
export function closeWithFailure(
  engine: HistoryEngine,
  tx: Transaction,
  ex: Execution,
  op: NexusOperationInfo,
  cause: IFailure,
): void {
  const type = cause.canceledFailureInfo
    ? ET.EVENT_TYPE_NEXUS_OPERATION_CANCELED
    : ET.EVENT_TYPE_NEXUS_OPERATION_FAILED;
  closeOperation(engine, tx, ex, op, type, { failure: operationFailure(op, cause) });
}

/** Backs off a failed request, or reports whether it may not be retried. */
export function retryOrGiveUp(
  ex: Execution,
  request: NexusRequestAttempts,
  failure: IFailure,
  retryable: boolean,
  now: number,
): boolean {
  request.lastAttemptFailure = failure;
  request.lastAttemptCompleteTime = now;
  if (!retryable) return false;
  const backoff = Math.min(RETRY_INITIAL_MS * 2 ** (request.attempt - 1), RETRY_MAX_MS);
  // `attempt` counts attempts made, as the real server's describe shows: the next one counts when it is queued.
  request.state = 'backoff';
  request.dispatchedTime = undefined;
  request.scheduledTime = now + backoff;
  ex.state.activitySeq += 1;
  request.seq = ex.state.activitySeq;
  return true;
}

// ---- deadlines ----

/** The earliest deadline of a run's operations: schedule-to-close, backoffs and request timeouts. */
export function nexusDeadline(ex: Execution): number | undefined {
  let min: number | undefined;
  const consider = (t: number | undefined) => {
    if (t !== undefined && (min === undefined || t < min)) min = t;
  };
  for (const op of Object.values(operations(ex))) {
    if (op.unsupported) consider(op.scheduledTime);
    if (op.scheduleToCloseMs > 0) consider(op.scheduledTime + op.scheduleToCloseMs);
    for (const r of [op.start, op.cancel?.request]) {
      if (r?.state === 'backoff') consider(r.scheduledTime);
      if (r?.state === 'inflight') consider((r.dispatchedTime ?? 0) + REQUEST_TIMEOUT_MS);
    }
  }
  return min;
}

/** Handles the run's operation deadlines that have passed. */
export function checkNexusTimeouts(engine: HistoryEngine, tx: Transaction, ex: Execution): void {
  for (const op of Object.values(operations(ex))) {
    if (op.unsupported) {
      closeWithFailure(engine, tx, ex, op, {
        message: op.unsupported,
        source: 'Kairos dev server',
        applicationFailureInfo: { type: 'NotImplemented', nonRetryable: true },
      });
      continue;
    }
    if (op.scheduleToCloseMs > 0 && tx.now >= op.scheduledTime + op.scheduleToCloseMs) {
      closeOperation(engine, tx, ex, op, ET.EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT, {
        failure: operationFailure(op, {
          message: 'operation timed out',
          timeoutFailureInfo: { timeoutType: TT.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE },
        }),
      });
      continue;
    }
    for (const r of [op.start, op.cancel?.request]) {
      if (r?.state === 'backoff' && tx.now >= r.scheduledTime) {
        r.state = 'scheduled';
        r.attempt += 1;
        tx.touchInMemory(ex);
      } else if (r?.state === 'inflight' && tx.now >= (r.dispatchedTime ?? 0) + REQUEST_TIMEOUT_MS) {
        retryOrGiveUp(
          ex,
          r,
          { message: 'request timed out', timeoutFailureInfo: { timeoutType: TT.TIMEOUT_TYPE_START_TO_CLOSE } },
          true,
          tx.now,
        );
        tx.touch(ex);
      }
    }
  }
}

// ---- completion callbacks ----

/** The callbacks a run was started with, as DescribeWorkflowExecution reports them. */
export interface CallbackRecord {
  callback: temporal.api.common.v1.ICallback;
  registrationTime: number;
  state: 'standby' | 'succeeded' | 'failed';
  attempt: number;
  lastAttemptCompleteTime?: number;
  lastAttemptFailure?: IFailure | null;
}

export function callbackInfo(c: CallbackRecord): temporal.api.workflow.v1.ICallbackInfo {
  const CS = enums.CallbackState;
  return {
    callback: c.callback,
    trigger: { workflowClosed: {} },
    registrationTime: msTimestamp(c.registrationTime),
    state:
      c.state === 'succeeded'
        ? CS.CALLBACK_STATE_SUCCEEDED
        : c.state === 'failed'
          ? CS.CALLBACK_STATE_FAILED
          : CS.CALLBACK_STATE_STANDBY,
    attempt: c.attempt,
    lastAttemptCompleteTime: c.lastAttemptCompleteTime ? msTimestamp(c.lastAttemptCompleteTime) : null,
    lastAttemptFailure: c.lastAttemptFailure ?? null,
  };
}

/**
 * Delivers the close of a run to the Nexus operations waiting for it (its completion callbacks), in the same
 * change. Callbacks to other URLs cannot be delivered by this server: they fail, saying so.
 */
export function deliverCompletionCallbacks(engine: HistoryEngine, tx: Transaction, ex: Execution): void {
  const s = ex.state;
  const WS = enums.WorkflowExecutionStatus;
  const closeEvent = ex.events[ex.events.length - 1] as Record<string, unknown> | undefined;
  for (const cb of s.callbacks ?? []) {
    if (cb.state !== 'standby') continue;
    cb.attempt += 1;
    cb.lastAttemptCompleteTime = tx.now;
    const nexus = cb.callback.nexus;
    const encoded = nexus?.header?.[CALLBACK_TOKEN_HEADER];
    if (nexus?.url !== SYSTEM_CALLBACK_URL || !encoded) {
      cb.state = 'failed';
      cb.lastAttemptFailure = {
        message: `not implemented: delivering completion callbacks to ${nexus?.url ?? 'a non-Nexus callback'}`,
      };
      continue;
    }
    cb.state = 'succeeded';
    let token: CallbackToken;
    try {
      token = JSON.parse(Buffer.from(encoded, 'base64url').toString()) as CallbackToken;
    } catch {
      continue;
    }
    const caller = engine.executions.get(token.rid);
    const op = caller ? operations(caller)[String(token.sid)] : undefined;
    if (!caller || !isRunning(caller.state) || !op || op.requestId !== token.requestId) continue;
    if (op.operationToken === undefined) {
      // The handler's workflow closed before its start response arrived: the operation started all the same.
      markStarted(engine, tx, caller, op, nexus.header?.['nexus-operation-token'] ?? '', []);
    }
    switch (s.status) {
      case WS.WORKFLOW_EXECUTION_STATUS_COMPLETED: {
        const attrs = closeEvent?.workflowExecutionCompletedEventAttributes as {
          result?: temporal.api.common.v1.IPayloads;
        };
        closeOperation(engine, tx, caller, op, ET.EVENT_TYPE_NEXUS_OPERATION_COMPLETED, {
          result: attrs?.result?.payloads?.[0] ?? null,
        });
        break;
      }
      case WS.WORKFLOW_EXECUTION_STATUS_FAILED: {
        const attrs = closeEvent?.workflowExecutionFailedEventAttributes as { failure?: IFailure };
        closeWithFailure(engine, tx, caller, op, attrs?.failure ?? { message: 'workflow failed' });
        break;
      }
      case WS.WORKFLOW_EXECUTION_STATUS_CANCELED: {
        const attrs = closeEvent?.workflowExecutionCanceledEventAttributes as {
          details?: temporal.api.common.v1.IPayloads;
        };
        closeWithFailure(engine, tx, caller, op, {
          message: 'operation canceled',
          canceledFailureInfo: { details: attrs?.details ?? null },
        });
        break;
      }
      case WS.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
        closeWithFailure(engine, tx, caller, op, {
          message: 'operation exceeded internal timeout',
          timeoutFailureInfo: { timeoutType: TT.TIMEOUT_TYPE_START_TO_CLOSE },
        });
        break;
      default:
        closeWithFailure(engine, tx, caller, op, { message: 'operation terminated', terminatedFailureInfo: {} });
    }
  }
}

// ---- describe ----

/** A pending operation as DescribeWorkflowExecution reports it. */
export function pendingNexusOperationInfo(op: NexusOperationInfo): temporal.api.workflow.v1.IPendingNexusOperationInfo {
  const PS = enums.PendingNexusOperationState;
  const CS = enums.NexusOperationCancellationState;
  const start = op.start;
  const cancel = op.cancel;
  return {
    endpoint: op.endpoint,
    service: op.service,
    operation: op.operation,
    operationId: op.operationToken ?? '',
    operationToken: op.operationToken ?? '',
    scheduleToCloseTimeout: msDuration(op.scheduleToCloseMs),
    scheduledTime: msTimestamp(op.scheduledTime),
    state: !start
      ? PS.PENDING_NEXUS_OPERATION_STATE_STARTED
      : start.state === 'backoff'
        ? PS.PENDING_NEXUS_OPERATION_STATE_BACKING_OFF
        : PS.PENDING_NEXUS_OPERATION_STATE_SCHEDULED,
    attempt: start?.attempt ?? 1,
    lastAttemptCompleteTime: start?.lastAttemptCompleteTime ? msTimestamp(start.lastAttemptCompleteTime) : null,
    lastAttemptFailure: start?.lastAttemptFailure ?? null,
    nextAttemptScheduleTime: start?.state === 'backoff' ? msTimestamp(start.scheduledTime) : null,
    scheduledEventId: op.scheduledEventId,
    cancellationInfo: cancel
      ? {
          requestedTime: msTimestamp(cancel.requestedTime),
          state:
            cancel.outcome === 'succeeded'
              ? CS.NEXUS_OPERATION_CANCELLATION_STATE_SUCCEEDED
              : cancel.outcome === 'failed'
                ? CS.NEXUS_OPERATION_CANCELLATION_STATE_FAILED
                : cancel.request?.state === 'backoff'
                  ? CS.NEXUS_OPERATION_CANCELLATION_STATE_BACKING_OFF
                  : CS.NEXUS_OPERATION_CANCELLATION_STATE_SCHEDULED,
          attempt: cancel.request?.attempt ?? 1,
          lastAttemptFailure: cancel.request?.lastAttemptFailure ?? null,
        }
      : null,
  };
}
