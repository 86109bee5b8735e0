/**
 * {@link ScheduleClient}: creates, lists and manages Schedules through {@link ScheduleHandle}s.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { Workflow } from '@kairos/common';
import {
  decodeSearchAttributes,
  decodeTypedSearchAttributes,
  encodeUnifiedSearchAttributes,
} from '@kairos/common/lib/converter/payload-search-attributes';
import type { Headers } from '@kairos/common/lib/interceptors';
import { composeInterceptors } from '@kairos/common/lib/interceptors';
import { decodeMapFromPayloads, encodeMapToPayloads } from '@kairos/common/lib/internal-non-workflow/codec-helpers';
import {
  optionalDateToTs,
  optionalTsToDate,
  optionalTsToMs,
  requiredTsToDate,
  tsToDate,
} from '@kairos/common/lib/time';
import { SymbolBasedInstanceOfError } from '@kairos/common/lib/type-helpers';
import { temporal } from '@kairos/proto';
import type { BaseClientOptions, LoadedWithDefaults } from './base-client';
import { BaseClient, settleClientOptions } from './base-client';
import { ServiceError, isGrpcServiceError } from './errors';
import { int64ToNumber, rethrowKnownErrorTypes } from './helpers';
import type { CreateScheduleInput, CreateScheduleOutput, ScheduleClientInterceptor } from './interceptors';
import {
  compileScheduleOptions,
  compileUpdatedScheduleOptions,
  decodeScheduleAction,
  decodeScheduleRecentActions,
  decodeScheduleRunningActions,
  decodeScheduleSpec,
  encodeScheduleAction,
  encodeSchedulePolicies,
  encodeScheduleSpec,
  encodeScheduleState,
} from './schedule-helpers';
import type {
  Backfill,
  CompiledScheduleOptions,
  CompiledScheduleUpdateOptions,
  ScheduleDescription,
  ScheduleOptions,
  ScheduleOptionsStartWorkflowAction,
  ScheduleSummary,
  ScheduleUpdateOptions,
} from './schedule-types';
import { ScheduleOverlapPolicy, decodeScheduleOverlapPolicy, encodeScheduleOverlapPolicy } from './schedule-types';
import type { WorkflowService } from './types';

/** A handle to one Schedule. */
export interface ScheduleHandle {
  /** Id of the Schedule. */
  readonly scheduleId: string;

  /**
   * Fetches the Schedule's description.
   *
   * @throws {@link ScheduleNotFoundError} if there is no such Schedule.
   */
  describe(): Promise<ScheduleDescription>;

  /**
   * Updates the Schedule: describes it, passes the description to `updateFn`, and replaces the Schedule
   * with what `updateFn` returns. `updateFn` may be called more than once.
   */
  update<W extends Workflow = Workflow>(
    updateFn: (previous: ScheduleDescription) => ScheduleUpdateOptions<ScheduleOptionsStartWorkflowAction<W>>,
  ): Promise<void>;

  /** Deletes the Schedule. Workflows it started keep running. */
  delete(): Promise<void>;

  /**
   * Takes the action now.
   *
   * @param overlap overlap policy for this action
   * @default overlap {@link ScheduleOverlapPolicy.ALLOW_ALL}
   */
  trigger(overlap?: ScheduleOverlapPolicy): Promise<void>;

  /** Runs through the given time ranges now, taking the actions that would have been due in them. */
  backfill(options: Backfill | Backfill[]): Promise<void>;

  /**
   * Pauses the Schedule.
   *
   * @param note replaces the Schedule's note (`'Paused via TypeScript SDK'` when omitted)
   */
  pause(note?: string): Promise<void>;

  /**
   * Unpauses the Schedule.
   *
   * @param note replaces the Schedule's note (`'Unpaused via TypeScript SDK'` when omitted)
   */
  unpause(note?: string): Promise<void>;

  /** The client this handle belongs to. */
  readonly client: ScheduleClient;
}

/** Options of a {@link ScheduleClient}. */
export interface ScheduleClientOptions extends BaseClientOptions {
  /** Interceptors of the Schedule client's calls. */
  interceptors?: ScheduleClientInterceptor[];
}

