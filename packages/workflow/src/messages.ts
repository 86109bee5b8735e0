/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
/**
 * Signals, queries and updates: definitions and handlers.
 *
 * @module
 */
import {
  HandlerUnfinishedPolicy,
  type QueryDefinition,
  type QueryDefinitionOptions,
  type SignalDefinition,
  type SignalDefinitionOptions,
  type UpdateDefinition,
  type UpdateDefinitionOptions,
} from '@kairos/common';
import { throwIfReservedName } from '@kairos/common/lib/reserved';
import { assertInWorkflowContext } from './global-attributes';
import type {
  DefaultQueryHandler,
  DefaultSignalHandler,
  DefaultUpdateHandler,
  Handler,
  QueryHandlerOptions,
  SignalHandlerOptions,
  UpdateHandlerOptions,
} from './interfaces';
import { dispatchBufferedSignals, dispatchBufferedUpdates } from './message-jobs';

/** Defines an update: a named, typed request that can change the workflow and return a value. */
export function defineUpdate<Ret, Args extends any[] = [], Name extends string = string>(
  name: Name,
  options?: UpdateDefinitionOptions,
): UpdateDefinition<Ret, Args, Name> {
  return { type: 'update', name, ...(options?.typeInfo ? { typeInfo: options.typeInfo } : {}) } as UpdateDefinition<
    Ret,
    Args,
    Name
  >;
}

/** Defines a signal: a named, typed one-way message to the workflow. */
export function defineSignal<Args extends any[] = [], Name extends string = string>(
  name: Name,
  options?: SignalDefinitionOptions,
): SignalDefinition<Args, Name> {
  return { type: 'signal', name, ...(options?.typeInfo ? { typeInfo: options.typeInfo } : {}) } as SignalDefinition<
    Args,
    Name
  >;
}

/** Defines a query: a named, typed read of the workflow's state. */
export function defineQuery<Ret, Args extends any[] = [], Name extends string = string>(
  name: Name,
  options?: QueryDefinitionOptions,
): QueryDefinition<Ret, Args, Name> {
  return { type: 'query', name, ...(options?.typeInfo ? { typeInfo: options.typeInfo } : {}) } as QueryDefinition<
    Ret,
    Args,
    Name
  >;
}

/** Sets (or with `undefined` removes) the handler of a query. */
export function setHandler<Ret, Args extends any[], T extends QueryDefinition<Ret, Args>>(
  def: T,
  handler: Handler<Ret, Args, T> | undefined,
  options?: QueryHandlerOptions,
): void;
/** Sets (or with `undefined` removes) the handler of a signal; buffered signals of that name are delivered now. */
export function setHandler<Ret, Args extends any[], T extends SignalDefinition<Args>>(
  def: T,
  handler: Handler<Ret, Args, T> | undefined,
  options?: SignalHandlerOptions,
): void;
/** Sets (or with `undefined` removes) the handler of an update; buffered updates of that name are run now. */
export function setHandler<Ret, Args extends any[], T extends UpdateDefinition<Ret, Args>>(
  def: T,
  handler: Handler<Ret, Args, T> | undefined,
  options?: UpdateHandlerOptions<Args>,
): void;
export function setHandler(
  def: SignalDefinition<any[]> | QueryDefinition<any, any[]> | UpdateDefinition<any, any[]>,
  handler: ((...args: any[]) => any) | undefined,
  options?: QueryHandlerOptions | SignalHandlerOptions | UpdateHandlerOptions<any[]>,
): void {
  const activator = assertInWorkflowContext('Workflow.setHandler(...) may only be used from a Workflow Execution.');
  const description = options?.description;
  if (def.type === 'update') {
    throwIfReservedName('update', def.name);
    if (typeof handler === 'function') {
      const updateOptions = options as UpdateHandlerOptions<any[]> | undefined;
      const validator = updateOptions?.validator;
      if (validator !== undefined && typeof validator !== 'function') {
        throw new TypeError(`Validator must be a function, got ${typeof validator}`);
      }
      activator.updateHandlers.set(def.name, {
        handler,
        validator,
        description,
        unfinishedPolicy: updateOptions?.unfinishedPolicy ?? HandlerUnfinishedPolicy.WARN_AND_ABANDON,
      });
      dispatchBufferedUpdates(activator);
    } else if (handler === undefined || handler === null) {
      activator.updateHandlers.delete(def.name);
    } else {
      throw new TypeError(`Expected handler to be either a function or 'undefined'. Got: '${typeof handler}'`);
    }
  } else if (def.type === 'signal') {
    throwIfReservedName('signal', def.name);
    if (typeof handler === 'function') {
      activator.signalHandlers.set(def.name, {
        handler,
        description,
        unfinishedPolicy:
          (options as SignalHandlerOptions | undefined)?.unfinishedPolicy ?? HandlerUnfinishedPolicy.WARN_AND_ABANDON,
      });
      dispatchBufferedSignals(activator);
    } else if (handler === undefined || handler === null) {
      activator.signalHandlers.delete(def.name);
    } else {
      throw new TypeError(`Expected handler to be either a function or 'undefined'. Got: '${typeof handler}'`);
    }
  } else if (def.type === 'query') {
    throwIfReservedName('query', def.name);
    if (typeof handler === 'function') {
      activator.queryHandlers.set(def.name, { handler, description });
    } else if (handler === undefined || handler === null) {
      activator.queryHandlers.delete(def.name);
    } else {
      throw new TypeError(`Expected handler to be either a function or 'undefined'. Got: '${typeof handler}'`);
    }
  } else {
    throw new TypeError(`Invalid definition type: ${(def as { type: string }).type}`);
  }
}

