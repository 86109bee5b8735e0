import { activityInfo, ApplicationFailure, Context, heartbeat, sleep } from '@temporalio/activity';

/** Fails on its first two attempts, then succeeds. */
export async function lookUpStock(sku: string): Promise<string> {
  const { attempt } = activityInfo();
  if (attempt < 3) throw new Error(`stock service unavailable (attempt ${attempt})`);
  return `${sku}: 12 in stock (attempt ${attempt})`;
}

/** Rejects large amounts with a non-retryable failure. */
export async function chargeCard(amount: number): Promise<string> {
  if (amount > 100) {
    throw ApplicationFailure.create({
      message: `amount ${amount} is over the limit`,
      type: 'OverLimit',
      nonRetryable: true,
      details: [{ limit: 100 }],
    });
  }
  return `charged ${amount}`;
}

/** Counts with a heartbeat per step. */
export async function packBoxes(count: number): Promise<number> {
  let packed: number = activityInfo().heartbeatDetails ?? 0;
  while (packed < count) {
    packed++;
    heartbeat(packed);
    await sleep(5);
  }
  return packed;
}

/** Heartbeats until the workflow cancels it; `sleep` then rejects with a `CancelledFailure`. */
export async function waitForCourier(): Promise<never> {
  const context = Context.current();
  for (;;) {
    context.heartbeat('waiting');
    await context.sleep(20);
  }
}

/** What the activity knows about itself. */
export async function selfReport(): Promise<{ activityType: string; isLocal: boolean; workflowType?: string }> {
  const info = activityInfo();
  return { activityType: info.activityType, isLocal: info.isLocal, workflowType: info.workflowType };
}
