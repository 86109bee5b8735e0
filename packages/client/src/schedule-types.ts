/**
 * Types of Schedules: specs (when), actions (what), policies and descriptions.
 *
 * @module
 */
import type { Duration, SearchAttributePair, SearchAttributes, TypedSearchAttributes, Workflow } from '@kairos/common';
import type { Replace } from '@kairos/common/lib/type-helpers';
import type { temporal } from '@kairos/proto';
import type { WorkflowStartOptions } from './workflow-options';
import { convertersInProtoOrder } from './proto-enum-order';

/** Options of {@link ScheduleClient.create}. */
export interface ScheduleOptions<A extends ScheduleOptionsAction = ScheduleOptionsAction> {
  /** Id of the Schedule, unique in the namespace. */
  scheduleId: string;
  /** When the action is taken. */
  spec: ScheduleSpec;
  /** What the Schedule does each time: start a Workflow. */
  action: A;
  /** How the Schedule handles overlaps, missed actions and failures. */
  policies?: {
    /**
     * What to do when an action is due while the previous Workflow still runs.
     *
     * @default {@link ScheduleOverlapPolicy.SKIP}
     */
    overlap?: ScheduleOverlapPolicy;
    /**
     * How late an action may still be taken after the server was unavailable; older missed actions are
     * skipped.
     *
     * @default 1 year
     */
    catchupWindow?: Duration;
    /**
     * Pause the Schedule when a Workflow it started fails or times out.
     *
     * @default false
     */
    pauseOnFailure?: boolean;
  };
  /** Memo of the Schedule (not of the Workflows it starts). */
  memo?: Record<string, unknown>;
  /**
   * Search attributes of the Schedule.
   *
   * @deprecated Use {@link typedSearchAttributes} instead.
   */
  searchAttributes?: SearchAttributes;
  /** Search attributes of the Schedule, typed. */
  typedSearchAttributes?: SearchAttributePair[] | TypedSearchAttributes;
  /** Initial state of the Schedule. */
  state?: {
    /**
     * Create the Schedule paused.
     *
     * @default false
     */
    paused?: boolean;
    /** Note explaining the state. */
    note?: string;
    /**
     * Number of actions after which the Schedule stops taking actions.
     *
     * @default unlimited
     */
    remainingActions?: number;
    /**
     * Take an action right after creation.
     *
     * @default false
     */
    triggerImmediately?: boolean;
    /** Time ranges to run through right after creation, as if they passed now. */
    backfill?: Backfill[];
  };
}

/** {@link ScheduleOptions} with the action compiled, as passed to {@link ScheduleClientInterceptor.create}. */
export type CompiledScheduleOptions = Replace<ScheduleOptions, { action: CompiledScheduleAction }>;

/** What {@link ScheduleHandle.update} replaces: everything but the id and the memo. */
export type ScheduleUpdateOptions<A extends ScheduleOptionsAction = ScheduleOptionsAction> = Replace<
  Omit<ScheduleOptions, 'scheduleId' | 'memo'>,
  {
    action: A;
    state: Omit<ScheduleOptions['state'], 'triggerImmediately' | 'backfill'>;
  }
>;

/** {@link ScheduleUpdateOptions} with the action compiled. */
export type CompiledScheduleUpdateOptions = Replace<ScheduleUpdateOptions, { action: CompiledScheduleAction }>;

/** A Schedule as listed by {@link ScheduleClient.list}. */
export interface ScheduleSummary {
  /** Id of the Schedule. */
  scheduleId: string;
  /** When the action is taken (may be missing on older servers). */
  spec?: ScheduleSpecDescription;
  /** What the Schedule does (may be missing on older servers). */
  action?: ScheduleSummaryAction;
  /** Decoded memo. */
  memo?: Record<string, unknown>;
  /**
   * Decoded search attributes.
   *
   * @deprecated Use {@link typedSearchAttributes} instead.
   */
  searchAttributes?: SearchAttributes;
  /** Decoded search attributes, typed. */
  typedSearchAttributes?: TypedSearchAttributes;
  /** Whether it is paused, and why. */
  state: { paused: boolean; note?: string };
  /** Recent and upcoming actions. */
  info: {
    /** The latest actions taken (up to 10). */
    recentActions: ScheduleExecutionResult[];
    /** When the next actions are due (up to 10). */
    nextActionTimes: Date[];
  };
}