/** Handles every signal that has no handler of its own; buffered signals are delivered to it now. */
export function setDefaultSignalHandler(handler: DefaultSignalHandler | undefined): void {
  const activator = assertInWorkflowContext(
    'Workflow.setDefaultSignalHandler(...) may only be used from a Workflow Execution.',
  );
  if (typeof handler === 'function') {
    activator.defaultSignalHandler = handler;
    dispatchBufferedSignals(activator);
  } else if (handler === undefined || handler === null) {
    activator.defaultSignalHandler = undefined;
  } else {
    throw new TypeError(`Expected handler to be either a function or 'undefined'. Got: '${typeof handler}'`);
  }
}

/** Handles every update that has no handler of its own; buffered updates are run by it now. */
export function setDefaultUpdateHandler(handler: DefaultUpdateHandler | undefined): void {
  const activator = assertInWorkflowContext(
    'Workflow.setDefaultUpdateHandler(...) may only be used from a Workflow Execution.',
  );
  if (typeof handler === 'function') {
    activator.defaultUpdateHandler = { handler, unfinishedPolicy: HandlerUnfinishedPolicy.WARN_AND_ABANDON };
    dispatchBufferedUpdates(activator);
  } else if (handler === undefined || handler === null) {
    activator.defaultUpdateHandler = undefined;
  } else {
    throw new TypeError(`Expected handler to be either a function or 'undefined'. Got: '${typeof handler}'`);
  }
}

/** Answers every query that has no handler of its own. */
export function setDefaultQueryHandler(handler: DefaultQueryHandler | undefined): void {
  const activator = assertInWorkflowContext(
    'Workflow.setDefaultQueryHandler(...) may only be used from a Workflow Execution.',
  );
  if (typeof handler === 'function') {
    activator.defaultQueryHandler = handler;
  } else if (handler === undefined || handler === null) {
    activator.defaultQueryHandler = undefined;
  } else {
    throw new TypeError(`Expected handler to be either a function or 'undefined'. Got: '${typeof handler}'`);
  }
}

/** Whether no signal or update handler is running; `await condition(allHandlersFinished)` before returning. */
export function allHandlersFinished(): boolean {
  const activator = assertInWorkflowContext('allHandlersFinished() may only be used from a Workflow Execution.');
  return activator.allHandlersFinished();
}
