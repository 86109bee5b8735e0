/**
 * Nexus tasks: the start and cancel requests of a workflow's Nexus operations as a worker polls them from the
 * endpoint's target task queue, and the worker's answers (completed or failed), retried with backoff.
 */

import { temporal } from '../internal/proto';
import { enums, IFailure, msTimestamp } from '../internal/proto';
import { invalidArgument, notFound } from '../errors';
import type { HistoryEngine } from '../history/engine';
import { Execution, isRunning } from '../history/mutable-state';
import type { EndpointRegistry } from './endpoint-registry';
import {
  CALLBACK_TOKEN_HEADER,
  CallbackToken,
  cancelRequestOutcome,
  closeOperation,
  closeWithFailure,
  markStarted,
  NexusOperationInfo,
  NexusRequestAttempts,
  operationFailure,
  operations,
  REQUEST_TIMEOUT_MS,
  retryOrGiveUp,
  SYSTEM_CALLBACK_URL,
} from './nexus-operations';

const ET = enums.EventType;

/** Handler error types a request is retried after unless the handler says otherwise (the Nexus spec). */
const RETRYABLE_HANDLER_ERRORS = new Set(['RESOURCE_EXHAUSTED', 'INTERNAL', 'UNAVAILABLE', 'UPSTREAM_TIMEOUT']);

/** What a Nexus task token names. */
interface NexusTaskToken {
  nsId: string;
  rid: string;
  sid: number;
  seq: number;
  cancel: boolean;
}

function encodeToken(t: NexusTaskToken): Buffer {
  return Buffer.from(JSON.stringify({ k: 'n', ...t }));
}

function decodeToken(token: Uint8Array | null | undefined): NexusTaskToken {
  try {
    const t = JSON.parse(Buffer.from(token ?? []).toString()) as NexusTaskToken & { k: string };
    if (t.k !== 'n' || typeof t.rid !== 'string') throw new Error('not a Nexus task token');
    return t;
  } catch {
    throw invalidArgument('Error deserializing task token.');
  }
}

/** The queued requests of a run's operations, for matching: target namespace and task queue, and the task key. */
export function nexusTasks(
  endpoints: EndpointRegistry,
  ex: Execution,
): Array<{ namespace: string; taskQueue: string; key: string }> {
  const out: Array<{ namespace: string; taskQueue: string; key: string }> = [];
  if (!isRunning(ex.state)) return out;
  for (const op of Object.values(operations(ex))) {
    const target = endpoints.find(op.endpointId)?.spec.target?.worker;
    if (!target?.namespace || !target.taskQueue) continue;
    const queued = (r: NexusRequestAttempts | undefined, kind: 's' | 'c') => {
      if (r?.state === 'scheduled') {
        out.push({
          namespace: target.namespace!,
          taskQueue: target.taskQueue!,
          key: `n:${ex.state.runId}:${op.scheduledEventId}:${kind}:${r.seq}`,
        });
      }
    };
    queued(op.start, 's');
    queued(op.cancel?.request, 'c');
  }
  return out;
}

/** Whether any request of the run's operations is queued or with a handler (time skipping waits for those). */
export function nexusBusy(ex: Execution): boolean {
  return Object.values(operations(ex)).some(
    (op) => (op.start && op.start.state !== 'backoff') || (op.cancel?.request && op.cancel.request.state !== 'backoff'),
  );
}

/** How long a request may take: the request timeout, or less when the schedule-to-close deadline is nearer. */
function requestTimeoutMs(op: NexusOperationInfo, now: number): number {
  if (op.scheduleToCloseMs <= 0) return REQUEST_TIMEOUT_MS;
  return Math.max(1, Math.min(REQUEST_TIMEOUT_MS, op.scheduledTime + op.scheduleToCloseMs - now));
}

function workflowEventLink(
  namespace: string,
  workflowId: string,
  runId: string,
  eventId: number,
  eventType: number,
): temporal.api.nexus.v1.ILink {
  const name = (enums.EventType[eventType] as string)
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z0-9])/g, (_m, _s: string, c: string) => c.toUpperCase());
  const path = ['namespaces', namespace, 'workflows', workflowId, runId, 'history'].map((p, i) =>
    i % 2 === 0 && i < 4 ? p : encodeURIComponent(p),
  );
  const query = new URLSearchParams({ referenceType: 'EventReference', eventID: String(eventId), eventType: name });
  return {
    url: `temporal:///${path.join('/')}?${query.toString()}`,
    type: 'temporal.api.common.v1.Link.WorkflowEvent',
  };
}

