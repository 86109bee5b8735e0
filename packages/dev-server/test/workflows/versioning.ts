// Workflows for worker deployment versioning, run by the official SDK worker: they wait for a signal, then report
// the version that ran them and whether the server told them their deployment's target moved on.
import {
  condition,
  defineSignal,
  makeContinueAsNewFunc,
  setHandler,
  setWorkflowOptions,
  workflowInfo,
} from '@temporalio/workflow';

export const proceed = defineSignal('proceed');

export interface Report {
  buildId?: string;
  targetChanged: boolean;
  run: number;
}

function report(run: number): Report {
  const info = workflowInfo();
  return {
    buildId: info.currentDeploymentVersion?.buildId,
    targetChanged: info.targetWorkerDeploymentVersionChanged,
    run,
  };
}

async function waitForSignal(): Promise<void> {
  let go = false;
  setHandler(proceed, () => {
    go = true;
  });
  await condition(() => go);
}

export async function pinned(): Promise<Report> {
  await waitForSignal();
  return report(1);
}
setWorkflowOptions({ versioningBehavior: 'PINNED' }, pinned);

export async function autoUpgrade(): Promise<Report> {
  await waitForSignal();
  return report(1);
}
setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, autoUpgrade);

/** Pinned; once its target moved on, continues as new as an auto-upgrade run onto the new version. */
export async function upgradesOnContinueAsNew(run: number): Promise<Report> {
  if (run === 1) {
    await waitForSignal();
    if (workflowInfo().targetWorkerDeploymentVersionChanged) {
      await makeContinueAsNewFunc<typeof upgradesOnContinueAsNew>({ initialVersioningBehavior: 'AUTO_UPGRADE' })(2);
    }
  }
  return report(run);
}
setWorkflowOptions({ versioningBehavior: 'PINNED' }, upgradesOnContinueAsNew);
