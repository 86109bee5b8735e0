import type { SignalDefinition, SignalTypeInfo, Workflow, WorkflowResultType } from './interfaces';
import type { PayloadTypeInfo } from './type-info';

/**
 * Extra settings for `signal` when the signal is given by its name.
 *
 * @experimental
 */
export interface WorkflowSignalOptions<Args extends unknown[] = []> {
  /** Arguments of the signal. */
  args?: Args;
  /** How the signal arguments are turned into payloads. */
  typeInfo?: SignalTypeInfo;
}

/**
 * Extra settings for `query` when the query is given by its name.
 *
 * @experimental
 */
export interface WorkflowQueryOptions<Args extends unknown[] = []> {
  /** Arguments of the query. */
  args?: Args;
  /** How the query arguments and the answer are converted. */
  typeInfo?: PayloadTypeInfo;
}

/** The workflow handle methods shared by the client and workflow packages, which extend it. */
export interface BaseWorkflowHandle<T extends Workflow> {
  /** Resolves with the workflow's result when the execution completes. */
  result(): Promise<WorkflowResultType<T>>;

  /**
   * Sends a signal to the running workflow, given its definition (from `defineSignal`) or its name. To pass
   * type information with a name, use {@link signalWithOptions}.
   *
   * @example
   * ```ts
   * await handle.signal(incrementSignal, 3);
   * ```
   */
  signal<Args extends unknown[] = [], Name extends string = string>(
    def: SignalDefinition<Args, Name> | string,
    ...args: Args
  ): Promise<void>;

  /**
   * Sends a signal by name with options, including call-site type information.
   *
   * @experimental
   */
  signalWithOptions<Args extends unknown[] = []>(
    signalName: string,
    options: WorkflowSignalOptions<Args>,
  ): Promise<void>;

  /** The workflow id. */
  readonly workflowId: string;
}