/** An action a Schedule took. */
export interface ScheduleExecutionResult {
  /** When the action was due. */
  scheduledAt: Date;
  /** When it was taken (later by jitter or catch-up). */
  takenAt: Date;
  /** What was done. */
  action: ScheduleExecutionActionResult;
}

/** The result of an action. */
export type ScheduleExecutionActionResult = ScheduleExecutionStartWorkflowActionResult;

/** The Workflow a start-Workflow action started. */
export interface ScheduleExecutionStartWorkflowActionResult {
  /** Kind of action. */
  type: 'startWorkflow';
  /** The started Workflow. */
  workflow: {
    /** Workflow id (the action's id suffixed with the scheduled time). */
    workflowId: string;
    /** Run id of the first execution. */
    firstExecutionRunId: string;
  };
}

/** A Schedule as described by {@link ScheduleHandle.describe}. */
export type ScheduleDescription = {
  /** Id of the Schedule. */
  scheduleId: string;
  /** When the action is taken. */
  spec: ScheduleSpecDescription;
  /** What the Schedule does. */
  action: ScheduleDescriptionAction;
  /** Policies. */
  policies: {
    /** Overlap policy. */
    overlap: ScheduleOverlapPolicy;
    /** Catch-up window in milliseconds. */
    catchupWindow: number;
    /** Whether a failure pauses the Schedule. */
    pauseOnFailure: boolean;
  };
  /** Decoded memo. */
  memo?: Record<string, unknown>;
  /**
   * Decoded search attributes.
   *
   * @deprecated Use {@link typedSearchAttributes} instead.
   */
  searchAttributes: SearchAttributes;
  /** Decoded search attributes, typed. */
  typedSearchAttributes: TypedSearchAttributes;
  /** Current state. */
  state: {
    /** Whether the Schedule is paused. */
    paused: boolean;
    /** Note explaining the state. */
    note?: string;
    /** Actions left before the Schedule stops; undefined if unlimited. */
    remainingActions?: number;
  };
  /** Statistics and recent activity. */
  info: {
    /** The latest actions taken (up to 10). */
    recentActions: ScheduleExecutionResult[];
    /** When the next actions are due (up to 10). */
    nextActionTimes: Date[];
    /** Number of actions taken. */
    numActionsTaken: number;
    /** Number of actions skipped because they fell outside the catch-up window. */
    numActionsMissedCatchupWindow: number;
    /** Number of actions skipped by the overlap policy. */
    numActionsSkippedOverlap: number;
    /** When the Schedule was created. */
    createdAt: Date;
    /** When it was last updated. */
    lastUpdatedAt: Date | undefined;
    /** Workflows started by the Schedule that are still running. */
    runningActions: ScheduleExecutionActionResult[];
  };
  /** The `DescribeSchedule` response as received. */
  raw: temporal.api.workflowservice.v1.IDescribeScheduleResponse;
};

/**
 * When a Schedule takes its action: the union of the calendars, intervals and cron expressions, minus the
 * `skip` calendars, between `startAt` and `endAt`, each time delayed by up to `jitter`.
 */
export interface ScheduleSpec {
  /** Calendar-based times. */
  calendars?: CalendarSpec[];
  /** Fixed-interval times. */
  intervals?: IntervalSpec[];
  /**
   * Cron expressions, e.g. `'0 12 * * MON-FRI'`. Five fields (minute, hour, day of month, month, day of
   * week), optionally seconds first or year last; `@daily`-style shorthands, `@every 1h` intervals and a
   * `CRON_TZ=` prefix are accepted. The server turns them into calendars.
   */
  cronExpressions?: string[];
  /** Times matching these calendars are skipped. */
  skip?: CalendarSpec[];
  /** No action before this time. */
  startAt?: Date;
  /** No action after this time. */
  endAt?: Date;
  /** Each action is delayed by a random time up to this. */
  jitter?: Duration;
  /**
   * IANA time zone the calendars are evaluated in, e.g. `'America/New_York'`.
   *
   * @default UTC
   */
  timezone?: string;
}

