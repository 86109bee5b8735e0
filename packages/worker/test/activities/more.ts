/**
 * Activities of `test/activities.test.ts`. They run in the test's own process, so each reports what it sees (its
 * attempts, the cancellation it got) to a {@link Probe} the test reads, and waits on the probe where the test
 * has to decide when it goes on.
 */
import {
  activityInfo,
  ApplicationFailure,
  CancelledFailure,
  CompleteAsyncError,
  Context,
  heartbeat,
  log,
  type Info,
} from '@kairos/activity';

/** What an activity saw when it was cancelled. */
export interface CancellationSeen {
  /** Attempt that was cancelled. */
  attempt: number;
  /** Name and message of what `Context.cancelled` rejected with. */
  errorName: string;
  message: string;
  isCancelledFailure: boolean;
  /** `Context.cancellationDetails`, as a plain object. */
  details: Record<string, boolean> | undefined;
  /** State of `Context.cancellationSignal`. */
  signalAborted: boolean;
  signalReasonIsCancelledFailure: boolean;
}

/** The shared notebook of one test and the activities it runs (found by key). */
class Probe {
  /** The info of every attempt, in the order they started. */
  readonly attempts: Info[] = [];
  /** Cancellations the activity saw, one per cancelled attempt. */
  readonly cancellations: CancellationSeen[] = [];
  /** Resolves once the test called {@link release}: activities wait on it where the test decides. */
  readonly released: Promise<void>;
  private resolveReleased: () => void = () => undefined;
  private readonly listeners = new Set<() => void>();

  constructor() {
    this.released = new Promise((resolve) => (this.resolveReleased = resolve));
  }

  recordAttempt(info: Info): void {
    this.attempts.push(info);
    this.notify();
  }

  recordCancellation(error: unknown, context: Context): void {
    const details = context.cancellationDetails;
    this.cancellations.push({
      attempt: context.info.attempt,
      errorName: (error as Error)?.name,
      message: (error as Error)?.message,
      isCancelledFailure: error instanceof CancelledFailure,
      details: details && {
        notFound: details.notFound,
        cancelRequested: details.cancelRequested,
        paused: details.paused,
        timedOut: details.timedOut,
        workerShutdown: details.workerShutdown,
        reset: details.reset,
      },
      signalAborted: context.cancellationSignal.aborted,
      signalReasonIsCancelledFailure: context.cancellationSignal.reason instanceof CancelledFailure,
    });
    this.notify();
  }

  /** Lets activities waiting on {@link released} go on. */
  release(): void {
    this.resolveReleased();
  }

