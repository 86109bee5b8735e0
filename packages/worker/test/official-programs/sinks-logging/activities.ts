import { log } from '@temporalio/activity';

/** Sends a (pretend) notification and logs it. */
export async function notifyCustomer(orderId: string): Promise<void> {
  log.info('customer notified', { orderId });
}