/** {@link ScheduleClientOptions} with defaults applied. */
export type LoadedScheduleClientOptions = LoadedWithDefaults<ScheduleClientOptions>;

/** Options of {@link ScheduleClient.list}. */
export interface ListScheduleOptions {
  /**
   * Schedules fetched per page.
   *
   * @default 1000
   */
  pageSize?: number;
  /** Visibility query on the Schedules' search attributes. */
  query?: string;
}

/** The encoded `Schedule` message with the memo (create only) and search attributes that go with it. */
interface EncodedScheduleParts {
  schedule: temporal.api.schedule.v1.ISchedule;
  memo?: temporal.api.common.v1.IMemo;
  searchAttributes?: temporal.api.common.v1.ISearchAttributes;
}

/** Creates and manages Schedules. Usually reached as {@link Client.schedule}. */
export class ScheduleClient extends BaseClient {
  /** Options with defaults applied. */
  readonly options: LoadedScheduleClientOptions;

  /**
   * @throws TypeError if an option is malformed.
   */
  constructor(options?: ScheduleClientOptions) {
    super(options);
    this.options = settleClientOptions<LoadedScheduleClientOptions>(options, this.dataConverter, { interceptors: [] });
  }

  /** Raw access to the `WorkflowService`, which also serves Schedules. */
  get workflowService(): WorkflowService {
    return this.connection.workflowService;
  }

  /**
   * Creates a Schedule.
   *
   * @throws TypeError if the options are malformed (nothing is sent).
   * @throws {@link ScheduleAlreadyRunning} if a Schedule with that id exists.
   * @returns a handle to the new Schedule
   */
  async create<W extends Workflow = Workflow>(
    options: ScheduleOptions<ScheduleOptionsStartWorkflowAction<W>>,
  ): Promise<ScheduleHandle> {
    await this._createSchedule(options as ScheduleOptions);
    return this.getHandle(options.scheduleId);
  }

  /** Validates and compiles the options, then runs the create interceptor chain. */
  protected async _createSchedule(options: ScheduleOptions): Promise<void> {
    const input: CreateScheduleInput = { options: compileScheduleOptions(options), headers: {} };
    await composeInterceptors(this.options.interceptors, 'create', (i) => this._createScheduleHandler(i))(input);
  }

  /** Sends `CreateSchedule`; the end of the create interceptor chain. */
  protected async _createScheduleHandler(input: CreateScheduleInput): Promise<CreateScheduleOutput> {
    const { options } = input;
    const { scheduleId, state } = options;
    const { schedule, memo, searchAttributes } = await this.encodeScheduleParts(options, input.headers, options.memo);
    // What the options ask to happen right after creation travels as a patch applied with it.
    const initialPatch: temporal.api.schedule.v1.ISchedulePatch = {
      triggerImmediately: state?.triggerImmediately ? { overlapPolicy: OVERLAP_ALLOW_ALL } : undefined,
      backfillRequest: state?.backfill ? encodeBackfills(state.backfill) : undefined,
    };
    const response = await this.workflowService
      .createSchedule({
        namespace: this.options.namespace,
        identity: this.options.identity,
        requestId: randomUUID(),
        scheduleId,
        schedule,
        memo,
        searchAttributes,
        initialPatch,
      })
      .catch((err: unknown) => {
        if (isGrpcServiceError(err) && err.code === grpcStatus.ALREADY_EXISTS) {
          throw new ScheduleAlreadyRunning('Schedule already exists and is running', scheduleId);
        }
        return this.rethrowGrpcError(err, 'Failed to create schedule', scheduleId);
      });
    return { conflictToken: response.conflictToken };
  }

  /** Sends `DescribeSchedule`. */
  protected async _describeSchedule(
    scheduleId: string,
  ): Promise<temporal.api.workflowservice.v1.IDescribeScheduleResponse> {
    return await this.callFor(scheduleId, 'Failed to describe schedule', () =>
      this.workflowService.describeSchedule({ namespace: this.options.namespace, scheduleId }),
    );
  }

