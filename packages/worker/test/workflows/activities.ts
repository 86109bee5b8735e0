/**
 * Workflows of `test/activities.test.ts`: they call one activity with the options the test gives and report what
 * the call ended with, checked inside the workflow (error classes and their fields) as a plain object.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  defineQuery,
  defineSignal,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  TimeoutFailure,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@kairos/workflow';
import type * as activities from '../activities';

/** What an error looked like inside the workflow. */
export interface FailureSummary {
  name: string;
  message: string;
  isActivityFailure: boolean;
  isApplicationFailure: boolean;
  isCancelledFailure: boolean;
  isTimeoutFailure: boolean;
  activityType?: string;
  activityId?: string;
  retryState?: string;
  type?: string | null;
  nonRetryable?: boolean | null;
  details?: unknown[];
  timeoutType?: string;
  lastHeartbeatDetails?: unknown;
  cause?: FailureSummary;
}

/** How an activity call ended. */
export type Outcome = { result: unknown } | { failure: FailureSummary };

/** Options of one activity call; `local: true` makes it a local activity. */
export type CallOptions = (ActivityOptions & { local?: false }) | (LocalActivityOptions & { local: true });

type ActivityName = keyof typeof activities;

function summarize(error: unknown): FailureSummary {
  const err = error as Error;
  const summary: FailureSummary = {
    name: err?.name,
    message: err?.message,
    isActivityFailure: error instanceof ActivityFailure,
    isApplicationFailure: error instanceof ApplicationFailure,
    isCancelledFailure: error instanceof CancelledFailure,
    isTimeoutFailure: error instanceof TimeoutFailure,
  };
  if (error instanceof ActivityFailure) {
    summary.activityType = error.activityType;
    summary.activityId = error.activityId;
    summary.retryState = error.retryState;
  }
  if (error instanceof ApplicationFailure) {
    summary.type = error.type;
    summary.nonRetryable = error.nonRetryable;
    summary.details = error.details ?? undefined;
  }
  if (error instanceof CancelledFailure) summary.details = error.details;
  if (error instanceof TimeoutFailure) {
    summary.timeoutType = error.timeoutType;
    summary.lastHeartbeatDetails = error.lastHeartbeatDetails;
  }
  if (err?.cause !== undefined) summary.cause = summarize(err.cause);
  return summary;
}

function call(name: ActivityName, args: unknown[], options: CallOptions): Promise<unknown> {
  const { local, ...rest } = options;
  const fn = local
    ? (proxyLocalActivities<typeof activities>(rest as LocalActivityOptions)[name] as (...a: unknown[]) => unknown)
    : (proxyActivities<typeof activities>(rest as ActivityOptions)[name] as (...a: unknown[]) => unknown);
  return Promise.resolve(fn(...args));
}

function settle(promise: Promise<unknown>): Promise<Outcome> {
  return promise.then(
    (result) => ({ result }),
    (error: unknown) => ({ failure: summarize(error) }),
  );
}

/** Calls activity `name` once and returns how the call ended. */
export async function callActivity(name: ActivityName, args: unknown[], options: CallOptions): Promise<Outcome> {
  return settle(call(name, args, options));
}

export const cancelCallSignal = defineSignal('cancelCall');
export const finishCallSignal = defineSignal('finishCall');
export const callOutcomeQuery = defineQuery<Outcome | null>('callOutcome');

/**
 * Calls activity `name` in a cancellation scope, cancels the scope when `cancelCall` arrives, makes the outcome
 * of the call queryable (`callOutcome`) and returns it once `finishCall` arrives.
 */
export async function cancelActivityOnSignal(
  name: ActivityName,
  args: unknown[],
  options: CallOptions,
): Promise<Outcome> {
  let cancelRequested = false;
  let finished = false;
  let outcome: Outcome | null = null;
  setHandler(cancelCallSignal, () => void (cancelRequested = true));
  setHandler(finishCallSignal, () => void (finished = true));
  setHandler(callOutcomeQuery, () => outcome);
  const scope = new CancellationScope();
  const pending = settle(scope.run(() => call(name, args, options)));
  await condition(() => cancelRequested);
  scope.cancel();
  outcome = await pending;
  await condition(() => finished);
  return outcome;
}

export const fromActivitySignal = defineSignal<[string]>('fromActivity');

/** Runs `signalOwnWorkflow`, which signals this workflow through the activity's client. */
export async function signalledByActivity(): Promise<{ status: unknown; signalled: string | undefined }> {
  let signalled: string | undefined;
  setHandler(fromActivitySignal, (value) => void (signalled = value));
  const { signalOwnWorkflow } = proxyActivities<typeof activities>({
    startToCloseTimeout: '10s',
    retry: { maximumAttempts: 1 },
  });
  const status = await signalOwnWorkflow(fromActivitySignal.name, 'hello from the activity');
  await condition(() => signalled !== undefined);
  return { status, signalled };
}
