/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
/**
 * The signal, query and update jobs of an activation: each runs the workflow's handler through the inbound
 * interceptors, buffers messages that have no handler yet, and produces the response commands. The handlers and
 * the messages in flight are kept by the run's {@link Activator}.
 *
 * @module
 */
import {
  ApplicationFailure,
  ensureTemporalFailure,
  HandlerUnfinishedPolicy,
  IllegalStateError,
  TemporalFailure,
} from '@kairos/common';
import { arrayFromPayloads } from '@kairos/common/lib/converter/payload-converter';
import { composeInterceptors } from '@kairos/common/lib/interceptors';
import type { kairos } from '@kairos/proto';
import type { QueryInput, SignalInput, UpdateInput, WorkflowInboundCallsInterceptor } from './interceptors';
import type { Activator } from './internals';
import { untrackPromise } from './stack-helpers';
import { UpdateScope } from './update-scope';

/** A signal handler registered with `setHandler`. */
export interface SignalHandlerEntry {
  handler: (...args: any[]) => void | Promise<void>;
  description?: string;
  unfinishedPolicy: HandlerUnfinishedPolicy;
}

/** A query handler registered with `setHandler`. */
export interface QueryHandlerEntry {
  handler: (...args: any[]) => unknown;
  description?: string;
}

/** An update handler (and its validator) registered with `setHandler`. */
export interface UpdateHandlerEntry {
  handler: (...args: any[]) => unknown;
  validator?: (...args: any[]) => void;
  description?: string;
  unfinishedPolicy: HandlerUnfinishedPolicy;
}

/** A signal or update handler that has started and not yet finished. */
export interface RunningHandler {
  name: string;
  id?: string;
  unfinishedPolicy: HandlerUnfinishedPolicy;
}

// Signals ---------------------------------------------------------------------------------------------------

/** Runs the signal's handler, or buffers the signal until one is registered. */
export function signalWorkflow(activator: Activator, job: kairos.core.activation.ISignalWorkflow): void {
  const name = job.signalName ?? '';
  if (!activator.signalHandlers.has(name) && activator.defaultSignalHandler === undefined) {
    activator.bufferedSignals.push(job);
    return;
  }
  const entry = activator.signalHandlers.get(name);
  const id = activator.nextSignalHandlerId++;
  activator.inProgressSignals.set(id, {
    name,
    unfinishedPolicy: entry?.unfinishedPolicy ?? HandlerUnfinishedPolicy.WARN_AND_ABANDON,
  });
  const handle = composeInterceptors(activator.interceptors.inbound, 'handleSignal', async (input: SignalInput) =>
    callSignalHandler(activator, input),
  );
  const input: SignalInput = {
    signalName: name,
    args: arrayFromPayloads(activator.payloadConverter, job.input ?? []),
    headers: job.headers ?? {},
  };
  untrackPromise(
    (async () => handle(input))()
      .then(undefined, (err) => activator.handleWorkflowFailure(err))
      .finally(() => activator.inProgressSignals.delete(id)),
  );
}

function callSignalHandler(activator: Activator, { signalName, args }: SignalInput): void | Promise<void> {
  const entry = activator.signalHandlers.get(signalName);
  if (entry) return entry.handler(...args);
  if (activator.defaultSignalHandler) return activator.defaultSignalHandler(signalName, ...args);
  throw new IllegalStateError(`No registered signal handler for signal: ${signalName}`);
}

/** Delivers buffered signals that now have a handler, in arrival order. */
export function dispatchBufferedSignals(activator: Activator): void {
  const pending = activator.bufferedSignals.splice(0);
  for (const job of pending) {
    const name = job.signalName ?? '';
    if (activator.signalHandlers.has(name) || activator.defaultSignalHandler) signalWorkflow(activator, job);
    else activator.bufferedSignals.push(job);
  }
}

// Queries ---------------------------------------------------------------------------------------------------

/** Answers a query with its handler's result or failure. */
export function queryWorkflow(activator: Activator, job: kairos.core.activation.IQueryWorkflow): void {
  const queryId = job.queryId ?? '';
  const queryName = job.queryType ?? '';
  const handle = composeInterceptors(activator.interceptors.inbound, 'handleQuery', (input: QueryInput) =>
    callQueryHandler(activator, input),
  );
  const input: QueryInput = {
    queryId,
    queryName,
    args: arrayFromPayloads(activator.payloadConverter, job.arguments ?? []),
    headers: job.headers ?? {},
  };
  untrackPromise(
    (async () => handle(input))().then(
      (result) =>
        activator.pushCommand({ respondToQuery: { queryId, succeeded: { response: activator.toPayload(result) } } }),
      (err) =>
        activator.pushCommand({
          respondToQuery: { queryId, failed: activator.errorToFailure(ensureTemporalFailure(err)) },
        }),
    ),
  );
}

function callQueryHandler(activator: Activator, { queryName, args }: QueryInput): Promise<unknown> {
  const entry = activator.queryHandlers.get(queryName);
  let result: unknown;
  if (entry) {
    result = entry.handler(...args);
  } else if (activator.defaultQueryHandler) {
    result = activator.defaultQueryHandler(queryName, ...args);
  } else {
    const known = [...activator.queryHandlers.keys()].join(' ');
    throw new ReferenceError(`Workflow did not register a handler for ${queryName}. Registered queries: [${known}]`);
  }
  if (result instanceof Promise) {
    throw new ApplicationFailure('Query handlers should not return a Promise');
  }
  return result as Promise<unknown>;
}

