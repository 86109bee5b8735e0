/**
 * Workflows of the worker benchmark: the ~200-line file both bundlers bundle, and the workflows the throughput,
 * replay and memory measurements run. This file and `kairos.ts` differ only in the import scope (`@temporalio/`
 * here, `@kairos/` there); the benchmark checks that before it starts.
 */
import * as wf from '@temporalio/workflow';

interface OrderLine {
  sku: string;
  quantity: number;
  price: number;
}

interface Order {
  id: string;
  customer: string;
  lines: OrderLine[];
}

interface Activities {
  greet(name: string): Promise<string>;
  reserveStock(order: Order): Promise<{ sku: string; reserved: number }[]>;
  releaseStock(order: Order): Promise<void>;
  chargeCard(order: Order): Promise<{ chargeId: string; amount: number }>;
  refundCard(chargeId: string): Promise<void>;
  shipParcel(order: Order): Promise<{ trackingNumber: string }>;
  notifyCustomer(customer: string, message: string): Promise<void>;
}

const { greet } = wf.proxyActivities<Activities>({ startToCloseTimeout: '10s' });

const acts = wf.proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 5, nonRetryableErrorTypes: ['Fraud'] },
});

const quick = wf.proxyLocalActivities<Activities>({ startToCloseTimeout: '5s' });

/** Hello world: one activity call. */
export async function oneActivity(name: string): Promise<string> {
  return await greet(name);
}

/** The workflow of tools/gen-timer-history.js: sleeps 1 s n times. */
export async function timerLoop(n: number): Promise<number> {
  for (let i = 0; i < n; i++) await wf.sleep(1000);
  return n;
}

export const finishSignal = wf.defineSignal('finish');

/** Blocks until signalled: what a cached, idle workflow costs. */
export async function waitForSignal(): Promise<void> {
  let finished = false;
  wf.setHandler(finishSignal, () => void (finished = true));
  await wf.condition(() => finished);
}

export const cancelOrderSignal = wf.defineSignal<[string]>('cancelOrder');
export const addLineUpdate = wf.defineUpdate<number, [OrderLine]>('addLine');
export const statusQuery = wf.defineQuery<OrderStatus>('status');

export type OrderState = 'open' | 'reserved' | 'charged' | 'shipped' | 'cancelled' | 'failed';

export interface OrderStatus {
  state: OrderState;
  lines: number;
  total: number;
  trackingNumber?: string;
  cancelReason?: string;
}

function orderTotal(order: Order): number {
  return order.lines.reduce((sum, line) => sum + line.price * line.quantity, 0);
}

/** A saga: reserve, charge, ship; each step has a compensation that runs if a later step fails. */
export async function orderWorkflow(order: Order): Promise<OrderStatus> {
  const status: OrderStatus = { state: 'open', lines: order.lines.length, total: orderTotal(order) };
  const compensations: (() => Promise<void>)[] = [];
  let cancelReason: string | undefined;

  wf.setHandler(statusQuery, () => status);
  wf.setHandler(cancelOrderSignal, (reason) => {
    cancelReason = reason;
  });
  wf.setHandler(
    addLineUpdate,
    (line) => {
      order.lines.push(line);
      status.lines = order.lines.length;
      status.total = orderTotal(order);
      return status.total;
    },
    {
      validator: (line) => {
        if (status.state !== 'open') throw new Error(`cannot add lines to an order that is ${status.state}`);
        if (line.quantity <= 0) throw new Error('quantity must be positive');
      },
    },
  );

  // Give the customer a minute to change their mind or add lines.
  if (await wf.condition(() => cancelReason !== undefined, '1 minute')) {
    status.state = 'cancelled';
    status.cancelReason = cancelReason;
    return status;
  }

  try {
    await acts.reserveStock(order);
    compensations.unshift(() => acts.releaseStock(order));
    status.state = 'reserved';

    const { chargeId } = await acts.chargeCard(order);
    compensations.unshift(() => acts.refundCard(chargeId));
    status.state = 'charged';

    const shipment = wf.patched('ship-with-child')
      ? await wf.executeChild(shipmentWorkflow, { args: [order], workflowId: `${order.id}-shipment` })
      : await acts.shipParcel(order);
    status.trackingNumber = shipment.trackingNumber;
    status.state = 'shipped';
  } catch (err) {
    status.state = 'failed';
    await wf.CancellationScope.nonCancellable(async () => {
      for (const compensate of compensations) {
        try {
          await compensate();
        } catch (compensationError) {
          wf.log.warn('compensation failed', { error: String(compensationError) });
        }
      }
    });
    if (err instanceof wf.ActivityFailure && err.cause instanceof wf.ApplicationFailure) {
      throw wf.ApplicationFailure.nonRetryable(`order ${order.id} failed: ${err.cause.message}`, 'OrderFailed');
    }
    throw err;
  }

  await quick.notifyCustomer(order.customer, `Your order ${order.id} is on its way: ${status.trackingNumber}`);
  return status;
}

/** Ships an order, giving up on the carrier after a day and trying the next one. */
export async function shipmentWorkflow(order: Order): Promise<{ trackingNumber: string }> {
  const carriers = ['fast', 'cheap', 'reliable'];
  for (const carrier of carriers) {
    try {
      return await wf.CancellationScope.withTimeout('1 day', () => acts.shipParcel({ ...order, id: carrier }));
    } catch (err) {
      if (!wf.isCancellation(err)) throw err;
      wf.log.info('carrier timed out', { carrier });
    }
  }
  throw wf.ApplicationFailure.nonRetryable('no carrier shipped the order', 'NoCarrier');
}

export const pauseSignal = wf.defineSignal<[boolean]>('pause');

/** Processes batches until done, continuing as new every 100 batches to keep its history short. */
export async function batchWorkflow(batchesLeft: number, processed = 0): Promise<number> {
  let paused = false;
  wf.setHandler(pauseSignal, (p) => void (paused = p));
  for (let i = 0; i < 100 && batchesLeft > 0; i++, batchesLeft--) {
    await wf.condition(() => !paused);
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, j) => greet(`batch ${processed + 1} item ${j + 1}`)),
    );
    processed += results.length > 0 ? 1 : 0;
  }
  if (batchesLeft > 0) {
    await wf.continueAsNew<typeof batchWorkflow>(batchesLeft, processed);
  }
  return processed;
}

/** A reminder that fires every day until cancelled, with a jittered first delay. */
export async function reminderWorkflow(customer: string): Promise<number> {
  let sent = 0;
  const jitter = Math.floor(Math.random() * 60_000);
  await wf.sleep(jitter);
  try {
    for (;;) {
      await quick.notifyCustomer(customer, `Reminder #${++sent} (${wf.uuid4()})`);
      await wf.sleep('1 day');
    }
  } catch (err) {
    if (wf.isCancellation(err)) return sent;
    throw err;
  }
}