  /** Sends `UpdateSchedule`, replacing the whole Schedule. */
  protected async _updateSchedule(
    scheduleId: string,
    opts: CompiledScheduleUpdateOptions,
    header: Headers,
  ): Promise<temporal.api.workflowservice.v1.IUpdateScheduleResponse> {
    const parts = await this.encodeScheduleParts(opts, header);
    return await this.callFor(scheduleId, 'Failed to update schedule', () =>
      this.workflowService.updateSchedule({
        ...parts,
        namespace: this.options.namespace,
        identity: this.options.identity,
        requestId: randomUUID(),
        scheduleId,
      }),
    );
  }

  /** Sends `PatchSchedule` (trigger, backfill, pause, unpause). */
  protected async _patchSchedule(
    scheduleId: string,
    patch: temporal.api.schedule.v1.ISchedulePatch,
  ): Promise<temporal.api.workflowservice.v1.IPatchScheduleResponse> {
    return await this.callFor(scheduleId, 'Failed to patch schedule', () =>
      this.workflowService.patchSchedule({
        namespace: this.options.namespace,
        identity: this.options.identity,
        requestId: randomUUID(),
        scheduleId,
        patch,
      }),
    );
  }

  /** Sends `DeleteSchedule`. */
  protected async _deleteSchedule(
    scheduleId: string,
  ): Promise<temporal.api.workflowservice.v1.IDeleteScheduleResponse> {
    return await this.callFor(scheduleId, 'Failed to delete schedule', () =>
      this.workflowService.deleteSchedule({
        namespace: this.options.namespace,
        identity: this.options.identity,
        scheduleId,
      }),
    );
  }

  /**
   * Lists Schedules, fetching pages as the iteration goes. Visibility is eventually consistent: a new
   * Schedule may appear some time after it was created.
   *
   * @example
   * ```ts
   * for await (const schedule of client.schedule.list()) console.log(schedule.scheduleId);
   * ```
   */
  async *list(options?: ListScheduleOptions): AsyncIterable<ScheduleSummary> {
    let nextPageToken: Uint8Array | undefined;
    do {
      const token = nextPageToken;
      const page: temporal.api.workflowservice.v1.ListSchedulesResponse = await this.callFor(
        undefined,
        'Failed to list schedules',
        () =>
          this.workflowService.listSchedules({
            namespace: this.options.namespace,
            query: options?.query,
            maximumPageSize: options?.pageSize,
            nextPageToken: token,
          }),
      );
      for (const entry of page.schedules ?? []) yield await this.summarize(entry);
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken !== undefined);
  }

  /**
   * Returns a handle to a Schedule without calling the server. If there is no such Schedule, the handle's
   * calls throw {@link ScheduleNotFoundError}.
   *
   * @throws TypeError if `scheduleId` is empty.
   */
  getHandle(scheduleId: string): ScheduleHandle {
    if (typeof scheduleId !== 'string' || scheduleId.length === 0) {
      throw new TypeError('Schedule id must be a non-empty string');
    }
    const patch = async (change: temporal.api.schedule.v1.ISchedulePatch) => {
      await this._patchSchedule(scheduleId, change);
    };
    const handle: ScheduleHandle = {
      client: this,
      scheduleId,
      describe: async () => await this.describeFromResponse(scheduleId, await this._describeSchedule(scheduleId)),
      update: async <W extends Workflow = Workflow>(
        updateFn: (previous: ScheduleDescription) => ScheduleUpdateOptions<ScheduleOptionsStartWorkflowAction<W>>,
      ): Promise<void> => {
        if (typeof updateFn !== 'function') throw new TypeError('ScheduleHandle.update expects an update function');
        const current = await handle.describe();
        // The replacement keeps the headers (tracing context, for one) the Schedule's action was created with.
        const keptHeaders = current.raw.schedule?.action?.startWorkflow?.header?.fields ?? {};
        const replacement = compileUpdatedScheduleOptions(scheduleId, updateFn(current) as ScheduleUpdateOptions);
        await this._updateSchedule(scheduleId, replacement, keptHeaders);
      },
      delete: async () => {
        await this._deleteSchedule(scheduleId);
      },
      pause: async (note?: string) => await patch({ pause: note ?? 'Paused via TypeScript SDK' }),
      unpause: async (note?: string) => await patch({ unpause: note ?? 'Unpaused via TypeScript SDK' }),
      trigger: async (overlap?: ScheduleOverlapPolicy) =>
        await patch({
          triggerImmediately: { overlapPolicy: overlap ? encodeScheduleOverlapPolicy(overlap) : OVERLAP_ALLOW_ALL },
        }),
      backfill: async (options: Backfill | Backfill[]) =>
        await patch({ backfillRequest: encodeBackfills([options].flat()) }),
    };
    return handle;
  }

