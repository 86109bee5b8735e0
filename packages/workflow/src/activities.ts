/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
/**
 * Calling activities from a workflow: `proxyActivities`, `proxyLocalActivities`, `scheduleActivity` and
 * `scheduleLocalActivity`.
 *
 * @module
 */
import {
  ActivityCancellationType,
  decodeActivityCancellationType,
  encodeActivityCancellationType,
  type ActivityOptions as ActivityOptionsCommon,
  type LocalActivityOptions as LocalActivityOptionsCommon,
} from '@kairos/common/lib/activity-options';
import type { ActivityFunction, ActivityTypeInfoMap, PayloadTypeInfo, UntypedActivities } from '@kairos/common';
import { compilePriority } from '@kairos/common/lib/priority';
import { compileRetryPolicy } from '@kairos/common/lib/retry-policy';
import { toPayloads } from '@kairos/common/lib/converter/payload-converter';
import { composeInterceptors } from '@kairos/common/lib/interceptors';
import { msOptionalToTs, tsToMs } from '@kairos/common/lib/time';
import { userMetadataToPayload } from '@kairos/common/lib/user-metadata';
import { versioningIntentToProto } from '@kairos/common/lib/versioning-intent-enum';
import { CancellationScope } from './cancellation-scope';
import { LocalActivityDoBackoff } from './errors';
import { type EventGroupMarker, rejectEventGroups } from './event-groups';
import { getActivator } from './global-attributes';
import type { ActivityInput, LocalActivityInput } from './interceptors';
import { untrackPromise } from './stack-helpers';
import { sleep } from './timers';

export { ActivityCancellationType, encodeActivityCancellationType, decodeActivityCancellationType };

/** Options of an activity called from a workflow. */
export type ActivityOptions = ActivityOptionsCommon & { eventGroups?: EventGroupMarker[] };
/** Options of a local activity called from a workflow. */
export type LocalActivityOptions = LocalActivityOptionsCommon & { eventGroups?: EventGroupMarker[] };

function validateActivityOptions(options: { startToCloseTimeout?: unknown; scheduleToCloseTimeout?: unknown }): void {
  if (options.scheduleToCloseTimeout === undefined && options.startToCloseTimeout === undefined) {
    throw new TypeError('Required either scheduleToCloseTimeout or startToCloseTimeout');
  }
}

function scheduleActivityNextHandler({ options, args, headers, seq, activityType }: ActivityInput): Promise<unknown> {
  const activator = getActivator();
  validateActivityOptions(options);
  return new Promise((resolve, reject) => {
    const scope = CancellationScope.current();
    if (scope.consideredCancelled) {
      untrackPromise(scope.cancelRequested.catch(reject));
      return;
    }
    if (scope.cancellable) {
      untrackPromise(
        scope.cancelRequested.catch(() => {
          if (!activator.completions.activity.has(seq)) return; // already resolved
          activator.pushCommand({ requestCancelActivity: { seq } });
        }),
      );
    }
    activator.pushCommand({
      scheduleActivity: {
        seq,
        activityId: options.activityId ?? `${seq}`,
        activityType,
        arguments: toPayloads(activator.payloadConverter, ...args),
        retryPolicy: options.retry ? compileRetryPolicy(options.retry) : undefined,
        taskQueue: options.taskQueue || activator.info.taskQueue,
        heartbeatTimeout: msOptionalToTs(options.heartbeatTimeout),
        scheduleToCloseTimeout: msOptionalToTs(options.scheduleToCloseTimeout),
        startToCloseTimeout: msOptionalToTs(options.startToCloseTimeout),
        scheduleToStartTimeout: msOptionalToTs(options.scheduleToStartTimeout),
        headers,
        cancellationType: encodeActivityCancellationType(options.cancellationType),
        doNotEagerlyExecute: !(options.allowEagerDispatch ?? true),
        versioningIntent: versioningIntentToProto(options.versioningIntent) as number,
        priority: options.priority ? compilePriority(options.priority) : undefined,
      },
      userMetadata: userMetadataToPayload(activator.payloadConverter, options.summary, undefined),
    });
    activator.completions.activity.set(seq, { resolve, reject });
  });
}

