/** Activities: a stock reservation and a payment gateway that fails now and then. */
import { activityInfo, ApplicationFailure, log } from '@kairos/activity';

/** Reserves stock; more than 10 of an item is more than the warehouse has, which no retry will change. */
export async function reserveStock(item: string, quantity: number): Promise<void> {
  if (quantity > 10) {
    throw ApplicationFailure.nonRetryable(`only 10 ${item} in stock, ${quantity} ordered`, 'OutOfStock');
  }
}

/**
 * Charges a card. The gateway is flaky: the first two attempts fail with an ordinary error, which the workflow's
 * retry policy retries. A declined card (0002) fails with a non-retryable `CardDeclined` failure.
 */
export async function chargeCard(orderId: string, card: string): Promise<string> {
  const { attempt } = activityInfo();
  if (card === '0002') throw ApplicationFailure.nonRetryable(`card ${card} was declined`, 'CardDeclined');
  if (attempt < 3) {
    log.warn('payment gateway unavailable', { attempt });
    throw new Error(`payment gateway unavailable (attempt ${attempt})`);
  }
  return `charge-${orderId}-attempt-${attempt}`;
}
