/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
/**
 * Child workflows and handles to other workflow executions.
 *
 * @module
 */
import {
  ChildWorkflowCancellationType,
  encodeChildWorkflowCancellationType,
  encodeParentClosePolicy,
  extractWorkflowType,
  type SignalDefinition,
  type WithWorkflowArgs,
  type Workflow,
  type WorkflowResultType,
  type WorkflowReturnType,
  type WorkflowSignalOptions,
} from '@kairos/common';
import { encodeUnifiedSearchAttributes } from '@kairos/common/lib/converter/payload-search-attributes';
import { mapToPayloads, toPayloads } from '@kairos/common/lib/converter/payload-converter';
import { composeInterceptors } from '@kairos/common/lib/interceptors';
import { compilePriority } from '@kairos/common/lib/priority';
import { compileRetryPolicy } from '@kairos/common/lib/retry-policy';
import { msOptionalToTs } from '@kairos/common/lib/time';
import { userMetadataToPayload } from '@kairos/common/lib/user-metadata';
import { versioningIntentToProto } from '@kairos/common/lib/versioning-intent-enum';
import { encodeWorkflowIdReusePolicy } from '@kairos/common/lib/workflow-options';
import { CancellationScope } from './cancellation-scope';
import { rejectEventGroups } from './event-groups';
import { assertInWorkflowContext, getActivator } from './global-attributes';
import type { SignalWorkflowInput, StartChildWorkflowExecutionInput } from './interceptors';
import type { ChildWorkflowOptions, ChildWorkflowOptionsWithDefaults } from './interfaces';
import { untrackPromise } from './stack-helpers';
import type { ChildWorkflowHandle, ExternalWorkflowHandle } from './workflow-handle';

/** Applies the defaults of child workflow options: a random workflow id and `WAIT_CANCELLATION_COMPLETED`. */
export function addDefaultWorkflowOptions<T extends Workflow>(
  opts: WithWorkflowArgs<T, ChildWorkflowOptions>,
): ChildWorkflowOptionsWithDefaults {
  const { args, workflowId, ...rest } = opts as ChildWorkflowOptions & { args?: unknown[] };
  return {
    workflowId: workflowId ?? uuid4(),
    args: args ?? [],
    cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
    ...rest,
  };
}

function uuid4(): string {
  return getActivator().uuid4();
}

function startChildWorkflowExecutionNextHandler({
  options,
  headers,
  workflowType,
  seq,
}: StartChildWorkflowExecutionInput): Promise<[Promise<string>, Promise<unknown>]> {
  const activator = getActivator();
  rejectEventGroups(options.eventGroups);
  const started = new Promise<string>((resolve, reject) => {
    const scope = CancellationScope.current();
    if (scope.consideredCancelled) {
      untrackPromise(scope.cancelRequested.catch(reject));
      return;
    }
    if (scope.cancellable) {
      untrackPromise(
        scope.cancelRequested.catch(() => {
          const complete = !activator.completions.childWorkflowComplete.has(seq);
          if (!complete) activator.pushCommand({ cancelChildWorkflowExecution: { childWorkflowSeq: seq } });
        }),
      );
    }
    activator.pushCommand({
      startChildWorkflowExecution: {
        seq,
        workflowId: options.workflowId,
        workflowType,
        input: toPayloads(activator.payloadConverter, ...options.args),
        retryPolicy: options.retry ? compileRetryPolicy(options.retry) : undefined,
        taskQueue: options.taskQueue || activator.info.taskQueue,
        workflowExecutionTimeout: msOptionalToTs(options.workflowExecutionTimeout),
        workflowRunTimeout: msOptionalToTs(options.workflowRunTimeout),
        workflowTaskTimeout: msOptionalToTs(options.workflowTaskTimeout),
        namespace: activator.info.namespace,
        headers,
        cancellationType: encodeChildWorkflowCancellationType(options.cancellationType),
        workflowIdReusePolicy: encodeWorkflowIdReusePolicy(options.workflowIdReusePolicy),
        parentClosePolicy: encodeParentClosePolicy(options.parentClosePolicy),
        cronSchedule: options.cronSchedule,
        searchAttributes:
          options.searchAttributes || options.typedSearchAttributes
            ? encodeUnifiedSearchAttributes(options.searchAttributes, options.typedSearchAttributes)
            : undefined,
        memo: options.memo && mapToPayloads(activator.payloadConverter, options.memo),
        versioningIntent: versioningIntentToProto(options.versioningIntent) as number,
        priority: options.priority ? compilePriority(options.priority) : undefined,
      },
      userMetadata: userMetadataToPayload(activator.payloadConverter, options.staticSummary, options.staticDetails),
    });
    activator.completions.childWorkflowStart.set(seq, { resolve: resolve as (v: unknown) => void, reject });
  });
  // Registered right away: the result may arrive in the same activation as the start.
  const completed = new Promise<unknown>((resolve, reject) => {
    // A child that never started has no result: its start failure is the result's failure too.
    untrackPromise(started.catch(reject));
    activator.completions.childWorkflowComplete.set(seq, { resolve, reject });
  });
  untrackPromise(started);
  untrackPromise(completed);
  // The caller may only await the start; a failed result must then not count as unhandled.
  untrackPromise(completed.catch(() => undefined));
  return Promise.resolve([started, completed]);
}

