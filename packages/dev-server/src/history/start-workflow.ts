import { temporal } from '../internal/proto';
import { invalidArgument, workflowAlreadyStarted } from '../errors';
import { durationMs, enums } from '../internal/proto';
import { typedSearchAttributes, validateSearchAttributes } from '../visibility/validation';
import { validateCron } from '../schedules/cron';
import { validateDuration } from '../internal/validation';
import { HistoryEngine, Transaction } from './engine';
import { Execution, isRunning } from './mutable-state';
import { validateRetryPolicy } from './retry';
import { cronFirstBackoff, reuseAllowed } from './command-application';
import { startVersioning } from '../deployments/version-routing';
import {
  createRun,
  rememberRequestId,
  NewRunParams,
  normalizeWorkflowTimeouts,
  signalRun,
  SignalParams,
  terminateRun,
} from './workflow-lifecycle';

type StartRequest = temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest;

/** What a start request is part of: its checks and messages differ slightly, as on the real server. */
export type StartKind = 'start' | 'signalWithStart' | 'updateWithStart' | 'schedule';

/** Validates a start request in the real frontend's order, with its messages (INVALID_ARGUMENT). */
export function validateStart(engine: HistoryEngine, req: StartRequest, kind: StartKind = 'start'): void {
  const ns = engine.namespace(req.namespace ?? '');
  const limits = engine.limits;
  limits.workflowId(req.workflowId);
  limits.requestId(req.requestId);
  limits.workflowType(req.workflowType);
  limits.taskQueue(req.taskQueue);
  for (const [field, name] of [
    ['workflowExecutionTimeout', 'WorkflowExecutionTimeoutSeconds'],
    ['workflowRunTimeout', 'WorkflowRunTimeoutSeconds'],
    ['workflowTaskTimeout', 'WorkflowTaskTimeoutSeconds'],
  ] as const) {
    validateDuration(req[field], name);
  }
  if (
    req.workflowIdReusePolicy === enums.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING &&
    req.workflowIdConflictPolicy
  ) {
    throw invalidArgument(
      'Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING cannot be used together with a WorkflowIDConflictPolicy',
    );
  }
  validateRetryPolicy(req.retryPolicy);
  if (kind === 'updateWithStart') {
    if (req.cronSchedule) throw invalidArgument('CronSchedule is not allowed.');
    if (req.workflowStartDelay) throw invalidArgument('WorkflowStartDelay is not supported.');
  }
  if (req.cronSchedule) validateCron(req.cronSchedule, engine.time.now());
  validateDuration(req.workflowStartDelay, 'WorkflowStartDelaySeconds');
  if (req.cronSchedule && durationMs(req.workflowStartDelay) > 0) {
    throw invalidArgument('CronSchedule and WorkflowStartDelay may not be used together.');
  }
  const blob = { namespace: ns.name, workflowId: req.workflowId ?? '', operation: 'StartWorkflowExecution' };
  engine.blobs.check(req.input, blob);
  engine.blobs.checkMemo(req.memo, blob);
  validateSearchAttributes(ns, req.searchAttributes, engine.config);
  engine.hooks.versioning?.validateOverride(ns.name, req.taskQueue?.name ?? '', req.versioningOverride);
}

export interface StartOutcome {
  ex: Execution;
  started: boolean;
}