/** A Nexus link of type `temporal.api.common.v1.Link.WorkflowEvent` as a Temporal link (others are left out). */
function temporalLink(link: temporal.api.nexus.v1.ILink): temporal.api.common.v1.ILink | undefined {
  if (link.type !== 'temporal.api.common.v1.Link.WorkflowEvent' || !link.url) return undefined;
  try {
    const url = new URL(link.url);
    const parts = url.pathname.split('/').map(decodeURIComponent);
    if (parts[1] !== 'namespaces' || parts[3] !== 'workflows' || parts[6] !== 'history') return undefined;
    const q = url.searchParams;
    const typeName = q.get('eventType') ?? '';
    const constant = `EVENT_TYPE_${typeName.replace(/(?!^)([A-Z])/g, '_$1').toUpperCase()}`;
    const eventType = (enums.EventType as unknown as Record<string, number>)[constant] ?? 0;
    const workflowEvent: temporal.api.common.v1.Link.IWorkflowEvent = {
      namespace: parts[2],
      workflowId: parts[4],
      runId: parts[5],
    };
    if (q.get('referenceType') === 'RequestIdReference') {
      workflowEvent.requestIdRef = { requestId: q.get('requestID') ?? '', eventType };
    } else {
      workflowEvent.eventRef = { eventId: Number(q.get('eventID') ?? 0), eventType };
    }
    return { workflowEvent };
  } catch {
    return undefined;
  }
}

/** Hands a queued request to a poller; undefined when the task is stale. */
export function startNexusTask(
  engine: HistoryEngine,
  ex: Execution,
  key: string,
): temporal.api.workflowservice.v1.IPollNexusTaskQueueResponse | undefined {
  const [, , sid, kind, seq] = key.split(':');
  const s = ex.state;
  const op = operations(ex)[sid];
  const request = kind === 'c' ? op?.cancel?.request : op?.start;
  if (!isRunning(s) || !op || !request || request.seq !== Number(seq) || request.state !== 'scheduled')
    return undefined;
  return engine.tx((tx) => {
    request.state = 'inflight';
    request.dispatchedTime = tx.now;
    tx.touchInMemory(ex);
    const nsId = engine.namespaces.get(s.namespace)?.id ?? '';
    const header = { ...op.header, 'request-timeout': `${requestTimeoutMs(op, tx.now)}ms` };
    const base = {
      taskToken: encodeToken({ nsId, rid: s.runId, sid: op.scheduledEventId, seq: request.seq, cancel: kind === 'c' }),
    };
    if (kind === 'c') {
      return {
        ...base,
        request: {
          header,
          scheduledTime: msTimestamp(request.scheduledTime),
          endpoint: op.endpoint,
          cancelOperation: {
            service: op.service,
            operation: op.operation,
            operationId: op.operationToken ?? '',
            operationToken: op.operationToken ?? '',
          },
        },
      };
    }
    const callbackToken: CallbackToken = {
      nsId,
      wid: s.workflowId,
      rid: s.runId,
      sid: op.scheduledEventId,
      requestId: op.requestId,
    };
    return {
      ...base,
      request: {
        header: { ...header, 'nexus-request-id': op.requestId },
        scheduledTime: msTimestamp(request.scheduledTime),
        endpoint: op.endpoint,
        startOperation: {
          service: op.service,
          operation: op.operation,
          requestId: op.requestId,
          callback: SYSTEM_CALLBACK_URL,
          payload: op.input ?? null,
          callbackHeader: { [CALLBACK_TOKEN_HEADER]: Buffer.from(JSON.stringify(callbackToken)).toString('base64url') },
          links: [
            workflowEventLink(
              s.namespace,
              s.workflowId,
              s.runId,
              op.scheduledEventId,
              ET.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED,
            ),
          ],
        },
      },
    };
  });
}

/** The run, operation and request a task token names; NOT_FOUND when the request is no longer outstanding. */
function findRequest(
  engine: HistoryEngine,
  token: Uint8Array | null | undefined,
  namespace: string | null | undefined,
): { ex: Execution; op: NexusOperationInfo; request: NexusRequestAttempts; cancel: boolean } {
  const t = decodeToken(token);
  engine.tokenNamespace(t.nsId, undefined);
  if (namespace) engine.namespace(namespace);
  const ex = engine.executions.get(t.rid);
  const op = ex ? operations(ex)[String(t.sid)] : undefined;
  const request = t.cancel ? op?.cancel?.request : op?.start;
  if (!ex || !isRunning(ex.state) || !op || !request || request.seq !== t.seq || request.state !== 'inflight') {
    throw notFound('Nexus task not found or already completed');
  }
  return { ex, op, request, cancel: t.cancel };
}

