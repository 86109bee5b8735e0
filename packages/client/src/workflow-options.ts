/**
 * Options for starting Workflows and sending them Updates and Signals from the client.
 *
 * @module
 */
import type {
  CommonWorkflowOptions,
  PayloadTypeInfo,
  SignalDefinition,
  SignalTypeInfo,
  VersioningOverride,
  WithWorkflowArgs,
  Workflow,
} from '@kairos/common';
import { toCanonicalString } from '@kairos/common';
import type { Duration } from '@kairos/common/lib/time';
import { msOptionalToTs } from '@kairos/common/lib/time';
import type { Replace } from '@kairos/common/lib/type-helpers';
import type { google } from '@kairos/proto';
import { temporal } from '@kairos/proto';

export * from '@kairos/common/lib/workflow-options';

/** {@link WorkflowOptions} as passed to client interceptors: durations compiled to protobuf, `args` always present. */
export interface CompiledWorkflowOptions extends WithCompiledWorkflowOptions<WorkflowOptions> {
  /** Workflow arguments. */
  args: unknown[];
}

/** Options for starting a Workflow from the client. */
export interface WorkflowOptions extends CommonWorkflowOptions {
  /**
   * Id of the Workflow: a meaningful business id, unique among the namespace's open Workflows (see
   * {@link workflowIdReusePolicy} and {@link workflowIdConflictPolicy}). Required and non-empty.
   */
  workflowId: string;
  /** Task queue of the Workflow's tasks: the one a worker hosting the Workflow polls. Required and non-empty. */
  taskQueue: string;
  /**
   * Whether {@link WorkflowHandle.result} follows the chain of runs created by continue-as-new, cron and
   * Workflow retries, returning the result of the last run.
   *
   * @default true
   */
  followRuns?: boolean;
  /** How long the server waits before dispatching the first Workflow task. */
  startDelay?: Duration;
  /** Versioning behaviour to force on the Workflow, overriding its own. */
  versioningOverride?: VersioningOverride;
  /**
   * Ask the server to hand the first Workflow task to a worker sharing this client's connection. Only
   * supported over a worker's native connection.
   */
  requestEagerStart?: boolean;
  /**
   * Type information for encoding the arguments and decoding the result.
   *
   * @experimental
   */
  typeInfo?: PayloadTypeInfo;
}

/** Replaces the duration options of `T` with their protobuf form. */
export type WithCompiledWorkflowOptions<T extends WorkflowOptions> = Replace<
  T,
  {
    workflowExecutionTimeout?: google.protobuf.IDuration;
    workflowRunTimeout?: google.protobuf.IDuration;
    workflowTaskTimeout?: google.protobuf.IDuration;
    startDelay?: google.protobuf.IDuration;
    versioningOverride?: temporal.api.workflow.v1.IVersioningOverride;
  }
>;

/**
 * Converts the durations of `options` to protobuf and the versioning override to its protobuf form.
 *
 * @throws if a duration is not a valid number of milliseconds or duration string.
 */
export function compileWorkflowOptions<T extends WorkflowOptions>(options: T): WithCompiledWorkflowOptions<T> {
  const compiled: Record<PropertyKey, unknown> = { ...(options as object) };
  for (const key of DURATION_OPTIONS) compiled[key] = msOptionalToTs(options[key]);
  compiled.versioningOverride = compileVersioningOverride(options.versioningOverride);
  return compiled as WithCompiledWorkflowOptions<T>;
}

/** The options that hold durations, converted in this order. */
const DURATION_OPTIONS = [
  'workflowExecutionTimeout',
  'workflowRunTimeout',
  'workflowTaskTimeout',
  'startDelay',
] as const;

function compileVersioningOverride(
  override: VersioningOverride | undefined,
): temporal.api.workflow.v1.IVersioningOverride | undefined {
  if (override == null) return undefined;
  const { VERSIONING_BEHAVIOR_AUTO_UPGRADE, VERSIONING_BEHAVIOR_PINNED } = temporal.api.enums.v1.VersioningBehavior;
  if (override === 'AUTO_UPGRADE') return { behavior: VERSIONING_BEHAVIOR_AUTO_UPGRADE, autoUpgrade: true };
  // Pinned: say so both in the current shape (`pinned`) and in the older fields servers may still read.
  const version = override.pinnedTo;
  const { PINNED_OVERRIDE_BEHAVIOR_PINNED } = temporal.api.workflow.v1.VersioningOverride.PinnedOverrideBehavior;
  return {
    behavior: VERSIONING_BEHAVIOR_PINNED,
    pinnedVersion: toCanonicalString(version),
    pinned: { version, behavior: PINNED_OVERRIDE_BEHAVIOR_PINNED },
  };
}

/** Options of an Update call. */
export interface WorkflowUpdateOptions {
  /**
   * Id of the Update, unique per Workflow run; a second Update with the same id on the same run gets the
   * first one's handle. Use a business id or idempotency key.
   *
   * @default a random UUID
   */
  readonly updateId?: string;
  /**
   * Type information for the arguments and result, when the Update is named by a string.
   *
   * @experimental
   */
  typeInfo?: PayloadTypeInfo;
}

type WorkflowSignalWithStartOptionsBase<SignalArgs extends unknown[]> = SignalArgs extends [unknown, ...unknown[]]
  ? WorkflowSignalWithStartOptionsWithArgs<SignalArgs>
  : WorkflowSignalWithStartOptionsWithoutArgs<SignalArgs>;

type SignalWithStartTypeInfoOptions =
  | { signalTypeInfo?: never }
  | {
      signal: string;
      /**
       * Type information for the Signal arguments, when the Signal is named by a string.
       *
       * @experimental
       */
      signalTypeInfo?: SignalTypeInfo;
    };

/** Options of {@link WorkflowClient.signalWithStart}: the start options plus the Signal and its arguments. */
export type WorkflowSignalWithStartOptions<SignalArgs extends unknown[] = []> =
  WorkflowSignalWithStartOptionsBase<SignalArgs> & SignalWithStartTypeInfoOptions;

/** {@link WorkflowSignalWithStartOptions} for a Signal without arguments. */
export interface WorkflowSignalWithStartOptionsWithoutArgs<SignalArgs extends unknown[]> extends Omit<
  WorkflowOptions,
  'requestEagerStart'
> {
  /** The Signal, as a definition or a name. */
  signal: SignalDefinition<SignalArgs> | string;
  /** Arguments of the Signal. */
  signalArgs?: SignalArgs;
}

/** {@link WorkflowSignalWithStartOptions} for a Signal with arguments. */
export interface WorkflowSignalWithStartOptionsWithArgs<SignalArgs extends unknown[]> extends Omit<
  WorkflowOptions,
  'requestEagerStart'
> {
  /** The Signal, as a definition or a name. */
  signal: SignalDefinition<SignalArgs> | string;
  /** Arguments of the Signal. */
  signalArgs: SignalArgs;
}

/** Options for starting a Workflow: {@link WorkflowOptions}, with `args` required when the Workflow takes arguments. */
export type WorkflowStartOptions<T extends Workflow = Workflow> = WithWorkflowArgs<T, WorkflowOptions>;
