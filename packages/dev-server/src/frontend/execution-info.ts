import { temporal, enums, GO_ZERO_TIME, msDuration, msTimestamp } from '../internal/proto';
import { HistoryEngine } from '../history/engine';
import { Execution } from '../history/mutable-state';
import { resetPointsProto } from '../history/workflow-lifecycle';

const ET = enums.EventType;

/**
 * WorkflowExecutionInfo of a run as Describe (or, with `forList`, List) reports it. Like the real server's
 * visibility store, List leaves out what it does not index: reset points, the last worker stamp, the first run
 * id and the parent's namespace id, and for a running run its history length, size and transition count (known once it closes).
 */
export function executionInfo(
  engine: HistoryEngine,
  ex: Execution,
  forList = false,
): temporal.api.workflow.v1.IWorkflowExecutionInfo {
  const s = ex.state;
  const closed = s.closeTime !== undefined;
  const progress = !forList || closed;
  return {
    execution: { workflowId: s.workflowId, runId: s.runId },
    type: { name: s.workflowType },
    startTime: msTimestamp(s.startTime),
    closeTime: closed ? msTimestamp(s.closeTime!) : null,
    status: s.status,
    historyLength: progress ? (s.closeEventId ?? s.nextEventId - 1) : 0,
    parentNamespaceId: s.parent && !forList ? (engine.namespaces.get(s.parent.namespace)?.id ?? '') : '',
    parentExecution: s.parent ? { workflowId: s.parent.workflowId, runId: s.parent.runId } : null,
    executionTime: msTimestamp(s.executionTime),
    memo: s.memo ?? { fields: {} },
    searchAttributes: s.searchAttributes ?? { indexedFields: {} },
    autoResetPoints: !forList && s.resetPoints?.length ? resetPointsProto(s.resetPoints) : null,
    taskQueue: s.taskQueue,
    stateTransitionCount: progress ? s.stateTransitions : 0,
    historySizeBytes: progress ? s.historySizeBytes : 0,
    // Negative when the run closed before its first workflow task was due, as the real server reports it.
    executionDuration: closed ? msDuration(s.closeTime! - s.executionTime) : null,
    // A closed run's summary leaves out a root that is the run itself.
    rootExecution: s.root
      ? { workflowId: s.root.workflowId, runId: s.root.runId }
      : ex.summary && !s.parent
        ? { workflowId: s.workflowId, runId: s.runId }
        : null,
    firstRunId: forList ? '' : s.firstRunId,
    mostRecentWorkerVersionStamp: forList ? null : (s.mostRecentWorkerVersionStamp ?? null),
    priority: s.priority ?? null,
    versioningInfo:
      engine.hooks.versioning?.versioningInfo(s) ??
      (s.versioningOverride ? { versioningOverride: s.versioningOverride } : null),
  };
}

/** The extended info of Describe, as the real server fills it in. */
export function extendedInfo(ex: Execution): temporal.api.workflow.v1.IWorkflowExecutionExtendedInfo {
  const s = ex.state;
  return {
    executionExpirationTime:
      s.executionTimeoutMs > 0 && s.executionExpirationTime !== undefined
        ? msTimestamp(s.executionExpirationTime)
        : null,
    runExpirationTime: s.runTimeoutMs > 0 ? msTimestamp(s.executionTime + s.runTimeoutMs) : GO_ZERO_TIME,
    cancelRequested: s.cancelRequested,
    originalStartTime: msTimestamp(s.startTime),
    requestIdInfos: s.startRequestId
      ? { [s.startRequestId]: { eventType: ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, eventId: 1, buffered: false } }
      : {},
  };
}