function signalWorkflowNextHandler({ seq, signalName, args, target, headers }: SignalWorkflowInput): Promise<void> {
  const activator = getActivator();
  return new Promise<void>((resolve, reject) => {
    const scope = CancellationScope.current();
    if (scope.consideredCancelled) {
      untrackPromise(scope.cancelRequested.catch(reject));
      return;
    }
    if (scope.cancellable) {
      untrackPromise(
        scope.cancelRequested.catch(() => {
          if (!activator.completions.signalWorkflow.has(seq)) return;
          activator.pushCommand({ cancelSignalWorkflow: { seq } });
        }),
      );
    }
    activator.pushCommand({
      signalExternalWorkflowExecution: {
        seq,
        args: toPayloads(activator.payloadConverter, ...args),
        headers,
        signalName,
        ...(target.type === 'external'
          ? {
              workflowExecution: {
                namespace: activator.info.namespace,
                workflowId: target.workflowExecution.workflowId,
                runId: target.workflowExecution.runId,
              },
            }
          : { childWorkflowId: target.childWorkflowId }),
      },
    });
    activator.completions.signalWorkflow.set(seq, { resolve: resolve as (v: unknown) => void, reject });
  });
}

function sendSignal(
  signalName: string,
  args: unknown[],
  target: SignalWorkflowInput['target'],
  typeInfo?: SignalWorkflowInput['typeInfo'],
): Promise<void> {
  const activator = getActivator();
  const execute = composeInterceptors(activator.interceptors.outbound, 'signalWorkflow', signalWorkflowNextHandler);
  return execute({ headers: {}, seq: activator.nextSeq('signalWorkflow'), signalName, args, target, typeInfo });
}

function signalName(def: SignalDefinition<any[], string> | string): string {
  return typeof def === 'string' ? def : def.name;
}

/**
 * A handle to another workflow execution: signal it, or ask the server to cancel it. With no `runId` the
 * latest run of `workflowId` is targeted.
 */
export function getExternalWorkflowHandle(workflowId: string, runId?: string): ExternalWorkflowHandle {
  const activator = assertInWorkflowContext(
    'Workflow.getExternalWorkflowHandle(...) may only be used from a Workflow Execution. Consider using Client.workflow.getHandle(...) instead.)',
  );
  return {
    workflowId,
    runId,
    cancel() {
      return new Promise<void>((resolve, reject) => {
        const scope = CancellationScope.current();
        if (scope.consideredCancelled) {
          untrackPromise(scope.cancelRequested.catch(reject));
          return;
        }
        if (scope.cancellable) {
          untrackPromise(scope.cancelRequested.catch(reject));
        }
        const seq = activator.nextSeq('cancelWorkflow');
        activator.pushCommand({
          requestCancelExternalWorkflowExecution: {
            seq,
            workflowExecution: { namespace: activator.info.namespace, workflowId, runId },
          },
        });
        activator.completions.cancelWorkflow.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      });
    },
    signal<Args extends any[]>(def: SignalDefinition<Args, string> | string, ...args: Args): Promise<void> {
      return sendSignal(signalName(def as SignalDefinition<any[], string> | string), args, {
        type: 'external',
        workflowExecution: { workflowId, runId },
      });
    },
    signalWithOptions<Args extends any[]>(name: string, options: WorkflowSignalOptions<Args>): Promise<void> {
      return sendSignal(
        name,
        options.args ?? [],
        { type: 'external', workflowExecution: { workflowId, runId } },
        options.typeInfo,
      );
    },
  };
}