function scheduleLocalActivityNextHandler({
  options,
  args,
  headers,
  seq,
  activityType,
  attempt,
  originalScheduleTime,
}: LocalActivityInput): Promise<unknown> {
  const activator = getActivator();
  // Checked here, not only where the activity is called, so interceptors may change the options.
  validateActivityOptions(options);
  return new Promise((resolve, reject) => {
    const scope = CancellationScope.current();
    if (scope.consideredCancelled) {
      untrackPromise(scope.cancelRequested.catch(reject));
      return;
    }
    if (scope.cancellable) {
      untrackPromise(
        scope.cancelRequested.catch(() => {
          if (!activator.completions.activity.has(seq)) return; // already resolved
          activator.pushCommand({ requestCancelLocalActivity: { seq } });
        }),
      );
    }
    activator.pushCommand({
      scheduleLocalActivity: {
        seq,
        attempt,
        originalScheduleTime,
        activityId: `${seq}`,
        activityType,
        arguments: toPayloads(activator.payloadConverter, ...args),
        retryPolicy: options.retry ? compileRetryPolicy(options.retry) : undefined,
        scheduleToCloseTimeout: msOptionalToTs(options.scheduleToCloseTimeout),
        startToCloseTimeout: msOptionalToTs(options.startToCloseTimeout),
        scheduleToStartTimeout: msOptionalToTs(options.scheduleToStartTimeout),
        localRetryThreshold: msOptionalToTs(options.localRetryThreshold),
        headers,
        cancellationType: encodeActivityCancellationType(options.cancellationType),
      },
      userMetadata: userMetadataToPayload(activator.payloadConverter, options.summary, undefined),
    });
    activator.completions.activity.set(seq, { resolve, reject });
  });
}

/** Schedules an activity by type name and waits for its result. Prefer {@link proxyActivities}. */
export function scheduleActivity<R>(
  activityType: string,
  args: any[],
  options: ActivityOptions,
  typeInfo?: PayloadTypeInfo,
): Promise<R> {
  const activator = getActivator();
  validateActivityOptions(options);
  rejectEventGroups(options.eventGroups);
  activator.noteCallSite(scheduleActivity);
  const seq = activator.nextSeq('activity');
  const execute = composeInterceptors(activator.interceptors.outbound, 'scheduleActivity', scheduleActivityNextHandler);
  return execute({ activityType, headers: {}, options, args, seq, typeInfo }) as Promise<R>;
}

/**
 * Schedules a local activity (run by this worker, recorded as a marker) and waits for its result. Retries
 * happen inside the worker; a backoff longer than `localRetryThreshold` becomes a workflow timer.
 */
export async function scheduleLocalActivity<R>(
  activityType: string,
  args: any[],
  options: LocalActivityOptions,
  typeInfo?: PayloadTypeInfo,
): Promise<R> {
  const activator = getActivator();
  validateActivityOptions(options);
  rejectEventGroups(options.eventGroups);
  activator.noteCallSite(scheduleLocalActivity);
  if (activator.registeredActivityNames !== undefined && !activator.registeredActivityNames.has(activityType)) {
    throw new ReferenceError(`Local activity of type '${activityType}' not registered on worker`);
  }
  let attempt = 1;
  let originalScheduleTime: LocalActivityInput['originalScheduleTime'] = undefined;
  for (;;) {
    const seq = activator.nextSeq('activity');
    const execute = composeInterceptors(
      activator.interceptors.outbound,
      'scheduleLocalActivity',
      scheduleLocalActivityNextHandler,
    );
    try {
      return (await execute({
        activityType,
        headers: {},
        options,
        args,
        seq,
        attempt,
        originalScheduleTime,
        typeInfo,
      })) as R;
    } catch (err) {
      if (!(err instanceof LocalActivityDoBackoff)) throw err;
      await sleep(tsToMs(err.backoff.backoffDuration));
      if (typeof err.backoff.attempt !== 'number') throw new TypeError('Invalid backoff attempt type');
      attempt = err.backoff.attempt;
      originalScheduleTime = err.backoff.originalScheduleTime ?? undefined;
    }
  }
}

