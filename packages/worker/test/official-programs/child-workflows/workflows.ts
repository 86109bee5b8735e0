import {
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowCancellationType,
  ChildWorkflowFailure,
  condition,
  defineSignal,
  executeChild,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';

export const nudgeSignal = defineSignal<[string]>('nudge');

/** Greets, naming its parent. */
export async function greeter(name: string): Promise<string> {
  const { parent, root } = workflowInfo();
  return `${name}, child of ${parent?.workflowId} (root ${root?.workflowId})`;
}

/** Waits for one nudge. */
export async function nudgeable(): Promise<string> {
  let nudge: string | undefined;
  setHandler(nudgeSignal, (value) => void (nudge = value));
  await condition(() => nudge !== undefined);
  return `got ${nudge}`;
}

/** Sleeps for a day. */
export async function napper(): Promise<void> {
  await sleep('1 day');
}

/** Always fails. */
export async function grumpy(): Promise<never> {
  throw ApplicationFailure.nonRetryable('not today', 'Grumpy');
}

/** Starts children in each way and talks to them through child and external handles. */
export async function family(): Promise<Record<string, string>> {
  const { workflowId } = workflowInfo();
  const executed = await executeChild(greeter, { args: ['Ann'] });
  const byName = await executeChild<typeof greeter>('greeter', { args: ['Bob'], workflowId: `${workflowId}-bob` });

  const child = await startChild(nudgeable, { workflowId: `${workflowId}-nudged` });
  await child.signal(nudgeSignal, 'a nudge from the parent');
  const nudged = await child.result();

  const other = await startChild(nudgeable, {
    workflowId: `${workflowId}-external`,
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
  await getExternalWorkflowHandle(other.workflowId).signal(nudgeSignal, 'an external nudge');
  const external = await other.result();

  const sleepy = await startChild(napper, {
    workflowId: `${workflowId}-napper`,
    cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  await getExternalWorkflowHandle(sleepy.workflowId).cancel();
  let cancelled = 'not cancelled';
  try {
    await sleepy.result();
  } catch (err) {
    if (err instanceof ChildWorkflowFailure && err.cause instanceof CancelledFailure) cancelled = 'cancelled';
    else throw err;
  }

  let failed = 'did not fail';
  try {
    await executeChild(grumpy, { workflowId: `${workflowId}-grumpy` });
  } catch (err) {
    if (!(err instanceof ChildWorkflowFailure) || !(err.cause instanceof ApplicationFailure)) throw err;
    failed = `${err.workflowType}: ${err.cause.type}: ${err.cause.message}`;
  }

  return {
    executed,
    byName,
    nudged,
    external,
    cancelled,
    failed,
    firstExecutionRunIdKnown: String(child.firstExecutionRunId.length > 0),
  };
}
