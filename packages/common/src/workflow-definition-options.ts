import type { PayloadTypeInfo } from './type-info';
import type { VersioningBehavior } from './worker-deployments';

/**
 * Options attached to a workflow function where it is defined.
 *
 * @experimental
 */
export interface WorkflowDefinitionConfig {
  /** Options, possibly computed by a function that runs anew for every execution. */
  workflowDefinitionOptions?: WorkflowDefinitionOptionsOrGetter;
  /** Static metadata needed before the workflow input is decoded. */
  staticOptions?: WorkflowStaticOptions;
}

/** Options of a workflow definition, as given to `setWorkflowOptions`. */
export interface WorkflowDefinitionOptions {
  /** The versioning behavior of the workflow. */
  versioningBehavior?: VersioningBehavior;
  /**
   * Error classes that, thrown by the workflow function or a signal or update handler, fail the workflow execution
   * (or the update) instead of failing the workflow task, which would be retried. Subclasses match too; `Error`
   * matches everything except non-determinism errors. Combined with the worker's `workflowFailureErrorTypes`.
   *
   * @experimental
   */
  failureExceptionTypes?: Array<new (...args: never[]) => Error>;
}

/** Static options of a workflow definition. */
export interface WorkflowStaticOptions {
  /**
   * How the workflow's arguments and result are converted to and from payloads.
   *
   * @experimental
   */
  typeInfo?: PayloadTypeInfo;
}

type AsyncFunction<Args extends unknown[], ReturnType> = (...args: Args) => Promise<ReturnType>;

/** Workflow definition options, or a function returning them. */
export type WorkflowDefinitionOptionsOrGetter = WorkflowDefinitionOptions | (() => WorkflowDefinitionOptions);

/**
 * A workflow function with definition options attached.
 *
 * @internal
 */
export interface WorkflowFunctionWithOptions<Args extends unknown[], ReturnType> extends AsyncFunction<
  Args,
  ReturnType
> {
  /** The attached options. */
  workflowDefinitionOptions: WorkflowDefinitionOptionsOrGetter;
}

/**
 * A workflow function with static options attached.
 *
 * @internal
 */
export interface WorkflowFunctionWithStaticOptions<Args extends unknown[], ReturnType> extends AsyncFunction<
  Args,
  ReturnType
> {
  /** The attached static options. */
  staticOptions: WorkflowStaticOptions;
}

/**
 * Whether `obj` is a function with its own `workflowDefinitionOptions` property.
 *
 * @internal
 */
export function isWorkflowFunctionWithOptions(obj: unknown): obj is WorkflowFunctionWithOptions<never[], unknown> {
  return typeof obj === 'function' && Object.hasOwn(obj, 'workflowDefinitionOptions');
}

/**
 * Whether `obj` is a function with its own `staticOptions` object.
 *
 * @internal
 */
export function isWorkflowFunctionWithStaticOptions(
  obj: unknown,
): obj is WorkflowFunctionWithStaticOptions<never[], unknown> {
  if (typeof obj !== 'function' || !Object.hasOwn(obj, 'staticOptions')) return false;
  const { staticOptions } = obj as unknown as { staticOptions: unknown };
  return typeof staticOptions === 'object' && staticOptions !== null;
}
