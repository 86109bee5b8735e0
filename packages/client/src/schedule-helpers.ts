/**
 * Conversions between the Schedule types of this package and their protobuf form.
 *
 * @module
 */
import type { LoadedDataConverter, WorkflowSerializationContext } from '@kairos/common';
import {
  compilePriority,
  compileRetryPolicy,
  decodePriority,
  decompileRetryPolicy,
  extractWorkflowType,
} from '@kairos/common';
import {
  decodeSearchAttributes,
  decodeTypedSearchAttributes,
  encodeUnifiedSearchAttributes,
} from '@kairos/common/lib/converter/payload-search-attributes';
import type { Headers } from '@kairos/common/lib/interceptors';
import {
  decodeArrayFromPayloads,
  decodeMapFromPayloads,
  decodeUserMetadata,
  encodeMapToPayloads,
  encodeToPayloadsWithContext,
  encodeUserMetadata,
} from '@kairos/common/lib/internal-non-workflow/codec-helpers';
import {
  msOptionalToTs,
  msToTs,
  optionalDateToTs,
  optionalTsToDate,
  optionalTsToMs,
  requiredTsToDate,
} from '@kairos/common/lib/time';
import { temporal } from '@kairos/proto';
import Long from 'long';
import type {
  CalendarSpec,
  CalendarSpecDescription,
  CompiledScheduleAction,
  CompiledScheduleOptions,
  CompiledScheduleUpdateOptions,
  DayOfWeek,
  LooseRange,
  Month,
  Range,
  ScheduleDescriptionAction,
  ScheduleExecutionResult,
  ScheduleExecutionStartWorkflowActionResult,
  ScheduleOptions,
  ScheduleSpec,
  ScheduleSpecDescription,
  ScheduleUpdateOptions,
} from './schedule-types';
import { DAYS_OF_WEEK, MONTHS, encodeScheduleOverlapPolicy } from './schedule-types';

type IRange = temporal.api.schedule.v1.IRange;
type FieldInput<U> = LooseRange<U> | LooseRange<U>[] | '*' | undefined;

/**
 * How one calendar field maps to protobuf ranges: its value domain, its default when omitted, and what
 * `'*'` means. Values outside the domain are rejected with a TypeError naming the field.
 */
interface CalendarField<U> {
  name: keyof CalendarSpec;
  toNumber(value: unknown): number | undefined;
  fromNumber(value: number): U | undefined;
  whenOmitted: IRange[];
  whenAny: IRange[];
}

function numericField(
  name: keyof CalendarSpec,
  min: number,
  max: number,
  whenOmitted: IRange[],
): CalendarField<number> {
  const all = [{ start: min, end: max, step: 1 }];
  return {
    name,
    toNumber: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : undefined),
    fromNumber: (v) => v,
    whenOmitted: whenOmitted.length === 0 ? all : whenOmitted,
    whenAny: all,
  };
}

const SECOND = numericField('second', 0, 59, [{ start: 0, end: 0, step: 0 }]);
const MINUTE = numericField('minute', 0, 59, [{ start: 0, end: 0, step: 0 }]);
const HOUR = numericField('hour', 0, 23, [{ start: 0, end: 0, step: 0 }]);
const DAY_OF_MONTH = numericField('dayOfMonth', 1, 31, []);
const MONTH: CalendarField<Month> = {
  name: 'month',
  toNumber: (v) => {
    const index = MONTHS.indexOf(v as Month);
    return index < 0 ? undefined : index + 1;
  },
  fromNumber: (v) => MONTHS[v - 1],
  whenOmitted: [{ start: 1, end: 12, step: 1 }],
  whenAny: [{ start: 1, end: 12, step: 1 }],
};
// Years have no bounds: leaving the field empty is how the server spells "every year".
const YEAR: CalendarField<number> = {
  name: 'year',
  toNumber: (v) => (typeof v === 'number' && Number.isInteger(v) ? v : undefined),
  fromNumber: (v) => v,
  whenOmitted: [],
  whenAny: [],
};
const DAY_OF_WEEK: CalendarField<DayOfWeek> = {
  name: 'dayOfWeek',
  toNumber: (v) => {
    const index = DAYS_OF_WEEK.indexOf(v as DayOfWeek);
    return index < 0 ? undefined : index;
  },
  fromNumber: (v) => DAYS_OF_WEEK[v],
  whenOmitted: [{ start: 0, end: 6, step: 1 }],
  whenAny: [{ start: 0, end: 6, step: 1 }],
};

