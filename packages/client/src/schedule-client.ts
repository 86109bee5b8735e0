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
import { filterNullAndUndefined } from '@kairos/common/lib/internal-workflow';
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
import { BaseClient, defaultBaseClientOptions } from './base-client';
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
   * @param note new note of the Schedule; defaults to `'Paused via TypeScript SDK'`
   */
  pause(note?: string): Promise<void>;

  /**
   * Unpauses the Schedule.
   *
   * @param note new note of the Schedule; defaults to `'Unpaused via TypeScript SDK'`
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

/** Creates and manages Schedules. Usually reached as {@link Client.schedule}. */
export class ScheduleClient extends BaseClient {
  /** Options with defaults applied. */
  readonly options: LoadedScheduleClientOptions;

  /**
   * @throws TypeError if an option is malformed.
   */
  constructor(options?: ScheduleClientOptions) {
    super(options);
    this.options = {
      ...defaultBaseClientOptions(),
      interceptors: [],
      ...filterNullAndUndefined(options ?? {}),
      loadedDataConverter: this.dataConverter,
    };
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
    const compiled = compileScheduleOptions(options);
    const create = composeInterceptors(this.options.interceptors, 'create', this._createScheduleHandler.bind(this));
    await create({ options: compiled, headers: {} });
  }

  /** Sends `CreateSchedule`; the end of the create interceptor chain. */
  protected async _createScheduleHandler(input: CreateScheduleInput): Promise<CreateScheduleOutput> {
    const { options, headers } = input;
    const request: temporal.api.workflowservice.v1.ICreateScheduleRequest = {
      namespace: this.options.namespace,
      identity: this.options.identity,
      requestId: randomUUID(),
      scheduleId: options.scheduleId,
      schedule: {
        spec: encodeScheduleSpec(options.spec),
        action: await encodeScheduleAction(this.dataConverter, this.options.namespace, options.action, headers),
        policies: encodeSchedulePolicies(options.policies),
        state: encodeScheduleState(options.state),
      },
      memo: options.memo ? { fields: await encodeMapToPayloads(this.dataConverter, options.memo) } : undefined,
      searchAttributes:
        options.searchAttributes || options.typedSearchAttributes
          ? { indexedFields: encodeUnifiedSearchAttributes(options.searchAttributes, options.typedSearchAttributes) }
          : undefined,
      initialPatch: {
        triggerImmediately: options.state?.triggerImmediately
          ? { overlapPolicy: temporal.api.enums.v1.ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL }
          : undefined,
        backfillRequest: options.state?.backfill ? encodeBackfills(options.state.backfill) : undefined,
      },
    };
    try {
      const response = await this.workflowService.createSchedule(request);
      return { conflictToken: response.conflictToken };
    } catch (err) {
      if (isGrpcServiceError(err) && err.code === grpcStatus.ALREADY_EXISTS) {
        throw new ScheduleAlreadyRunning('Schedule already exists and is running', options.scheduleId);
      }
      this.rethrowGrpcError(err, 'Failed to create schedule', options.scheduleId);
    }
  }

  /** Sends `DescribeSchedule`. */
  protected async _describeSchedule(
    scheduleId: string,
  ): Promise<temporal.api.workflowservice.v1.IDescribeScheduleResponse> {
    try {
      return await this.workflowService.describeSchedule({ namespace: this.options.namespace, scheduleId });
    } catch (err) {
      this.rethrowGrpcError(err, 'Failed to describe schedule', scheduleId);
    }
  }

  /** Sends `UpdateSchedule`, replacing the whole Schedule. */
  protected async _updateSchedule(
    scheduleId: string,
    opts: CompiledScheduleUpdateOptions,
    header: Headers,
  ): Promise<temporal.api.workflowservice.v1.IUpdateScheduleResponse> {
    const request: temporal.api.workflowservice.v1.IUpdateScheduleRequest = {
      namespace: this.options.namespace,
      scheduleId,
      schedule: {
        spec: encodeScheduleSpec(opts.spec),
        action: await encodeScheduleAction(this.dataConverter, this.options.namespace, opts.action, header),
        policies: encodeSchedulePolicies(opts.policies),
        state: encodeScheduleState(opts.state),
      },
      identity: this.options.identity,
      requestId: randomUUID(),
      searchAttributes:
        opts.searchAttributes || opts.typedSearchAttributes
          ? { indexedFields: encodeUnifiedSearchAttributes(opts.searchAttributes, opts.typedSearchAttributes) }
          : undefined,
    };
    try {
      return await this.workflowService.updateSchedule(request);
    } catch (err) {
      this.rethrowGrpcError(err, 'Failed to update schedule', scheduleId);
    }
  }

