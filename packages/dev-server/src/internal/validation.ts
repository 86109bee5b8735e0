// Request checks the real frontend makes before it looks anything up, with its messages (clients and tests
// match on them): ids and names within the length limit, run ids that are UUIDs, durations that are valid,
// task queues outside the reserved `/_sys/` prefix.
import type { temporal } from '@kairos/proto';
import { invalidArgument } from '../errors';
import type { DynamicConfig } from '../config/dynamic-config';

type IDuration = { seconds?: unknown; nanos?: number | null } | null | undefined;

/** Length in bytes, which is how the real server measures ids and names. */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Whether `s` reads as a UUID the way the real server parses them (hyphenated, plain hex, braces or urn). */
export function isUuid(s: string): boolean {
  const hex = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;
  let body = s;
  if (body.length === 38 && body.startsWith('{') && body.endsWith('}')) body = body.slice(1, -1);
  else if (body.length === 45 && body.toLowerCase().startsWith('urn:uuid:')) body = body.slice(9);
  if (body.length === 36) return hex.test(body) && [8, 13, 18, 23].every((i) => body[i] === '-');
  return body.length === 32 && hex.test(body);
}

/** INVALID_ARGUMENT `Invalid RunId.` for a run id that is given but is not a UUID. */
export function validateRunId(runId: string | null | undefined): void {
  if (runId && !isUuid(runId)) throw invalidArgument('Invalid RunId.');
}

/** An execution given as workflow id and optional run id. */
export function validateExecution(
  execution: temporal.api.common.v1.IWorkflowExecution | null | undefined,
): asserts execution is temporal.api.common.v1.IWorkflowExecution & { workflowId: string } {
  if (!execution) throw invalidArgument('Execution is not set on request.');
  if (!execution.workflowId) throw invalidArgument('WorkflowId is not set on request.');
  validateRunId(execution.runId);
}

/** The frontend's limits on ids and names (`limit.maxIDLength`). */
export class RequestLimits {
  constructor(private readonly config: DynamicConfig) {}

  get maxIdLength(): number {
    return this.config.number('limit.maxIDLength');
  }

  /** `message` when `value` is longer than the id length limit. */
  checkLength(value: string | null | undefined, message: string): void {
    if (value && byteLength(value) > this.maxIdLength) throw invalidArgument(message);
  }

  workflowId(workflowId: string | null | undefined): void {
    if (!workflowId) throw invalidArgument('WorkflowId is not set on request.');
    const n = byteLength(workflowId);
    if (n > this.maxIdLength) {
      throw invalidArgument(`WorkflowId exceeds maximum allowed length (${n}/${this.maxIdLength})`);
    }
  }

  workflowType(type: temporal.api.common.v1.IWorkflowType | null | undefined): void {
    if (!type?.name) throw invalidArgument('WorkflowType is not set on request.');
    this.checkLength(type.name, 'WorkflowType length exceeds limit.');
  }

  requestId(requestId: string | null | undefined): void {
    this.checkLength(requestId, 'RequestId length exceeds limit.');
  }

  identity(identity: string | null | undefined): void {
    this.checkLength(identity, 'Identity length exceeds limit.');
  }

  /** A task queue to start on or poll from: set, within the limit, and not a system queue. */
  taskQueue(taskQueue: temporal.api.taskqueue.v1.ITaskQueue | null | undefined): void {
    if (!taskQueue?.name) throw invalidArgument('taskQueue is not set');
    this.checkLength(taskQueue.name, 'taskQueue length exceeds limit');
    if (taskQueue.name.startsWith(RESERVED_TASK_QUEUE_PREFIX)) {
      throw invalidArgument(`task queue name cannot start with reserved prefix ${RESERVED_TASK_QUEUE_PREFIX}`);
    }
  }
}

/** Task queues the real server keeps for itself. */
export const RESERVED_TASK_QUEUE_PREFIX = '/_sys/';

/**
 * Checks a `google.protobuf.Duration` field of a request (`name` as the real server names it, e.g.
 * `WorkflowRunTimeoutSeconds`): INVALID_ARGUMENT when it is negative or its seconds and nanos disagree in sign.
 */
export function validateDuration(d: IDuration, name: string): void {
  const cause = durationProblem(d);
  if (cause) throw invalidArgument(`An invalid ${name} is set on request. cause: ${cause}`);
}

/** What is wrong with a duration (as the real server words it), or undefined. */
export function durationProblem(d: IDuration): string | undefined {
  if (!d) return undefined;
  const seconds = Number(d.seconds ?? 0);
  const nanos = d.nanos ?? 0;
  if ((seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) {
    return 'duration has seconds and nanos with different signs';
  }
  if (seconds < 0 || nanos < 0) return 'negative duration';
  return undefined;
}
