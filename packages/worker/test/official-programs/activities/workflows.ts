import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  sleep,
} from '@temporalio/workflow';
import type * as activities from './activities';

const retry = { initialInterval: '10ms', backoffCoefficient: 1, maximumAttempts: 5 };

const { lookUpStock, chargeCard, packBoxes, selfReport } = proxyActivities<typeof activities>({
  startToCloseTimeout: '10s',
  retry,
});

const { waitForCourier } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '1s',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

const local = proxyLocalActivities<typeof activities>({ startToCloseTimeout: '10s', retry });

export interface OrderReport {
  stock: string;
  charge: string[];
  packed: number;
  remote: Awaited<ReturnType<typeof activities.selfReport>>;
  local: Awaited<ReturnType<typeof activities.selfReport>>;
  localStock: string;
  withOptions: string;
  courier: string;
}

/** Runs each kind of activity call once. */
export async function processOrder(): Promise<OrderReport> {
  const stock = await lookUpStock('sku-1');

  let charge: string[] = [];
  try {
    await chargeCard(250);
  } catch (err) {
    if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) throw err;
    charge = [err.activityType, err.cause.type ?? '', err.cause.message, String(err.cause.nonRetryable)];
    charge.push(JSON.stringify(err.cause.details));
  }

  const packed = await packBoxes(3);
  const remote = await selfReport();
  const localReport = await local.selfReport();
  const localStock = await local.lookUpStock('sku-2');
  const withOptions = await chargeCard.executeWithOptions({ startToCloseTimeout: '5s' }, [20]);

  let courier = 'not cancelled';
  const scope = new CancellationScope();
  const waiting = scope.run(() => waitForCourier());
  await sleep(100);
  scope.cancel();
  try {
    await waiting;
  } catch (err) {
    courier = isCancellation(err) ? `cancelled (${(err as Error).name})` : `failed: ${String(err)}`;
  }

  return { stock, charge, packed, remote, local: localReport, localStock, withOptions, courier };
}
