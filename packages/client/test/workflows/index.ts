/**
 * Workflows used by the client integration tests. They run on the official worker (see
 * `../helpers/worker.ts`) and only use `@temporalio/workflow`.
 */
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';

export async function greet(name: string): Promise<string> {
  return `Hello, ${name}!`;
}

export async function echo(...args: unknown[]): Promise<unknown[]> {
  return args;
}

export async function noArgs(): Promise<string> {
  return 'none';
}

/** Fails with an ApplicationFailure caused by another one, carrying details. */
export async function failWithCause(message: string): Promise<never> {
  const cause = ApplicationFailure.create({ message: 'root cause', type: 'RootError', nonRetryable: true });
  throw ApplicationFailure.create({
    message,
    type: 'WorkflowError',
    nonRetryable: true,
    details: [{ code: 42 }],
    cause,
  });
}

/** Continues as new `remaining` times, then returns the number of runs. */
export async function countdown(remaining: number, runs = 1): Promise<number> {
  if (remaining > 0) {
    await continueAsNew<typeof countdown>(remaining - 1, runs + 1);
  }
  return runs;
}

/** Fails its first attempt (retryable), succeeds on the next; the Workflow retry policy drives it. */
export async function succeedOnSecondAttempt(): Promise<number> {
  const { attempt } = workflowInfo();
  if (attempt < 2) throw ApplicationFailure.retryable('first attempt fails', 'FlakyError');
  return attempt;
}

const incrementSignal = defineSignal<[number]>('increment');
const finishSignal = defineSignal('finish');
const valueQuery = defineQuery<number>('value');
const addQuery = defineQuery<number, [number]>('add');
const failingQuery = defineQuery<number>('failingQuery');
const incrementUpdate = defineUpdate<number, [number]>('incrementAndGet');
const failingUpdate = defineUpdate<number, []>('failingUpdate');
const slowUpdate = defineUpdate<string, [string]>('slowUpdate');
const releaseSignal = defineSignal('release');

/**
 * A counter driven by Signals and Updates, read by Queries. Returns its value when signalled `finish`.
 * `incrementAndGet` rejects negative increments in its validator.
 */
export async function counter(initial = 0): Promise<number> {
  let value = initial;
  let finished = false;
  let released = false;
  setHandler(incrementSignal, (by) => {
    value += by;
  });
  setHandler(finishSignal, () => {
    finished = true;
  });
  setHandler(releaseSignal, () => {
    released = true;
  });
  setHandler(valueQuery, () => value);
  setHandler(addQuery, (n) => value + n);
  setHandler(failingQuery, () => {
    throw new Error('query handler failed');
  });
  setHandler(
    incrementUpdate,
    (by) => {
      value += by;
      return value;
    },
    {
      validator: (by) => {
        if (by < 0) throw new Error('increment must not be negative');
      },
    },
  );
  setHandler(failingUpdate, () => {
    throw ApplicationFailure.create({ message: 'update handler failed', type: 'UpdateError', nonRetryable: true });
  });
  setHandler(slowUpdate, async (text) => {
    await condition(() => released);
    return text.toUpperCase();
  });
  await condition(() => finished);
  return value;
}

/** Waits until cancelled (or terminated); on cancellation ends as cancelled. */
export async function waitForever(): Promise<never> {
  await CancellationScope.current().cancelRequested;
  throw new Error('unreachable');
}

/** Sleeps, to be timed out by a run timeout. */
export async function sleepFor(ms: number): Promise<void> {
  await sleep(ms);
}

/** Returns the Workflow's memo and start attempt, to check start options on the Workflow side. */
export async function reportInfo(): Promise<{
  memo: Record<string, unknown> | undefined;
  taskQueue: string;
  cron?: string;
}> {
  const info = workflowInfo();
  return { memo: info.memo, taskQueue: info.taskQueue, cron: info.cronSchedule };
}

const { completeLater } = proxyActivities<{ completeLater(key: string): Promise<string> }>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 1 },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** Runs an Activity that the test completes asynchronously; returns its result or a description of its failure. */
export async function asyncActivity(key: string): Promise<string> {
  try {
    return await completeLater(key);
  } catch (err) {
    if (isCancellation(err)) return 'cancelled';
    const cause = (err as { cause?: Error }).cause;
    return `failed: ${cause?.message ?? String(err)}`;
  }
}

/** Started by Schedules: returns its argument. */
export async function scheduled(tag: string): Promise<string> {
  return tag;
}