function runParams(engine: HistoryEngine, req: StartRequest, now: number): NewRunParams {
  const t = normalizeWorkflowTimeouts(
    durationMs(req.workflowExecutionTimeout),
    durationMs(req.workflowRunTimeout),
    durationMs(req.workflowTaskTimeout),
  );
  const delay = durationMs(req.workflowStartDelay);
  return {
    namespace: req.namespace ?? '',
    workflowId: req.workflowId!,
    workflowType: req.workflowType!.name!,
    taskQueue: req.taskQueue!.name!,
    input: req.input ?? null,
    executionTimeoutMs: t.executionMs,
    runTimeoutMs: t.runMs,
    taskTimeoutMs: t.taskMs,
    executionTimeoutSet: req.workflowExecutionTimeout != null,
    runTimeoutSet: req.workflowRunTimeout != null,
    identity: req.identity ?? '',
    requestId: req.requestId || engine.newRunId(),
    retryPolicy: req.retryPolicy ?? null,
    cronSchedule: req.cronSchedule ?? '',
    memo: req.memo ?? null,
    searchAttributes: typedSearchAttributes(engine.namespaces.get(req.namespace ?? ''), req.searchAttributes),
    header: req.header ?? null,
    userMetadata: req.userMetadata ?? null,
    priority: req.priority ?? null,
    links: req.links ?? null,
    completionCallbacks: req.completionCallbacks ?? null,
    firstWftBackoffMs: delay || cronFirstBackoff(req.cronSchedule ?? '', now),
    continuedFailure: req.continuedFailure ?? null,
    lastCompletionResult: req.lastCompletionResult ?? null,
    versioning: startVersioning(req.versioningOverride),
  };
}

/**
 * Starts a workflow within a transaction, applying request-id idempotency and the id conflict and reuse
 * policies. With `signal`, this is signal-with-start.
 */
export function startWorkflowInTx(
  engine: HistoryEngine,
  tx: Transaction,
  req: StartRequest,
  signal?: SignalParams,
): StartOutcome {
  const CP = enums.WorkflowIdConflictPolicy;
  const RP = enums.WorkflowIdReusePolicy;
  const ns = req.namespace ?? '';
  const current = engine.currentRun(ns, req.workflowId!);
  let conflict = req.workflowIdConflictPolicy ?? CP.WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED;
  let reuse = req.workflowIdReusePolicy ?? RP.WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED;
  if (reuse === RP.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING) {
    conflict = CP.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING;
    reuse = RP.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE;
  }
  if (current) {
    const cs = current.state;
    if (
      req.requestId &&
      cs.requestIds.includes(req.requestId) &&
      (isRunning(cs) || cs.startRequestId === req.requestId)
    ) {
      return { ex: current, started: cs.startRequestId === req.requestId };
    }
    if (isRunning(cs)) {
      if (signal && conflict !== CP.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING) {
        // Signal-with-start signals a running workflow unless told to replace it (FAIL is rejected up front).
        signalRun(engine, tx, current, signal);
        return { ex: current, started: false };
      }
      if (conflict === CP.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING) {
        if (req.onConflictOptions?.attachRequestId && req.requestId) rememberRequestId(cs, req.requestId);
        return { ex: current, started: false };
      }
      if (conflict === CP.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING) {
        terminateRun(
          engine,
          tx,
          current,
          'terminated by new workflow start (conflict policy TERMINATE_EXISTING)',
          null,
          req.identity ?? '',
        );
      } else {
        throw workflowAlreadyStarted(
          `Workflow execution is already running. WorkflowId: ${cs.workflowId}, RunId: ${cs.runId}.`,
          cs.startRequestId,
          cs.runId,
          cs.firstRunId,
        );
      }
    } else if (!reuseAllowed(reuse, cs.status)) {
      throw workflowAlreadyStarted(
        `Workflow execution already finished and the workflow id reuse policy does not allow a new run. WorkflowId: ${cs.workflowId}, RunId: ${cs.runId}.`,
        cs.startRequestId,
        cs.runId,
        cs.firstRunId,
      );
    }
  }
  const ex = createRun(engine, tx, { ...runParams(engine, req, tx.now), signal });
  return { ex, started: true };
}

export function startResponse(o: StartOutcome): temporal.api.workflowservice.v1.IStartWorkflowExecutionResponse {
  return {
    runId: o.ex.state.runId,
    started: o.started,
    firstExecutionRunId: o.ex.state.firstRunId,
    status: o.ex.state.status,
    // A link to the started event (which Nexus handlers pass on to their callers), as the real server answers.
    link: o.started
      ? {
          workflowEvent: {
            namespace: o.ex.state.namespace,
            workflowId: o.ex.state.workflowId,
            runId: o.ex.state.runId,
            eventRef: { eventId: 1, eventType: enums.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED },
          },
        }
      : null,
  };
}