/** A {@link ScheduleSpec} as returned by the server, with cron expressions turned into calendars. */
export type ScheduleSpecDescription = Omit<
  ScheduleSpec,
  'calendars' | 'intervals' | 'cronExpressions' | 'skip' | 'jitter'
> & {
  /** Calendars. */
  calendars?: CalendarSpecDescription[];
  /** Intervals. */
  intervals?: IntervalSpecDescription[];
  /** Skipped calendars. */
  skip?: CalendarSpecDescription[];
  /** Jitter in milliseconds. */
  jitter?: number;
};

/**
 * Matches times by calendar fields; a time matches when every field does. A field takes a value, a range,
 * a list of those, or `'*'` (any). Omitted fields default to 0 for `second`, `minute` and `hour`, and to
 * `'*'` for the others.
 */
export interface CalendarSpec {
  /** Seconds, 0 to 59. @default 0 */
  second?: LooseRange<number> | LooseRange<number>[] | '*';
  /** Minutes, 0 to 59. @default 0 */
  minute?: LooseRange<number> | LooseRange<number>[] | '*';
  /** Hours, 0 to 23. @default 0 */
  hour?: LooseRange<number> | LooseRange<number>[] | '*';
  /** Day of the month, 1 to 31. @default '*' */
  dayOfMonth?: LooseRange<number> | LooseRange<number>[] | '*';
  /** Month. @default '*' */
  month?: LooseRange<Month> | LooseRange<Month>[] | '*';
  /** Year. @default '*' */
  year?: LooseRange<number> | LooseRange<number>[] | '*';
  /** Day of the week. @default '*' */
  dayOfWeek?: LooseRange<DayOfWeek> | LooseRange<DayOfWeek>[] | '*';
  /** Free-form comment. */
  comment?: string;
}

/** A {@link CalendarSpec} as returned by the server: every field a list of ranges (empty `year` means any). */
export interface CalendarSpecDescription {
  /** Seconds. */
  second: Range<number>[];
  /** Minutes. */
  minute: Range<number>[];
  /** Hours. */
  hour: Range<number>[];
  /** Days of the month. */
  dayOfMonth: Range<number>[];
  /** Months. */
  month: Range<Month>[];
  /** Years; empty means any year. */
  year: Range<number>[];
  /** Days of the week. */
  dayOfWeek: Range<DayOfWeek>[];
  /** Comment. */
  comment?: string;
}

/**
 * Times at a fixed interval since the epoch, shifted by `offset`: with `every: '1 hour'` and
 * `offset: '19 minutes'`, at 19 minutes past each hour.
 */
export interface IntervalSpec {
  /** Interval length. */
  every: Duration;
  /**
   * Shift from the epoch-aligned times.
   *
   * @default 0
   */
  offset?: Duration;
}

/** An {@link IntervalSpec} as returned by the server, in milliseconds. */
export interface IntervalSpecDescription {
  /** Interval length in milliseconds. */
  every: number;
  /** Offset in milliseconds. */
  offset: number;
}

/** The values from `start` to `end` inclusive, every `step`. */
export interface Range<Unit> {
  /** First value. */
  start: Unit;
  /** Last value. */
  end: Unit;
  /** Step. */
  step: number;
}

/** A {@link Range}, a range without end or step (`end` defaults to `start`, `step` to 1), or one value. */
export type LooseRange<Unit> =
  Range<Unit> | { start: Range<Unit>['start']; end?: Range<Unit>['end']; step?: never } | Unit;

/** Month names, in order. */
export const MONTHS = [
  'JANUARY',
  'FEBRUARY',
  'MARCH',
  'APRIL',
  'MAY',
  'JUNE',
  'JULY',
  'AUGUST',
  'SEPTEMBER',
  'OCTOBER',
  'NOVEMBER',
  'DECEMBER',
] as const;
/** A month name. */
export type Month = (typeof MONTHS)[number];

/** Day-of-week names, Sunday first. */
export const DAYS_OF_WEEK = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const;
/** A day-of-week name. */
export type DayOfWeek = (typeof DAYS_OF_WEEK)[number];

/** An action a Schedule can take. */
export type ScheduleOptionsAction = ScheduleOptionsStartWorkflowAction<Workflow>;

