/**
 * Workflows: an order that starts with its customer, status and total as search attributes (set by the client)
 * and upserts its status as it moves on, so that visibility queries find orders by customer and status.
 */
import { proxyActivities, upsertSearchAttributes, workflowInfo } from '@kairos/workflow';
import type * as activities from './activities';
import { ORDER_STATUS } from './search-attributes';

const { ship } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

export async function order(orderId: string): Promise<string> {
  const tracking = await ship(orderId);
  upsertSearchAttributes([{ key: ORDER_STATUS, value: 'shipped' }]);
  return `${orderId} (${workflowInfo().typedSearchAttributes.get(ORDER_STATUS)}): ${tracking}`;
}
