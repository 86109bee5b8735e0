/**
 * Interceptors around activity execution, with the names and shapes of `@temporalio/worker`'s activity
 * interceptors.
 */
import type { Context as ActivityContext } from '@kairos/activity';
import type { Headers, MetricTags, Next } from '@kairos/common';

/**
 * Builds the interceptors of one activity execution. The worker calls every factory once per attempt, with that
 * attempt's context. A factory may return the same objects every time and rely on `Context.current()` instead.
 */
export type ActivityInterceptorsFactory = (ctx: ActivityContext) => ActivityInterceptors;

/** The interceptors of one activity execution; both kinds are optional. */
export interface ActivityInterceptors {
  /** Wraps the call of the activity function. */
  inbound?: ActivityInboundCallsInterceptor;
  /** Adds log attributes and metric tags to what the activity emits. */
  outbound?: ActivityOutboundCallsInterceptor;
}

/** Implement any of these methods to intercept calls made into an activity. */
export interface ActivityInboundCallsInterceptor {
  /**
   * Called to run the activity function; `next` runs the next interceptor, and the last `next` the function. Resolves
   * with the activity's result.
   */
  execute?: (input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) => Promise<unknown>;
}

/** Input of {@link ActivityInboundCallsInterceptor.execute}. */
export interface ActivityExecuteInput {
  /** The decoded arguments of the activity. */
  readonly args: unknown[];
  /** The headers the workflow (or its outbound interceptors) sent with the activity, still encoded. */
  readonly headers: Headers;
}

/** Implement any of these methods to intercept what an activity sends out (logs and metrics). */
export interface ActivityOutboundCallsInterceptor {
  /**
   * Called each time the activity logs through its context logger; the returned attributes are attached to the
   * message. `input` holds the attributes gathered so far (the activity's own, then earlier interceptors').
   */
  getLogAttributes?: (
    input: GetLogAttributesInput,
    next: Next<ActivityOutboundCallsInterceptor, 'getLogAttributes'>,
  ) => Record<string, unknown>;
  /**
   * Called each time a metric created from the activity's metric meter records a value; the returned tags come
   * before the tags set on the metric and on the call.
   */
  getMetricTags?: (
    input: GetMetricTagsInput,
    next: Next<ActivityOutboundCallsInterceptor, 'getMetricTags'>,
  ) => MetricTags;
}

/** Input of {@link ActivityOutboundCallsInterceptor.getLogAttributes}. */
export type GetLogAttributesInput = Record<string, unknown>;

/** Input of {@link ActivityOutboundCallsInterceptor.getMetricTags}. */
export type GetMetricTagsInput = MetricTags;

/**
 * Builds an inbound activity interceptor from an activity context.
 *
 * @deprecated Use {@link ActivityInterceptorsFactory}.
 */
export interface ActivityInboundCallsInterceptorFactory {
  (ctx: ActivityContext): ActivityInboundCallsInterceptor;
}