// Updates ---------------------------------------------------------------------------------------------------

/**
 * Validates and runs an update (accepting it first), or buffers it until a handler is registered; the outcome
 * becomes the update response.
 */
export function doUpdate(activator: Activator, job: kairos.core.activation.IDoUpdate): void {
  const name = job.name ?? '';
  const updateId = job.id ?? '';
  const protocolInstanceId = job.protocolInstanceId ?? '';
  const entry = activator.updateHandlers.get(name) ?? activator.defaultUpdateHandler;
  if (entry === undefined) {
    activator.bufferedUpdates.push(job);
    return;
  }
  const input: UpdateInput = {
    updateId,
    name,
    args: arrayFromPayloads(activator.payloadConverter, job.input ?? []),
    headers: job.headers ?? {},
  };
  // Validation interceptors only run for handlers that have a validator, as in the official runtime.
  if (job.runValidator && entry.validator !== undefined) {
    try {
      const validate = composeInterceptors(
        activator.interceptors.inbound as WorkflowInboundCallsInterceptor[],
        'validateUpdate',
        (validatorInput: UpdateInput) => callUpdateValidator(activator, validatorInput),
      );
      UpdateScope.runSync(updateId, name, () => validate(input));
    } catch (err) {
      rejectUpdate(activator, protocolInstanceId, err);
      return;
    }
  }
  activator.pushCommand({ updateResponse: { protocolInstanceId, accepted: {} } });
  activator.inProgressUpdates.set(updateId, { name, id: updateId, unfinishedPolicy: entry.unfinishedPolicy });
  const execute = composeInterceptors(
    activator.interceptors.inbound,
    'handleUpdate',
    async (handlerInput: UpdateInput) => callUpdateHandler(activator, handlerInput),
  );
  untrackPromise(
    UpdateScope.updateWithInfo(updateId, name, async () => execute(input))
      .then(
        (result) =>
          activator.pushCommand({ updateResponse: { protocolInstanceId, completed: activator.toPayload(result) } }),
        (err) => {
          if (err instanceof TemporalFailure) rejectUpdate(activator, protocolInstanceId, err);
          else activator.handleWorkflowFailure(err);
        },
      )
      .finally(() => activator.inProgressUpdates.delete(updateId)),
  );
}

function callUpdateValidator(activator: Activator, { name, args }: UpdateInput): void {
  const entry = activator.updateHandlers.get(name);
  if (entry?.validator) entry.validator(...args);
}

function callUpdateHandler(activator: Activator, { name, args }: UpdateInput): unknown {
  const entry = activator.updateHandlers.get(name);
  if (entry) return entry.handler(...args);
  if (activator.defaultUpdateHandler) return activator.defaultUpdateHandler.handler(name, ...args);
  throw new IllegalStateError(`No registered update handler for update: ${name}`);
}

/** Rejects an update with `error` as its failure. */
export function rejectUpdate(activator: Activator, protocolInstanceId: string, error: unknown): void {
  activator.pushCommand({
    updateResponse: { protocolInstanceId, rejected: activator.errorToFailure(ensureTemporalFailure(error)) },
  });
}

/** Delivers buffered updates that now have a handler, in arrival order. */
export function dispatchBufferedUpdates(activator: Activator): void {
  const pending = activator.bufferedUpdates.splice(0);
  for (const job of pending) {
    if (activator.updateHandlers.has(job.name ?? '') || activator.defaultUpdateHandler) doUpdate(activator, job);
    else activator.bufferedUpdates.push(job);
  }
}

/** Rejects the updates that never got a handler during the activation. */
export function rejectBufferedUpdates(activator: Activator): void {
  for (const job of activator.bufferedUpdates.splice(0)) {
    rejectUpdate(
      activator,
      job.protocolInstanceId ?? '',
      ApplicationFailure.nonRetryable(`No registered handler for update: ${job.name}`),
    );
  }
}

/** Logs a warning (TMPRL1102) about handlers still running when the workflow finishes. */
export function warnIfUnfinishedHandlers(activator: Activator): void {
  if (activator.workflowTaskError !== undefined) return;
  const warned = (handlers: Iterable<RunningHandler>) =>
    [...handlers].filter((h) => h.unfinishedPolicy === HandlerUnfinishedPolicy.WARN_AND_ABANDON);
  const updates = warned(activator.inProgressUpdates.values());
  const signals = warned(activator.inProgressSignals.values());
  const advice =
    'Wait for handlers with `await condition(allHandlersFinished)` before the workflow returns, or set ' +
    '`unfinishedPolicy: HandlerUnfinishedPolicy.ABANDON` on the handler if cutting it short is acceptable.';
  if (updates.length > 0) {
    activator.logWarning(
      `[TMPRL1102] Workflow finished while an update handler was still running. The handler's work was cut ` +
        `short and the update's caller gets an error instead of a result. ${advice}`,
      { unfinishedUpdateHandlers: updates.map((h) => ({ name: h.name, id: h.id })) },
    );
  }
  if (signals.length > 0) {
    const counts = new Map<string, number>();
    for (const h of signals) counts.set(h.name, (counts.get(h.name) ?? 0) + 1);
    activator.logWarning(
      `[TMPRL1102] Workflow finished while a signal handler was still running. The handler's work was cut ` +
        `short. ${advice}`,
      { unfinishedSignalHandlers: [...counts].map(([name, count]) => ({ name, count })) },
    );
  }
}
