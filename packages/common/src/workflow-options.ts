import type { temporal } from '@kairos/proto';
import type { Workflow } from './interfaces';
import { makeProtoEnumConverters } from './internal-workflow/enums-helpers';
import type { Priority } from './priority';
import type { RetryPolicy } from './retry-policy';
import type { SearchAttributePair, SearchAttributes, TypedSearchAttributes } from './search-attributes';
import type { Duration } from './time';
import type { PayloadTypeInfo } from './type-info';
import { isWorkflowFunctionWithStaticOptions } from './workflow-definition-options';

/**
 * What happens when starting a workflow whose id belongs to a *closed* workflow (for a *running* one, see
 * {@link WorkflowIdConflictPolicy}).
 */
export const WorkflowIdReusePolicy = {
  /** Start the workflow if the previous one is closed, whatever its outcome. The default. */
  ALLOW_DUPLICATE: 'ALLOW_DUPLICATE',
  /** Start the workflow only if the previous one did not complete successfully. */
  ALLOW_DUPLICATE_FAILED_ONLY: 'ALLOW_DUPLICATE_FAILED_ONLY',
  /** Never start a workflow with this id again. */
  REJECT_DUPLICATE: 'REJECT_DUPLICATE',
  /**
   * Terminate the running workflow with this id, if any, then start.
   *
   * @deprecated Use `ALLOW_DUPLICATE` with `workflowIdConflictPolicy: 'TERMINATE_EXISTING'`.
   */
  TERMINATE_IF_RUNNING: 'TERMINATE_IF_RUNNING',

  /** @deprecated Leave the option unset, or use {@link WorkflowIdReusePolicy.ALLOW_DUPLICATE}. */
  WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED: undefined,
  /** @deprecated Use {@link WorkflowIdReusePolicy.ALLOW_DUPLICATE}. */
  WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE: 'ALLOW_DUPLICATE',
  /** @deprecated Use {@link WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY}. */
  WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY: 'ALLOW_DUPLICATE_FAILED_ONLY',
  /** @deprecated Use {@link WorkflowIdReusePolicy.REJECT_DUPLICATE}. */
  WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE: 'REJECT_DUPLICATE',
  /** @deprecated Use {@link WorkflowIdReusePolicy.TERMINATE_IF_RUNNING}. */
  WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING: 'TERMINATE_IF_RUNNING',
} as const;
/** What happens when starting a workflow whose id belongs to a closed workflow. */
export type WorkflowIdReusePolicy = (typeof WorkflowIdReusePolicy)[keyof typeof WorkflowIdReusePolicy];

type ProtoWorkflowIdReusePolicy = temporal.api.enums.v1.WorkflowIdReusePolicy;
const WORKFLOW_ID_REUSE_POLICY_PREFIX = 'WORKFLOW_ID_REUSE_POLICY_';

/** Maps {@link WorkflowIdReusePolicy} to `temporal.api.enums.v1.WorkflowIdReusePolicy` numbers and back. */
export const [encodeWorkflowIdReusePolicy, decodeWorkflowIdReusePolicy] = makeProtoEnumConverters<
  ProtoWorkflowIdReusePolicy,
  typeof WorkflowIdReusePolicy,
  typeof WORKFLOW_ID_REUSE_POLICY_PREFIX
>(
  { UNSPECIFIED: 0, ALLOW_DUPLICATE: 1, ALLOW_DUPLICATE_FAILED_ONLY: 2, REJECT_DUPLICATE: 3, TERMINATE_IF_RUNNING: 4 },
  WORKFLOW_ID_REUSE_POLICY_PREFIX,
);

/**
 * What happens when starting a workflow whose id belongs to a *running* workflow (for a *closed* one, see
 * {@link WorkflowIdReusePolicy}).
 */
export const WorkflowIdConflictPolicy = {
  /** Do not start; fail with a `WorkflowExecutionAlreadyStartedError`. */
  FAIL: 'FAIL',
  /** Do not start; return a handle to the running workflow. */
  USE_EXISTING: 'USE_EXISTING',
  /** Terminate the running workflow, then start a new one. */
  TERMINATE_EXISTING: 'TERMINATE_EXISTING',
} as const;
/** What happens when starting a workflow whose id belongs to a running workflow. */
export type WorkflowIdConflictPolicy = (typeof WorkflowIdConflictPolicy)[keyof typeof WorkflowIdConflictPolicy];

type ProtoWorkflowIdConflictPolicy = temporal.api.enums.v1.WorkflowIdConflictPolicy;
const WORKFLOW_ID_CONFLICT_POLICY_PREFIX = 'WORKFLOW_ID_CONFLICT_POLICY_';

/** Maps {@link WorkflowIdConflictPolicy} to `temporal.api.enums.v1.WorkflowIdConflictPolicy` numbers and back. */
export const [encodeWorkflowIdConflictPolicy, decodeWorkflowIdConflictPolicy] = makeProtoEnumConverters<
  ProtoWorkflowIdConflictPolicy,
  typeof WorkflowIdConflictPolicy,
  typeof WORKFLOW_ID_CONFLICT_POLICY_PREFIX
>({ UNSPECIFIED: 0, FAIL: 1, USE_EXISTING: 2, TERMINATE_EXISTING: 3 }, WORKFLOW_ID_CONFLICT_POLICY_PREFIX);