function encodeField<U>(field: CalendarField<U>, input: FieldInput<U>): IRange[] {
  if (input === undefined) return field.whenOmitted;
  if (input === '*') return field.whenAny;
  const items = Array.isArray(input) ? input : [input];
  return items.map((item) => {
    const invalid = () =>
      new TypeError(
        `Invalid CalendarSpec component for field ${field.name}: '${String(item)}' of type '${typeof item}'`,
      );
    if (typeof item === 'object' && item !== null && 'start' in item) {
      const range = item as { start: U; end?: U; step?: number };
      const start = field.toNumber(range.start);
      if (start === undefined) throw invalid();
      let end = start;
      if (range.end !== undefined) {
        const decoded = field.toNumber(range.end);
        if (decoded === undefined) throw invalid();
        end = decoded;
      }
      const step = range.step === undefined ? 1 : range.step;
      if (!Number.isInteger(step) || step < 1) throw invalid();
      return { start, end, step };
    }
    const value = field.toNumber(item);
    if (value === undefined) throw invalid();
    return { start: value, end: value, step: 1 };
  });
}

function decodeField<U>(field: CalendarField<U>, ranges: IRange[] | null | undefined): Range<U>[] {
  return (ranges ?? []).map((pb) => {
    const startNumber = pb.start ?? 0;
    const start = field.fromNumber(startNumber);
    if (start === undefined) {
      throw new RangeError(`Invalid CalendarSpec component for field ${field.name}: ${startNumber} is out of bounds`);
    }
    const endNumber = pb.end ?? 0;
    const end = endNumber > startNumber ? (field.fromNumber(endNumber) ?? start) : start;
    return { start, end, step: pb.step && pb.step > 0 ? pb.step : 1 };
  });
}

/** Encodes calendar specs to structured calendars, applying the field defaults. */
export function encodeOptionalStructuredCalendarSpecs(
  input: CalendarSpec[] | null | undefined,
): temporal.api.schedule.v1.IStructuredCalendarSpec[] | undefined {
  if (!input) return undefined;
  return input.map((spec) => ({
    second: encodeField(SECOND, spec.second),
    minute: encodeField(MINUTE, spec.minute),
    hour: encodeField(HOUR, spec.hour),
    dayOfMonth: encodeField(DAY_OF_MONTH, spec.dayOfMonth),
    month: encodeField(MONTH, spec.month),
    year: encodeField(YEAR, spec.year),
    dayOfWeek: encodeField(DAY_OF_WEEK, spec.dayOfWeek),
    comment: spec.comment,
  }));
}

/** Decodes structured calendars. */
export function decodeOptionalStructuredCalendarSpecs(
  input: temporal.api.schedule.v1.IStructuredCalendarSpec[] | null | undefined,
): CalendarSpecDescription[] {
  return (input ?? []).map((pb) => ({
    second: decodeField(SECOND, pb.second),
    minute: decodeField(MINUTE, pb.minute),
    hour: decodeField(HOUR, pb.hour),
    dayOfMonth: decodeField(DAY_OF_MONTH, pb.dayOfMonth),
    month: decodeField(MONTH, pb.month),
    year: decodeField(YEAR, pb.year),
    dayOfWeek: decodeField(DAY_OF_WEEK, pb.dayOfWeek),
    comment: pb.comment || undefined,
  }));
}

function compileAction(scheduleId: string, action: ScheduleOptions['action']): CompiledScheduleAction {
  if (typeof action !== 'object' || action === null || action.type !== 'startWorkflow') {
    throw new TypeError("Schedule action must be { type: 'startWorkflow', ... }");
  }
  if (!action.taskQueue) throw new TypeError('Missing ScheduleOptions.action.taskQueue');
  const args = (action as { args?: unknown }).args;
  if (args !== undefined && !Array.isArray(args)) throw new TypeError('ScheduleOptions.action.args must be an array');
  return {
    ...action,
    workflowId: action.workflowId ?? `${scheduleId}-workflow`,
    workflowType: extractWorkflowType(action.workflowType),
    args: [...((args as unknown[] | undefined) ?? [])],
  } as CompiledScheduleAction;
}

