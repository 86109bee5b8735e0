import { temporal } from '../internal/proto';
import { enums } from '../internal/proto';
import { HistoryEngine, Transaction } from './engine';
import { Execution } from './mutable-state';

const ET = enums.EventType;
const upd = temporal.api.update.v1;
const TYPE_PREFIX = 'type.googleapis.com/';

/**
 * Protocol messages carrying the update requests a workflow task delivers: every admitted update
 * (and those already delivered to this same task) becomes a `temporal.api.update.v1.Request` message.
 */
export function updateRequestMessages(
  ex: Execution,
  wftSeq: number,
  sequencingEventId: number,
): temporal.api.protocol.v1.IMessage[] {
  const out: temporal.api.protocol.v1.IMessage[] = [];
  for (const u of Object.values(ex.state.updates)) {
    if (u.state === 'admitted' || (u.state === 'delivered' && u.deliveredSeq === wftSeq)) {
      u.state = 'delivered';
      u.deliveredSeq = wftSeq;
      out.push({
        id: `${u.updateId}/request`,
        protocolInstanceId: u.updateId,
        eventId: sequencingEventId,
        body: {
          type_url: `${TYPE_PREFIX}temporal.api.update.v1.Request`,
          value: upd.Request.encode(u.request).finish(),
        },
      });
    }
  }
  return out;
}

/** Updates delivered to a task that failed go back to waiting for the next task. */
export function rejectUndeliveredOnFailure(ex: Execution, wftSeq: number): void {
  for (const u of Object.values(ex.state.updates)) {
    if (u.state === 'delivered' && u.deliveredSeq === wftSeq) {
      u.state = 'admitted';
      u.deliveredSeq = undefined;
    }
  }
}

/** Updates delivered to a completed task that the worker did not answer are offered again. */
export function releaseUnansweredUpdates(ex: Execution, wftSeq: number): void {
  rejectUndeliveredOnFailure(ex, wftSeq);
}

/** Applies an update protocol message from a workflow task completion (acceptance, rejection or response). */
export function applyUpdateMessage(
  engine: HistoryEngine,
  tx: Transaction,
  ex: Execution,
  m: temporal.api.protocol.v1.IMessage,
): void {
  const s = ex.state;
  const typeUrl = m.body?.type_url ?? '';
  const value = m.body?.value ?? new Uint8Array();
  const u = s.updates[m.protocolInstanceId ?? ''];
  if (!u) return;
  if (typeUrl.endsWith('temporal.api.update.v1.Acceptance')) {
    const a = upd.Acceptance.decode(value);
    if (u.state !== 'delivered' && u.state !== 'admitted') return;
    const ev = engine.append(ex, tx, ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED, {
      protocolInstanceId: u.updateId,
      acceptedRequestMessageId: a.acceptedRequestMessageId || `${u.updateId}/request`,
      acceptedRequestSequencingEventId: a.acceptedRequestSequencingEventId,
      acceptedRequest: a.acceptedRequest ?? u.request,
    });
    u.state = 'accepted';
    u.acceptedEventId = Number(ev.eventId);
  } else if (typeUrl.endsWith('temporal.api.update.v1.Rejection')) {
    const r = upd.Rejection.decode(value);
    if (u.state === 'accepted' || u.state === 'completed') return;
    // A rejected update writes no event; the caller learns the outcome.
    u.state = 'completed';
    u.outcome = { failure: r.failure ?? { message: 'update rejected' } };
  } else if (typeUrl.endsWith('temporal.api.update.v1.Response')) {
    const r = upd.Response.decode(value);
    if (u.state === 'completed') return;
    engine.append(ex, tx, ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED, {
      meta: r.meta ?? { updateId: u.updateId },
      acceptedEventId: u.acceptedEventId ?? 0,
      outcome: r.outcome ?? null,
    });
    u.state = 'completed';
    u.outcome = r.outcome ?? null;
  }
  forgetOldUpdates(ex);
  // A rejection alone is kept in memory by the real server (it writes no event).
  tx.touchInMemory(ex);
}

/** Completed updates kept per run for deduplication and polling (the oldest are forgotten beyond this). */
const MAX_COMPLETED_UPDATES = 1000;

function forgetOldUpdates(ex: Execution): void {
  const completed = Object.values(ex.state.updates).filter((u) => u.state === 'completed');
  for (const u of completed.slice(0, Math.max(0, completed.length - MAX_COMPLETED_UPDATES))) {
    delete ex.state.updates[u.updateId];
  }
}

/** The lifecycle stage an update has reached, as UpdateWorkflowExecution reports it. */
export function updateStage(state: string): number {
  const S = enums.UpdateWorkflowExecutionLifecycleStage;
  switch (state) {
    case 'accepted':
      return S.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED;
    case 'completed':
      return S.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED;
    default:
      return S.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED;
  }
}
