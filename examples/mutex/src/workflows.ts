/**
 * Workflows: a mutex, like the official `mutex` sample. `lockWorkflow` (one per resource, its workflow id is the
 * resource's) grants the lock to one requester at a time, in the order the requests arrived; `oneAtATime` is a
 * workflow that needs the resource: it requests the lock (through an activity, with signal-with-start), waits to
 * be granted it, works, and releases it. The lock workflow answers the `currentHolder` query and continues as new
 * every few grants, handing the waiting requests to its next run, so its history stays short.
 */
import {
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  sleep,
  uuid4,
  workflowInfo,
} from '@kairos/workflow';
import type * as activities from './activities';

export interface LockRequest {
  initiatorId: string;
  timeoutMs: number;
}

export const lockRequested = defineSignal<[LockRequest]>('lockRequested');
export const lockAcquired = defineSignal<[string]>('lockAcquired');
export const currentHolder = defineQuery<string | null>('currentHolder');

/** Grants the lock in request order; continues as new after `grantsPerRun` grants. */
export async function lockWorkflow(pending: LockRequest[] = [], grantsPerRun = 10): Promise<void> {
  const requests = [...pending];
  let holder: string | null = null;
  setHandler(lockRequested, (request) => void requests.push(request));
  setHandler(currentHolder, () => holder);
  for (let grants = 0; grants < grantsPerRun && !workflowInfo().continueAsNewSuggested; grants++) {
    // An idle lock workflow ends after a minute without requests; the next request starts a new one.
    if (!(await condition(() => requests.length > 0, '1 minute'))) return;
    const request = requests.shift() as LockRequest;
    holder = request.initiatorId;
    // A fresh signal name per grant, so that a late release of an earlier holder cannot release this one.
    const releaseSignal = `release-${uuid4()}`;
    let released = false;
    setHandler(defineSignal(releaseSignal), () => void (released = true));
    await getExternalWorkflowHandle(request.initiatorId).signal(lockAcquired, releaseSignal);
    // A holder that does not release in time loses the lock.
    await condition(() => released, request.timeoutMs);
    setHandler(defineSignal(releaseSignal), undefined);
    holder = null;
  }
  await continueAsNew<typeof lockWorkflow>(requests, grantsPerRun);
}

const { requestLock } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

/** Holds the lock of `resourceId` for `workMs` of work; returns when it held it (workflow time, ms). */
export async function oneAtATime(resourceId: string, workMs: number): Promise<{ from: number; to: number }> {
  let releaseSignal: string | undefined;
  setHandler(lockAcquired, (name) => void (releaseSignal = name));
  await requestLock(resourceId, workflowInfo().workflowId, 30_000);
  await condition(() => releaseSignal !== undefined);
  const from = Date.now();
  await sleep(workMs); // the critical section
  const to = Date.now();
  await getExternalWorkflowHandle(resourceId).signal(defineSignal(releaseSignal as string));
  return { from, to };
}
