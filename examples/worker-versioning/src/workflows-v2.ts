/**
 * The second version of the workflow code (build id `v2`), rolled out while v1 runs are open.
 *
 * `order` now reserves stock before charging and ships by courier. A v1 order replayed with this code would fail
 * (its history has no reservation), which is fine: orders are PINNED, so v1 orders never reach a v2 worker.
 * `newsletter` only changes what it does after the signal, so the histories v1 wrote up to there replay unchanged:
 * an AUTO_UPGRADE workflow's change must be compatible like this (or guarded with `patched`).
 */
import { condition, proxyActivities, setHandler, setWorkflowOptions } from '@kairos/workflow';
import type * as activities from './activities';
import { approveSignal, publishSignal } from './signals';

const { chargeOrder, reserveStock, shipOrder, sendNewsletter } = proxyActivities<typeof activities>({
  startToCloseTimeout: '10 seconds',
});

/** Reserves stock for an order and charges it, waits for a person to approve it, then ships it. */
export async function order(orderId: string): Promise<string> {
  let approved = false;
  setHandler(approveSignal, () => {
    approved = true;
  });
  const reserved = await reserveStock(orderId);
  const charged = await chargeOrder(orderId);
  await condition(() => approved);
  return `${reserved}, ${charged}, ${await shipOrder(orderId, 'courier')} (order code v2)`;
}
setWorkflowOptions({ versioningBehavior: 'PINNED' }, order);

/** Waits until the issue is published, then sends it, now as HTML. */
export async function newsletter(issue: string): Promise<string> {
  let published = false;
  setHandler(publishSignal, () => {
    published = true;
  });
  await condition(() => published);
  return `${await sendNewsletter(issue, 'HTML')} (newsletter code v2)`;
}
setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, newsletter);