  /**
   * Maps a gRPC error: NOT_FOUND becomes {@link ScheduleNotFoundError}, an invalid spec a `TypeError` with
   * the server's explanation, anything else {@link ServiceError}.
   */
  protected rethrowGrpcError(err: unknown, fallbackMessage: string, scheduleId?: string): never {
    if (!isGrpcServiceError(err)) {
      if (err instanceof TypeError) throw err;
      const cause = err instanceof Error ? err : new Error(String(err));
      throw new ServiceError('Unexpected error while making gRPC request', { cause });
    }
    rethrowKnownErrorTypes(err);
    if (err.code === grpcStatus.NOT_FOUND) {
      throw new ScheduleNotFoundError(err.details || 'Schedule not found', scheduleId ?? '');
    }
    const specProblem = err.code === grpcStatus.INVALID_ARGUMENT ? invalidSpecExplanation(err.details) : undefined;
    if (specProblem !== undefined) throw new TypeError(specProblem);
    throw new ServiceError(fallbackMessage, { cause: err });
  }

  /** Runs one service call about a Schedule, converting failures with {@link rethrowGrpcError}. */
  private async callFor<R>(scheduleId: string | undefined, failure: string, call: () => Promise<R>): Promise<R> {
    try {
      return await call();
    } catch (err) {
      this.rethrowGrpcError(err, failure, scheduleId);
    }
  }

  /**
   * Encodes what a create and an update both send: the Schedule itself and its search attributes, plus the
   * memo when one is given.
   */
  private async encodeScheduleParts(
    options: CompiledScheduleUpdateOptions | CompiledScheduleOptions,
    headers: Headers,
    memo?: Record<string, unknown>,
  ): Promise<EncodedScheduleParts> {
    const spec = encodeScheduleSpec(options.spec);
    const action = await encodeScheduleAction(this.dataConverter, this.options.namespace, options.action, headers);
    const schedule = {
      spec,
      action,
      policies: encodeSchedulePolicies(options.policies),
      state: encodeScheduleState(options.state),
    };
    const parts: EncodedScheduleParts = { schedule };
    if (memo) parts.memo = { fields: await encodeMapToPayloads(this.dataConverter, memo) };
    const { searchAttributes, typedSearchAttributes } = options;
    if (searchAttributes || typedSearchAttributes) {
      parts.searchAttributes = {
        indexedFields: encodeUnifiedSearchAttributes(searchAttributes, typedSearchAttributes),
      };
    }
    return parts;
  }

  /** One entry of a `ListSchedules` page, as a {@link ScheduleSummary}. */
  private async summarize(entry: temporal.api.schedule.v1.IScheduleListEntry): Promise<ScheduleSummary> {
    const info = entry.info ?? {};
    const indexed = entry.searchAttributes?.indexedFields;
    return {
      scheduleId: entry.scheduleId ?? '',
      spec: decodeScheduleSpec(info.spec ?? {}),
      action: info.workflowType ? { type: 'startWorkflow', workflowType: info.workflowType.name ?? '' } : undefined,
      memo: await decodeMapFromPayloads(this.dataConverter, entry.memo?.fields),
      searchAttributes: decodeSearchAttributes(indexed),
      typedSearchAttributes: decodeTypedSearchAttributes(indexed),
      state: { paused: info.paused === true, note: info.notes || undefined },
      info: {
        recentActions: decodeScheduleRecentActions(info.recentActions),
        nextActionTimes: (info.futureActionTimes ?? []).map(tsToDate),
      },
    };
  }