/**
 * Validates Schedule options and resolves the action's Workflow type and default Workflow id.
 *
 * @throws TypeError if the id, spec or action is missing or malformed.
 */
export function compileScheduleOptions(options: ScheduleOptions): CompiledScheduleOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('Missing ScheduleOptions');
  if (typeof options.scheduleId !== 'string' || options.scheduleId === '') {
    throw new TypeError('ScheduleOptions.scheduleId must be a non-empty string');
  }
  if (typeof options.spec !== 'object' || options.spec === null) throw new TypeError('Missing ScheduleOptions.spec');
  return { ...options, action: compileAction(options.scheduleId, options.action) };
}

/** Resolves the action of updated Schedule options. */
export function compileUpdatedScheduleOptions(
  scheduleId: string,
  options: ScheduleUpdateOptions,
): CompiledScheduleUpdateOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('The Schedule update function must return the new Schedule options');
  }
  return { ...options, action: compileAction(scheduleId, options.action) };
}

/** Encodes a Schedule spec. */
export function encodeScheduleSpec(spec: ScheduleSpec): temporal.api.schedule.v1.IScheduleSpec {
  // Computed one by one so that, of several malformed parts, the first in declaration order is reported.
  const structuredCalendar = encodeOptionalStructuredCalendarSpecs(spec.calendars);
  const interval = spec.intervals?.map(({ every, offset }) => ({
    interval: msToTs(every),
    phase: msOptionalToTs(offset),
  }));
  const excludeStructuredCalendar = encodeOptionalStructuredCalendarSpecs(spec.skip);
  const startTime = optionalDateToTs(spec.startAt);
  const endTime = optionalDateToTs(spec.endAt);
  const jitter = msOptionalToTs(spec.jitter);
  return {
    structuredCalendar,
    excludeStructuredCalendar,
    interval,
    cronString: spec.cronExpressions,
    timezoneName: spec.timezone,
    startTime,
    endTime,
    jitter,
  };
}

function workflowContext(namespace: string, workflowId: string): WorkflowSerializationContext {
  return { type: 'workflow', namespace, workflowId };
}