/** Options shared by starting a workflow from a client and starting a child workflow. */
export interface BaseWorkflowOptions {
  /**
   * What happens when the id belongs to a closed workflow.
   *
   * @default 'ALLOW_DUPLICATE'
   */
  workflowIdReusePolicy?: WorkflowIdReusePolicy;
  /**
   * What happens when the id belongs to a running workflow.
   *
   * @default unset: the server fails the start
   */
  workflowIdConflictPolicy?: WorkflowIdConflictPolicy;
  /**
   * How the workflow execution is retried when it fails.
   *
   * @default no retries
   */
  retry?: RetryPolicy;
  /**
   * A cron schedule (UTC) on which the workflow runs again after each run closes. Retries of a failed run happen
   * before the next scheduled run; a run due while the previous one is still going is skipped.
   */
  cronSchedule?: string;
  /** Non-indexed information attached to the execution, converted with the data converter. */
  memo?: Record<string, unknown>;
  /**
   * Indexed information attached to the execution, always converted as JSON (never encoded by codecs).
   *
   * @deprecated Use {@link typedSearchAttributes}.
   */
  searchAttributes?: SearchAttributes;
  /**
   * Typed, indexed information attached to the execution. Always converted as JSON and never encoded, so do not
   * put sensitive data here. Wins over {@link searchAttributes} for the same name.
   */
  typedSearchAttributes?: SearchAttributePair[] | TypedSearchAttributes;
  /** Fixed details of the execution shown in the UI and CLI (Temporal markdown, may span lines). */
  staticDetails?: string;
  /** A fixed one-line summary of the execution shown in the UI and CLI (Temporal markdown). */
  staticSummary?: string;
  /** The priority of the workflow's tasks. */
  priority?: Priority;
}

/** `T` plus the workflow `args`, required when workflow `W` takes at least one argument. */
export type WithWorkflowArgs<W extends Workflow, T> = T &
  (Parameters<W> extends [unknown, ...unknown[]]
    ? {
        /** The workflow function's arguments, in order. */
        args: Parameters<W> | Readonly<Parameters<W>>;
      }
    : {
        /** The workflow function's arguments, in order. */
        args?: Parameters<W> | Readonly<Parameters<W>>;
      });

/** Timeouts of a workflow execution. Prefer timers in the workflow for business-level deadlines. */
export interface WorkflowDurationOptions {
  /**
   * Maximum time of a single workflow run, after which the server terminates it.
   *
   * @default unlimited
   * @format number of milliseconds or a duration string such as `'30s'`
   */
  workflowRunTimeout?: Duration;
  /**
   * Maximum time of the whole execution, retries and continue-as-new included, after which the server
   * terminates it.
   *
   * @default unlimited
   * @format number of milliseconds or a duration string such as `'30s'`
   */
  workflowExecutionTimeout?: Duration;
  /**
   * Maximum time of a single workflow task.
   *
   * @default 10 seconds
   * @format number of milliseconds or a duration string such as `'30s'`
   */
  workflowTaskTimeout?: Duration;
}

/** {@link BaseWorkflowOptions} and {@link WorkflowDurationOptions}. */
export type CommonWorkflowOptions = BaseWorkflowOptions & WorkflowDurationOptions;

/** A workflow type name with its type information. */
export interface WorkflowTypeOptions {
  /** The workflow type name. */
  type: string;
  /** Conversion details for the arguments and the result. */
  typeInfo?: PayloadTypeInfo;
}

/**
 * The workflow type name (the function's name, or the string itself) and type information (the call-site one for
 * a name, the function's static options for a function).
 *
 * @throws `TypeError` for an anonymous function, for call-site type information given with a function, or for
 * anything that is neither a string nor a function.
 */
export function extractWorkflowTypeAndConfig<T extends Workflow>(
  workflowTypeOrFunc: string | T,
  callSiteTypeInfo?: PayloadTypeInfo,
): WorkflowTypeOptions {
  switch (typeof workflowTypeOrFunc) {
    case 'string':
      return { type: workflowTypeOrFunc, typeInfo: callSiteTypeInfo };
    case 'function':
      return workflowFunctionTypeOptions(workflowTypeOrFunc, callSiteTypeInfo);
    default:
      throw new TypeError(
        `Invalid workflow type: expected either a string or a function, got '${typeof workflowTypeOrFunc}'`,
      );
  }
}

/** Type information belongs on the function itself (its static options), not at the call site. */
const CALL_SITE_TYPE_INFO_WITH_FUNCTION = [
  'Workflow type information cannot be supplied at the call site when using a workflow function.',
  'Use defineWorkflowOptions(..., { staticOptions: { typeInfo } }) on the workflow function instead,',
  'or pass the workflow type as a string.',
].join(' ');

/** {@link extractWorkflowTypeAndConfig} for a workflow function: its name, and its static type information. */
function workflowFunctionTypeOptions(
  workflow: Workflow,
  callSiteTypeInfo: PayloadTypeInfo | undefined,
): WorkflowTypeOptions {
  const type = workflow.name;
  if (!type) throw new TypeError('Invalid workflow type: the workflow function is anonymous');
  if (callSiteTypeInfo !== undefined) throw new TypeError(CALL_SITE_TYPE_INFO_WITH_FUNCTION);
  const typeInfo = isWorkflowFunctionWithStaticOptions(workflow) ? workflow.staticOptions.typeInfo : undefined;
  return { type, typeInfo };
}

/** The workflow type name: the string itself, or the function's name. */
export function extractWorkflowType<T extends Workflow>(workflowTypeOrFunc: string | T): string {
  return extractWorkflowTypeAndConfig(workflowTypeOrFunc).type;
}