/**
 * Start a Workflow. The started Workflow's id is `workflowId` (default `<scheduleId>-workflow`) suffixed
 * with the scheduled time.
 */
export type ScheduleOptionsStartWorkflowAction<W extends Workflow> = {
  /** Kind of action. */
  type: 'startWorkflow';
  /** The Workflow, as a function or a type name. */
  workflowType: string | W;
} & Pick<
  WorkflowStartOptions<W>,
  | 'taskQueue'
  | 'args'
  | 'memo'
  | 'searchAttributes'
  | 'typedSearchAttributes'
  | 'retry'
  | 'workflowExecutionTimeout'
  | 'workflowRunTimeout'
  | 'workflowTaskTimeout'
  | 'staticDetails'
  | 'staticSummary'
> & {
    /**
     * Prefix of the started Workflows' ids.
     *
     * @default `${scheduleId}-workflow`
     */
    workflowId?: string;
  };

/** The action of a listed Schedule. */
export type ScheduleSummaryAction = ScheduleSummaryStartWorkflowAction;

/** The start-Workflow action of a listed Schedule. */
export interface ScheduleSummaryStartWorkflowAction {
  /** Kind of action. */
  type: 'startWorkflow';
  /** Workflow type name. */
  workflowType: string;
}

/** The action of a described Schedule. */
export type ScheduleDescriptionAction = ScheduleDescriptionStartWorkflowAction;

/** The start-Workflow action of a described Schedule, decoded. */
export type ScheduleDescriptionStartWorkflowAction = ScheduleSummaryStartWorkflowAction &
  Pick<
    WorkflowStartOptions<Workflow>,
    | 'taskQueue'
    | 'workflowId'
    | 'args'
    | 'memo'
    | 'searchAttributes'
    | 'typedSearchAttributes'
    | 'retry'
    | 'workflowExecutionTimeout'
    | 'workflowRunTimeout'
    | 'workflowTaskTimeout'
    | 'staticSummary'
    | 'staticDetails'
    | 'priority'
  >;

/** An action with the Workflow type resolved to its name and `args` present. */
export type CompiledScheduleAction = Replace<ScheduleDescriptionAction, { workflowType: string; args: unknown[] }>;

/** What a Schedule does when an action is due while Workflows it started still run. */
export const ScheduleOverlapPolicy = {
  /** Skip the new action. This is the server default. */
  SKIP: 'SKIP',
  /** Run the new action when the running one ends; keep at most one waiting. */
  BUFFER_ONE: 'BUFFER_ONE',
  /** Run every new action, one after the other. */
  BUFFER_ALL: 'BUFFER_ALL',
  /** Cancel the running Workflow, then take the new action once it has closed. */
  CANCEL_OTHER: 'CANCEL_OTHER',
  /** Terminate the running Workflow and take the new action at once. */
  TERMINATE_OTHER: 'TERMINATE_OTHER',
  /** Take the new action regardless; Workflows run concurrently. */
  ALLOW_ALL: 'ALLOW_ALL',
  /**
   * Use the server default.
   *
   * @deprecated Leave the policy unset instead.
   */
  UNSPECIFIED: undefined,
} as const;
/** What a Schedule does when an action is due while Workflows it started still run. */
export type ScheduleOverlapPolicy = (typeof ScheduleOverlapPolicy)[keyof typeof ScheduleOverlapPolicy];

/** Converts a {@link ScheduleOverlapPolicy} to and from its proto enum value. */
export const [encodeScheduleOverlapPolicy, decodeScheduleOverlapPolicy] = convertersInProtoOrder<
  temporal.api.enums.v1.ScheduleOverlapPolicy,
  typeof ScheduleOverlapPolicy,
  'SCHEDULE_OVERLAP_POLICY_'
>('SCHEDULE_OVERLAP_POLICY_', ['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL']);

/** A time range to run through at once, taking the actions that would have been due in it. */
export interface Backfill {
  /** Start of the range (inclusive). */
  start: Date;
  /** End of the range (inclusive). */
  end: Date;
  /**
   * Overlap policy for these actions.
   *
   * @default the Schedule's overlap policy
   */
  overlap?: ScheduleOverlapPolicy;
}