/** Encodes a start-Workflow action, converting its arguments, memo and metadata. */
export async function encodeScheduleAction(
  dataConverter: LoadedDataConverter,
  namespace: string,
  action: CompiledScheduleAction,
  headers: Headers,
): Promise<temporal.api.schedule.v1.IScheduleAction> {
  const workflowId = action.workflowId ?? '';
  const context = workflowContext(namespace, workflowId);
  const { memo, retry, priority, searchAttributes, typedSearchAttributes } = action;
  const startWorkflow: temporal.api.workflow.v1.INewWorkflowExecutionInfo = {
    workflowId,
    workflowType: { name: action.workflowType },
    taskQueue: { name: action.taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    header: { fields: headers },
  };
  startWorkflow.input = { payloads: await encodeToPayloadsWithContext(dataConverter, context, action.args) };
  startWorkflow.workflowExecutionTimeout = msOptionalToTs(action.workflowExecutionTimeout);
  startWorkflow.workflowRunTimeout = msOptionalToTs(action.workflowRunTimeout);
  startWorkflow.workflowTaskTimeout = msOptionalToTs(action.workflowTaskTimeout);
  if (retry) startWorkflow.retryPolicy = compileRetryPolicy(retry);
  if (memo) startWorkflow.memo = { fields: await encodeMapToPayloads(dataConverter, memo, context) };
  if (searchAttributes || typedSearchAttributes) {
    startWorkflow.searchAttributes = {
      indexedFields: encodeUnifiedSearchAttributes(searchAttributes, typedSearchAttributes),
    };
  }
  startWorkflow.userMetadata = await encodeUserMetadata(
    dataConverter,
    action.staticSummary,
    action.staticDetails,
    context,
  );
  if (priority) startWorkflow.priority = compilePriority(priority);
  return { startWorkflow };
}

/** Encodes Schedule policies. */
export function encodeSchedulePolicies(
  policies?: ScheduleOptions['policies'],
): temporal.api.schedule.v1.ISchedulePolicies {
  const { overlap, catchupWindow, pauseOnFailure } = policies ?? {};
  const window = msOptionalToTs(catchupWindow);
  return {
    catchupWindow: window,
    overlapPolicy: overlap ? encodeScheduleOverlapPolicy(overlap) : undefined,
    pauseOnFailure,
  };
}

/** Encodes a Schedule state. */
export function encodeScheduleState(state?: ScheduleOptions['state']): temporal.api.schedule.v1.IScheduleState {
  const base = { paused: state?.paused, notes: state?.note };
  const remaining = state?.remainingActions;
  if (remaining === undefined) return { ...base, limitedActions: false };
  if (!(Number.isInteger(remaining) && remaining >= 0)) {
    throw new TypeError(
      `ScheduleOptions.state.remainingActions must be a non-negative integer, got ${String(remaining)}`,
    );
  }
  return { ...base, limitedActions: true, remainingActions: Long.fromNumber(remaining) };
}

/** Decodes a Schedule spec as returned by the server. */
export function decodeScheduleSpec(pb: temporal.api.schedule.v1.IScheduleSpec): ScheduleSpecDescription {
  const durationMs = (ts: temporal.api.schedule.v1.IIntervalSpec['interval']) => optionalTsToMs(ts) ?? 0;
  return {
    calendars: decodeOptionalStructuredCalendarSpecs(pb.structuredCalendar),
    skip: decodeOptionalStructuredCalendarSpecs(pb.excludeStructuredCalendar),
    intervals: (pb.interval ?? []).map((each) => ({
      every: durationMs(each.interval),
      offset: durationMs(each.phase),
    })),
    timezone: pb.timezoneName || undefined,
    jitter: optionalTsToMs(pb.jitter),
    startAt: optionalTsToDate(pb.startTime),
    endAt: optionalTsToDate(pb.endTime),
  };
}

/** Decodes a Schedule action, converting its arguments, memo and metadata. */
export async function decodeScheduleAction(
  dataConverter: LoadedDataConverter,
  namespace: string,
  pb: temporal.api.schedule.v1.IScheduleAction,
): Promise<ScheduleDescriptionAction> {
  const info = pb.startWorkflow;
  if (!info) throw new TypeError('Only start-Workflow Schedule actions can be decoded');
  const workflowId = info.workflowId ?? '';
  const context = workflowContext(namespace, workflowId);
  const metadata = await decodeUserMetadata(dataConverter, info.userMetadata, context);
  const indexed = info.searchAttributes?.indexedFields;
  return {
    type: 'startWorkflow',
    workflowId,
    workflowType: info.workflowType?.name ?? '',
    taskQueue: info.taskQueue?.name ?? '',
    args: await decodeArrayFromPayloads(dataConverter, info.input?.payloads, context),
    memo: await decodeMapFromPayloads(dataConverter, info.memo?.fields, context),
    searchAttributes: decodeSearchAttributes(indexed),
    typedSearchAttributes: decodeTypedSearchAttributes(indexed),
    retry: decompileRetryPolicy(info.retryPolicy),
    priority: decodePriority(info.priority),
    workflowExecutionTimeout: optionalTsToMs(info.workflowExecutionTimeout),
    workflowRunTimeout: optionalTsToMs(info.workflowRunTimeout),
    workflowTaskTimeout: optionalTsToMs(info.workflowTaskTimeout),
    staticSummary: metadata.staticSummary,
    staticDetails: metadata.staticDetails,
  };
}

/** Decodes the Workflows a Schedule started that still run. */
export function decodeScheduleRunningActions(
  pb?: temporal.api.common.v1.IWorkflowExecution[] | null,
): ScheduleExecutionStartWorkflowActionResult[] {
  return (pb ?? []).map((execution) => ({
    type: 'startWorkflow',
    workflow: { workflowId: execution.workflowId ?? '', firstExecutionRunId: execution.runId ?? '' },
  }));
}

/** Decodes the recent actions of a Schedule. */
export function decodeScheduleRecentActions(
  pb?: temporal.api.schedule.v1.IScheduleActionResult[] | null,
): ScheduleExecutionResult[] {
  return (pb ?? []).map((result) => {
    const started = result.startWorkflowResult;
    if (!started) throw new TypeError('Only start-Workflow Schedule action results can be decoded');
    return {
      scheduledAt: requiredTsToDate(result.scheduleTime, 'scheduleTime'),
      takenAt: requiredTsToDate(result.actualTime, 'actualTime'),
      action: {
        type: 'startWorkflow',
        workflow: { workflowId: started.workflowId ?? '', firstExecutionRunId: started.runId ?? '' },
      },
    };
  });
}