  /** Sends `PatchSchedule` (trigger, backfill, pause, unpause). */
  protected async _patchSchedule(
    scheduleId: string,
    patch: temporal.api.schedule.v1.ISchedulePatch,
  ): Promise<temporal.api.workflowservice.v1.IPatchScheduleResponse> {
    try {
      return await this.workflowService.patchSchedule({
        namespace: this.options.namespace,
        scheduleId,
        identity: this.options.identity,
        requestId: randomUUID(),
        patch,
      });
    } catch (err) {
      this.rethrowGrpcError(err, 'Failed to patch schedule', scheduleId);
    }
  }

  /** Sends `DeleteSchedule`. */
  protected async _deleteSchedule(
    scheduleId: string,
  ): Promise<temporal.api.workflowservice.v1.IDeleteScheduleResponse> {
    try {
      return await this.workflowService.deleteSchedule({
        namespace: this.options.namespace,
        identity: this.options.identity,
        scheduleId,
      });
    } catch (err) {
      this.rethrowGrpcError(err, 'Failed to delete schedule', scheduleId);
    }
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
    let nextPageToken: Uint8Array | undefined = undefined;
    for (;;) {
      let response: temporal.api.workflowservice.v1.ListSchedulesResponse;
      try {
        response = await this.workflowService.listSchedules({
          namespace: this.options.namespace,
          nextPageToken,
          maximumPageSize: options?.pageSize,
          query: options?.query,
        });
      } catch (err) {
        this.rethrowGrpcError(err, 'Failed to list schedules', undefined);
      }
      for (const raw of response.schedules ?? []) {
        yield {
          scheduleId: raw.scheduleId ?? '',
          spec: decodeScheduleSpec(raw.info?.spec ?? {}),
          action: raw.info?.workflowType
            ? { type: 'startWorkflow', workflowType: raw.info.workflowType.name ?? '' }
            : undefined,
          memo: await decodeMapFromPayloads(this.dataConverter, raw.memo?.fields),
          searchAttributes: decodeSearchAttributes(raw.searchAttributes?.indexedFields),
          typedSearchAttributes: decodeTypedSearchAttributes(raw.searchAttributes?.indexedFields),
          state: { paused: raw.info?.paused === true, note: raw.info?.notes || undefined },
          info: {
            recentActions: decodeScheduleRecentActions(raw.info?.recentActions),
            nextActionTimes: (raw.info?.futureActionTimes ?? []).map(tsToDate),
          },
        };
      }
      if (!response.nextPageToken || response.nextPageToken.length === 0) break;
      nextPageToken = response.nextPageToken;
    }
  }