  /** Resolves with the first non-undefined value of `check`, re-evaluated whenever the probe records something. */
  until<T>(check: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const listener = () => {
        const value = check();
        if (value === undefined) return;
        this.listeners.delete(listener);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`Timed out waiting for ${what}`));
      }, timeoutMs);
      this.listeners.add(listener);
      listener();
    });
  }

  /** Resolves with the info of attempt `n` once it started. */
  attempt(n: number): Promise<Info> {
    return this.until(() => this.attempts.find((a) => a.attempt === n), `attempt ${n} to start`);
  }

  /** Resolves with the cancellation of the `n`th cancelled attempt once the activity saw it. */
  cancellation(n = 1): Promise<CancellationSeen> {
    return this.until(() => this.cancellations[n - 1], `cancellation number ${n} to reach the activity`);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

export type { Probe };

const probeMap = new Map<string, Probe>();

/**
 * The probes by key. An object, not a function, so that the worker (which registers every exported function of the
 * activities module) does not take it for an activity.
 */
export const probes = {
  /** The probe of `key`, created on first use (by the test or the activity, whichever comes first). */
  for(key: string): Probe {
    let probe = probeMap.get(key);
    if (probe === undefined) {
      probe = new Probe();
      probeMap.set(key, probe);
    }
    return probe;
  },
  /** Releases every activity still waiting on a probe, so that a failed test does not leave the worker stuck. */
  releaseAll(): void {
    for (const probe of probeMap.values()) probe.release();
  },
};

function startAttempt(key: string): { probe: Probe; info: Info } {
  const probe = probes.for(key);
  const info = activityInfo();
  probe.recordAttempt(info);
  return { probe, info };
}

/** Fails with a retryable `ApplicationFailure` until attempt `succeedOn`, then returns the attempt number. */
export async function failUntilAttempt(key: string, succeedOn: number): Promise<number> {
  const { info } = startAttempt(key);
  if (info.attempt < succeedOn) {
    throw ApplicationFailure.create({
      message: `attempt ${info.attempt} failed`,
      type: 'Flaky',
      details: [info.attempt],
    });
  }
  return info.attempt;
}

/** A plain error class, turned into an `ApplicationFailure` of type `FatalError` by the worker. */
class FatalError extends Error {
  override readonly name = 'FatalError';
}

/** Fails the way `kind` says, on every attempt. */
export async function failWith(key: string, kind: 'nonRetryable' | 'fatalError'): Promise<never> {
  const { info } = startAttempt(key);
  if (kind === 'nonRetryable') {
    throw ApplicationFailure.nonRetryable(`attempt ${info.attempt} cannot go on`, 'BadInput', { field: 'name' }, 7);
  }
  throw new FatalError(`attempt ${info.attempt} hit a fatal error`);
}

/** Heartbeats two checkpoints, the second one winning, and fails until attempt `succeedOn`. */
export async function checkpointThenFail(key: string, succeedOn: number): Promise<number> {
  const { info } = startAttempt(key);
  heartbeat({ attempt: info.attempt, step: 1 });
  heartbeat({ attempt: info.attempt, step: 2 });
  if (info.attempt < succeedOn) throw ApplicationFailure.retryable(`attempt ${info.attempt} failed after heartbeats`);
  return info.attempt;
}

/**
 * Heartbeats a counter every 20 ms until it is cancelled or the test releases it; returns at once on attempts after
 * `blockingAttempts`. When cancelled, records the cancellation, waits for the release, then rethrows the
 * `CancelledFailure` or (with `onCancel: 'complete'`) completes anyway.
 */
export async function heartbeatUntilReleased(
  key: string,
  onCancel: 'rethrow' | 'complete',
  blockingAttempts: number,
): Promise<string> {
  const { probe, info } = startAttempt(key);
  if (info.attempt > blockingAttempts) return `attempt ${info.attempt} returned at once`;
  const context = Context.current();
  const released = probe.released.then(() => 'released' as const);
  let beats = 0;
  for (;;) {
    context.heartbeat(++beats);
    try {
      const woken = await Promise.race([context.sleep(20), released]);
      if (woken === 'released') return `released without cancellation, aborted: ${context.cancellationSignal.aborted}`;
    } catch (error) {
      probe.recordCancellation(error, context);
      await released;
      if (onCancel === 'complete') return 'completed after cancellation';
      throw error;
    }
  }
}

/** Heartbeats once and then stops heartbeating (until released or cancelled) on the first `stallingAttempts`. */
export async function stopHeartbeating(key: string, stallingAttempts: number): Promise<number> {
  const { probe, info } = startAttempt(key);
  heartbeat({ attempt: info.attempt });
  if (info.attempt <= stallingAttempts) {
    await Promise.race([probe.released, Context.current().cancelled]);
    throw new Error(`attempt ${info.attempt} gave up`);
  }
  return info.attempt;
}

/** Leaves the activity open; the test completes it through the client. */
export async function completeLater(key: string): Promise<never> {
  startAttempt(key);
  throw new CompleteAsyncError();
}

/** Signals the workflow that scheduled it through `Context.client`, then describes that workflow. */
export async function signalOwnWorkflow(signalName: string, value: string): Promise<string> {
  const { client, info } = Context.current();
  const workflowId = info.workflowExecution?.workflowId;
  if (workflowId === undefined) throw new Error('signalOwnWorkflow only runs in a workflow');
  const handle = client.workflow.getHandle(workflowId);
  await handle.signal(signalName, value);
  return (await handle.describe()).status.name;
}

/** Logs through `log` of `@kairos/activity` and through `Context.log`. */
export async function logFromActivity(marker: string): Promise<void> {
  log.info(`activity log ${marker}`, { marker });
  Context.current().log.warn(`context log ${marker}`);
}
