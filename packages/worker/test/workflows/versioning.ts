// Workflows for worker deployment versioning: they wait for a signal, then report which worker version ran
// them and whether the server told them their target version changed.
import {
  condition,
  defineSignal,
  defineWorkflowOptions,
  makeContinueAsNewFunc,
  setHandler,
  setWorkflowOptions,
  workflowInfo,
} from '@kairos/workflow';

export const proceedSignal = defineSignal('proceed');

/** What a versioning test workflow reports when it ends. */
export interface VersionReport {
  buildId?: string;
  deploymentName?: string;
  targetChanged: boolean;
  runs: number;
}

async function waitAndReport(runs = 1): Promise<VersionReport> {
  let proceed = false;
  setHandler(proceedSignal, () => {
    proceed = true;
  });
  await condition(() => proceed);
  const info = workflowInfo();
  return {
    buildId: info.currentDeploymentVersion?.buildId,
    deploymentName: info.currentDeploymentVersion?.deploymentName,
    targetChanged: info.targetWorkerDeploymentVersionChanged,
    runs,
  };
}

/** Stays on the version that started it. */
export async function pinnedWorkflow(): Promise<VersionReport> {
  return waitAndReport();
}
setWorkflowOptions({ versioningBehavior: 'PINNED' }, pinnedWorkflow);

/** Moves to the current version at its next task. */
export async function autoUpgradeWorkflow(): Promise<VersionReport> {
  return waitAndReport();
}
setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, autoUpgradeWorkflow);

/** Declares no behavior: the worker's default applies. */
export async function defaultBehaviorWorkflow(): Promise<VersionReport> {
  return waitAndReport();
}

/** Pinned through `defineWorkflowOptions`, the newer way to attach definition options. */
export async function definedPinnedWorkflow(): Promise<VersionReport> {
  return waitAndReport();
}
defineWorkflowOptions(definedPinnedWorkflow, { workflowDefinitionOptions: { versioningBehavior: 'PINNED' } });

/** Decides its behavior when it starts, from its memo (`{ pin: true }` pins it). */
export async function dynamicBehaviorWorkflow(): Promise<VersionReport> {
  return waitAndReport();
}
setWorkflowOptions(
  () => ({ versioningBehavior: workflowInfo().memo?.pin === true ? 'PINNED' : 'AUTO_UPGRADE' }),
  dynamicBehaviorWorkflow,
);

/**
 * Pinned, but once told that its deployment's target version moved on, continues as new onto that version (the
 * next run starts as auto-upgrade, then pins itself to the version it lands on).
 */
export async function upgradeOnContinueAsNew(runs = 1): Promise<VersionReport> {
  if (runs === 1) {
    let proceed = false;
    setHandler(proceedSignal, () => {
      proceed = true;
    });
    await condition(() => proceed);
  }
  if (runs === 1 && workflowInfo().targetWorkerDeploymentVersionChanged) {
    await makeContinueAsNewFunc<typeof upgradeOnContinueAsNew>({ initialVersioningBehavior: 'AUTO_UPGRADE' })(2);
  }
  const info = workflowInfo();
  return {
    buildId: info.currentDeploymentVersion?.buildId,
    deploymentName: info.currentDeploymentVersion?.deploymentName,
    targetChanged: info.targetWorkerDeploymentVersionChanged,
    runs,
  };
}
setWorkflowOptions({ versioningBehavior: 'PINNED' }, upgradeOnContinueAsNew);