  /** A `DescribeSchedule` response as a {@link ScheduleDescription}, with the defaults the server leaves out. */
  private async describeFromResponse(
    scheduleId: string,
    raw: temporal.api.workflowservice.v1.IDescribeScheduleResponse,
  ): Promise<ScheduleDescription> {
    const { schedule } = raw;
    if (!schedule?.spec || !schedule.action) {
      throw new Error('The server described the Schedule without its spec or action');
    }
    const { policies, state } = schedule;
    const info = raw.info ?? {};
    const indexed = raw.searchAttributes?.indexedFields;
    return {
      scheduleId,
      spec: decodeScheduleSpec(schedule.spec),
      action: await decodeScheduleAction(this.dataConverter, this.options.namespace, schedule.action),
      memo: await decodeMapFromPayloads(this.dataConverter, raw.memo?.fields),
      searchAttributes: decodeSearchAttributes(indexed),
      typedSearchAttributes: decodeTypedSearchAttributes(indexed),
      policies: {
        overlap: decodeScheduleOverlapPolicy(policies?.overlapPolicy) ?? ScheduleOverlapPolicy.SKIP,
        catchupWindow: optionalTsToMs(policies?.catchupWindow) ?? 60_000,
        pauseOnFailure: policies?.pauseOnFailure === true,
      },
      state: {
        paused: state?.paused === true,
        note: state?.notes || undefined,
        remainingActions: state?.limitedActions ? int64ToNumber(state.remainingActions) : undefined,
      },
      info: {
        createdAt: requiredTsToDate(info.createTime, 'createTime'),
        lastUpdatedAt: optionalTsToDate(info.updateTime),
        nextActionTimes: (info.futureActionTimes ?? []).map(tsToDate),
        recentActions: decodeScheduleRecentActions(info.recentActions),
        runningActions: decodeScheduleRunningActions(info.runningWorkflows),
        numActionsTaken: int64ToNumber(info.actionCount),
        numActionsMissedCatchupWindow: int64ToNumber(info.missedCatchupWindow),
        numActionsSkippedOverlap: int64ToNumber(info.overlapSkipped),
      },
      raw,
    };
  }
}

const OVERLAP_ALLOW_ALL = temporal.api.enums.v1.ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL;

/** The server's explanation of a spec it refused, or `undefined` if `details` is about something else. */
function invalidSpecExplanation(details: string): string | undefined {
  const marker = 'Invalid schedule spec: ';
  return details.startsWith(marker) ? details.slice(marker.length) : undefined;
}

function encodeBackfills(backfills: Backfill[]): temporal.api.schedule.v1.IBackfillRequest[] {
  const encodeOne = (backfill: Backfill): temporal.api.schedule.v1.IBackfillRequest => {
    const { start, end, overlap } = backfill ?? {};
    if (!(start instanceof Date && end instanceof Date))
      throw new TypeError('A Backfill needs `start` and `end` Dates');
    return {
      startTime: optionalDateToTs(start),
      endTime: optionalDateToTs(end),
      overlapPolicy: overlap ? encodeScheduleOverlapPolicy(overlap) : undefined,
    };
  };
  return backfills.map(encodeOne);
}

/** Thrown by {@link ScheduleClient.create} when a Schedule with the given id already exists. */
export class ScheduleAlreadyRunning extends Error {
  constructor(
    message: string,
    /** Id of the existing Schedule. */
    public readonly scheduleId: string,
  ) {
    super(message);
  }
}
SymbolBasedInstanceOfError('ScheduleAlreadyRunning')(ScheduleAlreadyRunning);

/** The server knows no Schedule with this id: the id is wrong, or the Schedule was deleted. */
export class ScheduleNotFoundError extends Error {
  constructor(
    message: string,
    /** Id of the Schedule. */
    public readonly scheduleId: string,
  ) {
    super(message);
  }
}
SymbolBasedInstanceOfError('ScheduleNotFoundError')(ScheduleNotFoundError);
