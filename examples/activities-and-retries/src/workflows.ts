/** Workflows: an order that reserves stock and charges a card, retrying the flaky payment gateway. */
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@kairos/workflow';
import type * as activities from './activities';

const { reserveStock } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });
const { chargeCard } = proxyActivities<typeof activities>({
  startToCloseTimeout: '10 seconds',
  // Retries wait 1 s, 2 s, 4 s, ... between attempts; CardDeclined is never retried.
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumAttempts: 5,
    nonRetryableErrorTypes: ['CardDeclined'],
  },
});

export interface Order {
  id: string;
  item: string;
  quantity: number;
  card: string;
}

/** Processes an order; a declined card rejects it, any other failure fails the workflow. */
export async function processOrder(order: Order): Promise<string> {
  await reserveStock(order.item, order.quantity);
  try {
    const chargeId = await chargeCard(order.id, order.card);
    return `order ${order.id} confirmed: ${order.quantity} x ${order.item}, ${chargeId}`;
  } catch (err) {
    if (
      err instanceof ActivityFailure &&
      err.cause instanceof ApplicationFailure &&
      err.cause.type === 'CardDeclined'
    ) {
      return `order ${order.id} rejected: ${err.cause.message}`;
    }
    throw err;
  }
}
