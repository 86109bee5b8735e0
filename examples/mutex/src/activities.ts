/** Activities: asking the lock workflow of a resource for the lock, starting it if it is not running. */
import { activityInfo, getClient } from '@kairos/activity';
import { lockRequested, lockWorkflow } from './workflows';

/**
 * Sends a lock request to the lock workflow whose id is `resourceId`, starting that workflow if needed: one
 * `signalWithStart` call, so that two requesters can never start two lock workflows for one resource.
 */
export async function requestLock(resourceId: string, initiatorId: string, timeoutMs: number): Promise<void> {
  await getClient().workflow.signalWithStart(lockWorkflow, {
    workflowId: resourceId,
    taskQueue: activityInfo().taskQueue, // the lock workflow runs on the requester's worker
    args: [],
    signal: lockRequested,
    signalArgs: [{ initiatorId, timeoutMs }],
  });
}
