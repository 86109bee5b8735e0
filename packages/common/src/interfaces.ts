/*
 * The function types below keep the `any` of the official SDK's signatures on purpose: `any[]` parameters make
 * every typed function assignable to them and make untyped handles callable with any arguments, and the `any`
 * results let `await client.workflow.execute('name', ...)` and untyped activity proxies return a value that can
 * be assigned to a typed variable. `unknown` or `never` would break code written against the official SDK.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { temporal } from '@kairos/proto';
import type { PayloadTypeInfo } from './type-info';

/** The protobuf `temporal.api.common.v1.Payload` message (metadata and data bytes), as a plain object. */
export type Payload = temporal.api.common.v1.IPayload;

/** What a workflow function returns. */
export type WorkflowReturnType = Promise<any>;

/** The type of an update handler. */
export type WorkflowUpdateType = (...args: any[]) => Promise<any> | any;

/** The type of an update validator: it throws to reject the update. */
export type WorkflowUpdateValidatorType = (...args: any[]) => void;

/** An update handler registered with its options. */
export type WorkflowUpdateAnnotatedType = {
  /** The handler. */
  handler: WorkflowUpdateType;
  /** What to do if the workflow finishes while this handler runs. */
  unfinishedPolicy: HandlerUnfinishedPolicy;
  /** Runs before the handler and rejects the update by throwing. */
  validator?: WorkflowUpdateValidatorType;
  /** Shown in the UI and CLI. */
  description?: string;
  /** Conversion details for the arguments and the result. */
  typeInfo?: PayloadTypeInfo;
};

/** The type of a signal handler. */
export type WorkflowSignalType = (...args: any[]) => Promise<void> | void;

/** A signal handler registered with its options. */
export type WorkflowSignalAnnotatedType = {
  /** The handler. */
  handler: WorkflowSignalType;
  /** What to do if the workflow finishes while this handler runs. */
  unfinishedPolicy: HandlerUnfinishedPolicy;
  /** Shown in the UI and CLI. */
  description?: string;
  /** Conversion details for the arguments. */
  typeInfo?: SignalTypeInfo;
};

/** The type of a query handler. */
export type WorkflowQueryType = (...args: any[]) => any;

/** A query handler registered with its options. */
export type WorkflowQueryAnnotatedType = {
  /** The handler. */
  handler: WorkflowQueryType;
  /** Shown in the UI and CLI. */
  description?: string;
  /** Conversion details for the arguments and the result. */
  typeInfo?: PayloadTypeInfo;
};

/**
 * Any workflow function. Specific workflows have narrower types such as
 * `(arg1: number, arg2: string) => Promise<string>`.
 */
export type Workflow = (...args: any[]) => WorkflowReturnType;

declare const argsBrand: unique symbol;
declare const retBrand: unique symbol;

/**
 * Options of an {@link UpdateDefinition}.
 *
 * @experimental
 */
export interface UpdateDefinitionOptions {
  /** How the update's arguments and return value map to payloads. */
  typeInfo?: PayloadTypeInfo;
}

/**
 * An update definition, as returned by `defineUpdate`. `Args` and `Ret` type the handler and the handle methods;
 * `Name` can keep the name as a string literal type.
 */
export interface UpdateDefinition<Ret, Args extends any[] = [], Name extends string = string> {
  /** Always `'update'`. */
  type: 'update';
  /** The update name. */
  name: Name;
  /** How the update's arguments and return value map to payloads. */
  typeInfo?: PayloadTypeInfo;
  /** Type-level brand for the arguments; not present at run time. */
  [argsBrand]: Args;
  /** Type-level brand for the result; not present at run time. */
  [retBrand]: Ret;
}

/** Conversion details of a signal, which has arguments but no result. */
export type SignalTypeInfo = Pick<PayloadTypeInfo, 'inputTypes'>;

/**
 * Options of a {@link SignalDefinition}.
 *
 * @experimental
 */
export interface SignalDefinitionOptions {
  /** How the signal's arguments map to payloads. */
  typeInfo?: SignalTypeInfo;
}

/**
 * A signal definition, as returned by `defineSignal`. `Args` types the handler and `handle.signal()`; `Name` can
 * keep the name as a string literal type.
 */
export interface SignalDefinition<Args extends any[] = [], Name extends string = string> {
  /** Always `'signal'`. */
  type: 'signal';
  /** The signal name. */
  name: Name;
  /** How the signal's arguments map to payloads. */
  typeInfo?: SignalTypeInfo;
  /** Type-level brand for the arguments; not present at run time. */
  [argsBrand]: Args;
}

/**
 * Options of a {@link QueryDefinition}.
 *
 * @experimental
 */
export interface QueryDefinitionOptions {
  /** How the query's arguments and answer map to payloads. */
  typeInfo?: PayloadTypeInfo;
}

/**
 * A query definition, as returned by `defineQuery`. `Args` and `Ret` type the handler and `handle.query()`;
 * `Name` can keep the name as a string literal type.
 */
export interface QueryDefinition<Ret, Args extends any[] = [], Name extends string = string> {
  /** Always `'query'`. */
  type: 'query';
  /** The query name. */
  name: Name;
  /** How the query's arguments and answer map to payloads. */
  typeInfo?: PayloadTypeInfo;
  /** Type-level brand for the arguments; not present at run time. */
  [argsBrand]: Args;
  /** Type-level brand for the result; not present at run time. */
  [retBrand]: Ret;
}

/** The result type of workflow `W`, without the `Promise`. */
export type WorkflowResultType<W extends Workflow> = ReturnType<W> extends Promise<infer R> ? R : never;

/** An activity function: any function returning a promise. */
export interface ActivityFunction<P extends any[] = any[], R = any> {
  /** Runs the activity with its arguments and resolves with its result. */
  (...args: P): Promise<R>;
}

/**
 * Activity implementations, keyed by activity type name.
 *
 * @deprecated Use {@link UntypedActivities}.
 */
export type ActivityInterface = Record<string, ActivityFunction>;

/** Activity implementations keyed by name, for calling activities whose types are not known statically. */
export type UntypedActivities = Record<string, ActivityFunction>;

/** A workflow history with the id of its workflow, as given to replay. */
export interface HistoryAndWorkflowId {
  /** The workflow id. */
  workflowId: string;
  /** The history: a `History` message or its proto3 JSON form. */
  history: temporal.api.history.v1.History | unknown | undefined;
}

/**
 * What happens to signal and update handlers still running when the workflow finishes (returns, fails, is
 * cancelled or continues as new).
 */
export const HandlerUnfinishedPolicy = {
  /** Log a warning and abandon the handler. No warning is logged if the workflow fails. */
  WARN_AND_ABANDON: 'WARN_AND_ABANDON',
  /** Abandon the handler silently; an update's caller receives an error instead of a result. */
  ABANDON: 'ABANDON',
} as const;
/** What happens to handlers still running when the workflow finishes. */
export type HandlerUnfinishedPolicy = (typeof HandlerUnfinishedPolicy)[keyof typeof HandlerUnfinishedPolicy];