  /**
   * Returns a handle to a Schedule without calling the server. If there is no such Schedule, the handle's
   * calls throw {@link ScheduleNotFoundError}.
   *
   * @throws TypeError if `scheduleId` is empty.
   */
  getHandle(scheduleId: string): ScheduleHandle {
    if (typeof scheduleId !== 'string' || scheduleId === '') {
      throw new TypeError('Schedule id must be a non-empty string');
    }
    const handle: ScheduleHandle = {
      client: this,
      scheduleId,
      describe: async (): Promise<ScheduleDescription> => {
        const raw = await this._describeSchedule(scheduleId);
        const schedule = raw.schedule;
        if (!schedule?.spec || !schedule.action) {
          throw new Error('Received invalid Schedule description from server');
        }
        const state = schedule.state;
        return {
          scheduleId,
          spec: decodeScheduleSpec(schedule.spec),
          action: await decodeScheduleAction(this.dataConverter, this.options.namespace, schedule.action),
          memo: await decodeMapFromPayloads(this.dataConverter, raw.memo?.fields),
          searchAttributes: decodeSearchAttributes(raw.searchAttributes?.indexedFields),
          typedSearchAttributes: decodeTypedSearchAttributes(raw.searchAttributes?.indexedFields),
          policies: {
            overlap: decodeScheduleOverlapPolicy(schedule.policies?.overlapPolicy) ?? ScheduleOverlapPolicy.SKIP,
            catchupWindow: optionalTsToMs(schedule.policies?.catchupWindow) ?? 60_000,
            pauseOnFailure: schedule.policies?.pauseOnFailure === true,
          },
          state: {
            paused: state?.paused === true,
            note: state?.notes || undefined,
            remainingActions: state?.limitedActions ? int64ToNumber(state.remainingActions) : undefined,
          },
          info: {
            recentActions: decodeScheduleRecentActions(raw.info?.recentActions),
            nextActionTimes: (raw.info?.futureActionTimes ?? []).map(tsToDate),
            createdAt: requiredTsToDate(raw.info?.createTime, 'createTime'),
            lastUpdatedAt: optionalTsToDate(raw.info?.updateTime),
            runningActions: decodeScheduleRunningActions(raw.info?.runningWorkflows),
            numActionsMissedCatchupWindow: int64ToNumber(raw.info?.missedCatchupWindow),
            numActionsSkippedOverlap: int64ToNumber(raw.info?.overlapSkipped),
            numActionsTaken: int64ToNumber(raw.info?.actionCount),
          },
          raw,
        };
      },
      update: async <W extends Workflow = Workflow>(
        updateFn: (previous: ScheduleDescription) => ScheduleUpdateOptions<ScheduleOptionsStartWorkflowAction<W>>,
      ): Promise<void> => {
        if (typeof updateFn !== 'function') throw new TypeError('ScheduleHandle.update expects an update function');
        const current = await handle.describe();
        // Keep the headers (e.g. tracing context) the Schedule was created with.
        const header = current.raw.schedule?.action?.startWorkflow?.header?.fields ?? {};
        const updated = updateFn(current) as ScheduleUpdateOptions;
        await this._updateSchedule(scheduleId, compileUpdatedScheduleOptions(scheduleId, updated), header);
      },
      delete: async (): Promise<void> => {
        await this._deleteSchedule(scheduleId);
      },
      pause: async (note?: string): Promise<void> => {
        await this._patchSchedule(scheduleId, { pause: note ?? 'Paused via TypeScript SDK' });
      },
      unpause: async (note?: string): Promise<void> => {
        await this._patchSchedule(scheduleId, { unpause: note ?? 'Unpaused via TypeScript SDK' });
      },
      trigger: async (overlap?: ScheduleOverlapPolicy): Promise<void> => {
        await this._patchSchedule(scheduleId, {
          triggerImmediately: {
            overlapPolicy: overlap
              ? encodeScheduleOverlapPolicy(overlap)
              : temporal.api.enums.v1.ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL,
          },
        });
      },
      backfill: async (options: Backfill | Backfill[]): Promise<void> => {
        await this._patchSchedule(scheduleId, {
          backfillRequest: encodeBackfills(Array.isArray(options) ? options : [options]),
        });
      },
    };
    return handle;
  }

  /**
   * Maps a gRPC error: NOT_FOUND becomes {@link ScheduleNotFoundError}, an invalid spec a `TypeError` with
   * the server's explanation, anything else {@link ServiceError}.
   */
  protected rethrowGrpcError(err: unknown, fallbackMessage: string, scheduleId?: string): never {
    if (isGrpcServiceError(err)) {
      rethrowKnownErrorTypes(err);
      if (err.code === grpcStatus.NOT_FOUND) {
        throw new ScheduleNotFoundError(err.details || 'Schedule not found', scheduleId ?? '');
      }
      const invalidSpec = /^Invalid schedule spec: /;
      if (err.code === grpcStatus.INVALID_ARGUMENT && invalidSpec.test(err.details)) {
        throw new TypeError(err.details.replace(invalidSpec, ''));
      }
      throw new ServiceError(fallbackMessage, { cause: err });
    }
    if (err instanceof TypeError) throw err;
    throw new ServiceError('Unexpected error while making gRPC request', {
      cause: err instanceof Error ? err : new Error(String(err)),
    });
  }
}

function encodeBackfills(backfills: Backfill[]): temporal.api.schedule.v1.IBackfillRequest[] {
  return backfills.map((backfill) => {
    if (!(backfill?.start instanceof Date) || !(backfill.end instanceof Date)) {
      throw new TypeError('A Backfill needs `start` and `end` Dates');
    }
    return {
      startTime: optionalDateToTs(backfill.start),
      endTime: optionalDateToTs(backfill.end),
      overlapPolicy: backfill.overlap ? encodeScheduleOverlapPolicy(backfill.overlap) : undefined,
    };
  });
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
