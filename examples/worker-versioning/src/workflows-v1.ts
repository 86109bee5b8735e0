/**
 * The first version of the workflow code (build id `v1`).
 *
 * `order` is PINNED: a run stays on the worker version that started it until it ends, so the next version may change
 * its steps freely (no `patched`), at the cost of keeping v1 workers until the v1 orders are done.
 * `newsletter` is AUTO_UPGRADE: its next workflow task after a rollout runs on the new current version, so every
 * version must replay the histories of the ones before it.
 */
import { condition, proxyActivities, setHandler, setWorkflowOptions } from '@kairos/workflow';
import type * as activities from './activities';
import { approveSignal, publishSignal } from './signals';

const { chargeOrder, shipOrder, sendNewsletter } = proxyActivities<typeof activities>({
  startToCloseTimeout: '10 seconds',
});

/** Charges an order, waits for a person to approve it, then ships it. */
export async function order(orderId: string): Promise<string> {
  let approved = false;
  setHandler(approveSignal, () => {
    approved = true;
  });
  const charged = await chargeOrder(orderId);
  await condition(() => approved);
  return `${charged}, ${await shipOrder(orderId, 'standard mail')} (order code v1)`;
}
setWorkflowOptions({ versioningBehavior: 'PINNED' }, order);

/** Waits until the issue is published, then sends it. */
export async function newsletter(issue: string): Promise<string> {
  let published = false;
  setHandler(publishSignal, () => {
    published = true;
  });
  await condition(() => published);
  return `${await sendNewsletter(issue, 'plain text')} (newsletter code v1)`;
}
setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, newsletter);