/** Marks a value in an activity module that is not a function (activity proxies type it this way). */
export const NotAnActivityMethod: unique symbol = Symbol('__TEMPORAL_NOT_AN_ACTIVITY_METHOD');

/** The activity proxy type of an activity module. */
export type ActivityInterfaceFor<T> = {
  [K in keyof T]: T[K] extends ActivityFunction ? ActivityFunctionWithOptions<T[K]> : typeof NotAnActivityMethod;
};

/** Options of {@link proxyActivities}. */
export interface ActivityProxyOptions<A = UntypedActivities> extends ActivityOptions {
  /** Per-activity payload type information. */
  activityTypeInfo?: ActivityTypeInfoMap<A>;
}

/** An activity function of a proxy, which can also be called with other options. */
export type ActivityFunctionWithOptions<T extends ActivityFunction> = T & {
  executeWithOptions(options: ActivityOptions, args: Parameters<T>): Promise<Awaited<ReturnType<T>>>;
};

/** The local activity proxy type of an activity module. */
export type LocalActivityInterfaceFor<T> = {
  [K in keyof T]: T[K] extends ActivityFunction ? LocalActivityFunctionWithOptions<T[K]> : typeof NotAnActivityMethod;
};

/** Options of {@link proxyLocalActivities}. */
export interface LocalActivityProxyOptions<A = UntypedActivities> extends LocalActivityOptions {
  activityTypeInfo?: ActivityTypeInfoMap<A>;
}

/** A local activity function of a proxy, which can also be called with other options. */
export type LocalActivityFunctionWithOptions<T extends ActivityFunction> = T & {
  executeWithOptions(options: LocalActivityOptions, args: Parameters<T>): Promise<Awaited<ReturnType<T>>>;
};

function typeInfoOf(
  map: Record<string, PayloadTypeInfo | undefined> | undefined,
  name: string,
): PayloadTypeInfo | undefined {
  return map?.[name];
}

/**
 * A proxy whose properties call activities by name with `options`: type it with the activity module
 * (`proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' })`).
 */
export function proxyActivities<A = UntypedActivities>(options: ActivityProxyOptions<A>): ActivityInterfaceFor<A> {
  if (options === undefined) throw new TypeError('options must be defined');
  validateActivityOptions(options);
  const { activityTypeInfo, ...activityOptions } = options;
  return new Proxy({} as ActivityInterfaceFor<A>, {
    get(_, activityType) {
      if (typeof activityType !== 'string')
        throw new TypeError(`Only strings are supported for Activity types, got: ${String(activityType)}`);
      const typeInfo = typeInfoOf(activityTypeInfo as Record<string, PayloadTypeInfo> | undefined, activityType);
      const call = (...args: unknown[]) => scheduleActivity(activityType, args, activityOptions, typeInfo);
      call.executeWithOptions = (overrides: ActivityOptions, args: unknown[]) =>
        scheduleActivity(activityType, args, overrides, typeInfo);
      return call;
    },
  });
}

/** Like {@link proxyActivities}, for local activities. */
export function proxyLocalActivities<A = UntypedActivities>(
  options: LocalActivityProxyOptions<A>,
): LocalActivityInterfaceFor<A> {
  if (options === undefined) throw new TypeError('options must be defined');
  validateActivityOptions(options);
  const { activityTypeInfo, ...activityOptions } = options;
  return new Proxy({} as LocalActivityInterfaceFor<A>, {
    get(_, activityType) {
      if (typeof activityType !== 'string')
        throw new TypeError(`Only strings are supported for Activity types, got: ${String(activityType)}`);
      const typeInfo = typeInfoOf(activityTypeInfo as Record<string, PayloadTypeInfo> | undefined, activityType);
      const call = (...args: unknown[]) => scheduleLocalActivity(activityType, args, activityOptions, typeInfo);
      call.executeWithOptions = (overrides: LocalActivityOptions, args: unknown[]) =>
        scheduleLocalActivity(activityType, args, overrides, typeInfo);
      return call;
    },
  });
}