/** Starts a child workflow by type name; resolves with its handle once the server has started it. */
export async function startChild<T extends Workflow>(
  workflowType: string,
  options: WithWorkflowArgs<T, ChildWorkflowOptions>,
): Promise<ChildWorkflowHandle<T>>;
/** Starts a child workflow running `workflowFunc`; resolves with its handle once the server has started it. */
export async function startChild<T extends Workflow>(
  workflowFunc: T,
  options: WithWorkflowArgs<T, ChildWorkflowOptions>,
): Promise<ChildWorkflowHandle<T>>;
/** Starts a child workflow without arguments. */
export async function startChild<T extends () => Promise<any>>(workflowType: string): Promise<ChildWorkflowHandle<T>>;
/** Starts a child workflow without arguments. */
export async function startChild<T extends () => Promise<any>>(workflowFunc: T): Promise<ChildWorkflowHandle<T>>;
export async function startChild<T extends Workflow>(
  workflowTypeOrFunc: string | T,
  options?: WithWorkflowArgs<T, ChildWorkflowOptions>,
): Promise<ChildWorkflowHandle<T>> {
  const activator = assertInWorkflowContext(
    'Workflow.startChild(...) may only be used from a Workflow Execution. Consider using Client.workflow.start(...) instead.)',
  );
  const optionsWithDefaults = addDefaultWorkflowOptions(options ?? ({} as any));
  const workflowType = extractWorkflowType(workflowTypeOrFunc);
  const execute = composeInterceptors(
    activator.interceptors.outbound,
    'startChildWorkflowExecution',
    startChildWorkflowExecutionNextHandler,
  );
  activator.noteCallSite(startChild);
  const [started, completed] = await execute({
    seq: activator.nextSeq('childWorkflow'),
    options: optionsWithDefaults,
    headers: {},
    workflowType,
  });
  const firstExecutionRunId = await started;
  return {
    workflowId: optionsWithDefaults.workflowId,
    firstExecutionRunId,
    async result(): Promise<WorkflowResultType<T>> {
      return (await completed) as WorkflowResultType<T>;
    },
    async signal<Args extends any[]>(def: SignalDefinition<Args, string> | string, ...args: Args): Promise<void> {
      return sendSignal(signalName(def as SignalDefinition<any[], string> | string), args, {
        type: 'child',
        childWorkflowId: optionsWithDefaults.workflowId,
      });
    },
    async signalWithOptions<Args extends any[]>(name: string, opts: WorkflowSignalOptions<Args>): Promise<void> {
      return sendSignal(
        name,
        opts.args ?? [],
        { type: 'child', childWorkflowId: optionsWithDefaults.workflowId },
        opts.typeInfo,
      );
    },
  };
}

/** Starts a child workflow by type name and waits for its result. */
export async function executeChild<T extends Workflow>(
  workflowType: string,
  options: WithWorkflowArgs<T, ChildWorkflowOptions>,
): Promise<WorkflowResultType<T>>;
/** Starts a child workflow running `workflowFunc` and waits for its result. */
export async function executeChild<T extends Workflow>(
  workflowFunc: T,
  options: WithWorkflowArgs<T, ChildWorkflowOptions>,
): Promise<WorkflowResultType<T>>;
/** Runs a child workflow without arguments and waits for its result. */
export async function executeChild<T extends () => WorkflowReturnType>(
  workflowType: string,
): Promise<WorkflowResultType<T>>;
/** Runs a child workflow without arguments and waits for its result. */
export async function executeChild<T extends () => WorkflowReturnType>(workflowFunc: T): Promise<WorkflowResultType<T>>;
export async function executeChild<T extends Workflow>(
  workflowTypeOrFunc: string | T,
  options?: WithWorkflowArgs<T, ChildWorkflowOptions>,
): Promise<WorkflowResultType<T>> {
  const activator = assertInWorkflowContext(
    'Workflow.executeChild(...) may only be used from a Workflow Execution. Consider using Client.workflow.execute(...) instead.',
  );
  const optionsWithDefaults = addDefaultWorkflowOptions(options ?? ({} as any));
  const workflowType = extractWorkflowType(workflowTypeOrFunc);
  const execute = composeInterceptors(
    activator.interceptors.outbound,
    'startChildWorkflowExecution',
    startChildWorkflowExecutionNextHandler,
  );
  activator.noteCallSite(executeChild);
  const execPromise = execute({
    seq: activator.nextSeq('childWorkflow'),
    options: optionsWithDefaults,
    headers: {},
    workflowType,
  });
  untrackPromise(execPromise);
  const completedPromise = execPromise.then(([_started, completed]) => completed);
  untrackPromise(completedPromise);
  return completedPromise as Promise<WorkflowResultType<T>>;
}