/** A handler error sent in the older form (`temporal.api.nexus.v1.HandlerError`) as a failure. */
function handlerErrorFailure(e: temporal.api.nexus.v1.IHandlerError): IFailure {
  return {
    message: e.failure?.message ?? '',
    nexusHandlerFailureInfo: { type: e.errorType ?? '', retryBehavior: e.retryBehavior ?? 0 },
  };
}

function isRetryableHandlerFailure(f: IFailure): boolean {
  const info = f.nexusHandlerFailureInfo;
  if (!info) return !f.applicationFailureInfo?.nonRetryable;
  const RB = enums.NexusHandlerErrorRetryBehavior;
  if (info.retryBehavior === RB.NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_RETRYABLE) return true;
  if (info.retryBehavior === RB.NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_NON_RETRYABLE) return false;
  return RETRYABLE_HANDLER_ERRORS.has(info.type ?? '');
}

/** An operation error sent in the older form (`UnsuccessfulOperationError`) as a failure. */
function operationErrorFailure(e: temporal.api.nexus.v1.IUnsuccessfulOperationError): IFailure {
  const message = e.failure?.message ?? '';
  return e.operationState === 'canceled'
    ? { message, canceledFailureInfo: {} }
    : { message, applicationFailureInfo: { type: 'OperationError', nonRetryable: true } };
}

/** RespondNexusTaskCompleted. */
export function completeNexusTask(
  engine: HistoryEngine,
  req: temporal.api.workflowservice.v1.IRespondNexusTaskCompletedRequest,
): void {
  const { ex, op, cancel } = findRequest(engine, req.taskToken, req.namespace);
  engine.tx((tx) => {
    if (cancel) {
      op.cancel!.request = undefined;
      op.cancel!.outcome = 'succeeded';
      cancelRequestOutcome(engine, tx, ex, op, ET.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_COMPLETED, {});
      return;
    }
    const start = req.response?.startOperation;
    if (start?.syncSuccess) {
      closeOperation(engine, tx, ex, op, ET.EVENT_TYPE_NEXUS_OPERATION_COMPLETED, {
        result: start.syncSuccess.payload ?? null,
      });
    } else if (start?.asyncSuccess) {
      const token = start.asyncSuccess.operationToken || start.asyncSuccess.operationId || '';
      const links = (start.asyncSuccess.links ?? []).map(temporalLink).filter((l) => l !== undefined);
      markStarted(engine, tx, ex, op, token, links);
      if (op.cancel && !op.cancel.request) {
        // Cancellation was requested before the operation started: it goes out now.
        ex.state.activitySeq += 1;
        op.cancel.request = { state: 'scheduled', attempt: 1, seq: ex.state.activitySeq, scheduledTime: tx.now };
      }
    } else if (start?.failure) {
      closeWithFailure(engine, tx, ex, op, start.failure);
    } else if (start?.operationError) {
      closeWithFailure(engine, tx, ex, op, operationErrorFailure(start.operationError));
    } else {
      throw invalidArgument('RespondNexusTaskCompleted has no start operation response.');
    }
  });
}

/** RespondNexusTaskFailed: a handler error, retried with backoff when it may be, the operation failed otherwise. */
export function failNexusTask(
  engine: HistoryEngine,
  req: temporal.api.workflowservice.v1.IRespondNexusTaskFailedRequest,
): void {
  const reported = req.failure ?? (req.error ? handlerErrorFailure(req.error) : undefined);
  if (!reported) throw invalidArgument('RespondNexusTaskFailed has neither a failure nor an error.');
  // The real server keeps the handler's failure without the `source` its SDK set (its causes keep theirs).
  const { source: _source, ...failure } = reported;
  const { ex, op, request, cancel } = findRequest(engine, req.taskToken, req.namespace);
  engine.tx((tx) => {
    tx.touch(ex);
    if (retryOrGiveUp(ex, request, failure, isRetryableHandlerFailure(failure), tx.now)) return;
    if (cancel) {
      op.cancel!.request = undefined;
      op.cancel!.outcome = 'failed';
      cancelRequestOutcome(engine, tx, ex, op, ET.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_FAILED, { failure });
      return;
    }
    closeOperation(engine, tx, ex, op, ET.EVENT_TYPE_NEXUS_OPERATION_FAILED, {
      failure: operationFailure(op, failure),
    });
  });
}
