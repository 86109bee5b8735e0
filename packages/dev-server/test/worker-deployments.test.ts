// Worker deployment versioning, driven by raw versioned workers over gRPC, against both servers: versions come into
// being when their workers poll; the deployment RPCs describe them and set the current and ramping versions; tasks
// are routed by version (pinned runs stay on their version, others follow the current one, a ramp takes its share of
// new workflows, overrides win); continue-as-new keeps or leaves the pinned version; Describe and visibility report
// versioning; bad requests are refused naming what is wrong.
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { uniqueId, waitUntil } from './helpers';
import { rejection, RawClient } from './raw-client';
import { onEachServer, TestServer } from './servers';

const E = temporal.api.enums.v1;
const VB = E.VersioningBehavior;
const VS = E.WorkerDeploymentVersionStatus;
const CT = E.CommandType;

jest.setTimeout(60_000);

interface Version {
  deploymentName: string;
  buildId: string;
}

const options = (v: Version | null) =>
  v
    ? {
        deploymentName: v.deploymentName,
        buildId: v.buildId,
        workerVersioningMode: E.WorkerVersioningMode.WORKER_VERSIONING_MODE_VERSIONED,
      }
    : null;

const keyword = (p: { data?: Uint8Array } | undefined) => JSON.parse(Buffer.from(p?.data ?? []).toString());

// Versions drain faster than by default (3 minutes before the first check, then every 3 minutes).
const DRAINAGE = {
  'matching.wv.VersionDrainageStatusVisibilityGracePeriod': '3s',
  'matching.wv.VersionDrainageStatusRefreshInterval': '1s',
};

describe('worker deployments', () => {
  onEachServer({ dynamicConfig: DRAINAGE }, (server: () => TestServer) => {
    const raw = (): RawClient => server().raw;

    /** Polls the workflow queue as a worker of `version` (null: unversioned) until a task arrives. */
    async function pollTask(taskQueue: string, version: Version | null, kind: 'workflow' | 'activity' = 'workflow') {
      const method = kind === 'workflow' ? 'PollWorkflowTaskQueue' : 'PollActivityTaskQueue';
      return waitUntil(
        async () => {
          const t = await raw().wf(
            method,
            {
              taskQueue: { name: taskQueue },
              identity: `worker-${version?.buildId ?? 'none'}`,
              deploymentOptions: options(version),
            },
            5_000,
          );
          return t.taskToken?.length ? t : undefined;
        },
        20_000,
        `a ${kind} task for ${version?.buildId ?? 'unversioned'}`,
      );
    }

    /** Polls as `version` and expects the task of `workflowId` (a task of another run there is a routing error). */
    async function taskOf(taskQueue: string, version: Version | null, workflowId: string) {
      const t = await pollTask(taskQueue, version);
      expect(t.workflowExecution.workflowId).toBe(workflowId);
      return t;
    }

    /** Registers `version` on `taskQueue` with one short poll, and waits until the deployment knows it. */
    async function register(taskQueue: string, version: Version, kinds: Array<'workflow' | 'activity'> = ['workflow']) {
      for (const kind of kinds) {
        const method = kind === 'workflow' ? 'PollWorkflowTaskQueue' : 'PollActivityTaskQueue';
        await raw().wf(method, { taskQueue: { name: taskQueue }, deploymentOptions: options(version) }, 2_500);
      }
      await waitUntil(
        async () => {
          try {
            const d = await raw().wf('DescribeWorkerDeploymentVersion', { deploymentVersion: version });
            return (d.workerDeploymentVersionInfo.taskQueueInfos ?? []).length >= kinds.length;
          } catch {
            return false;
          }
        },
        20_000,
        `version ${version.buildId} to be registered`,
      );
    }

    async function complete(task: any, version: Version | null, behavior: number, commands: object[] = []) {
      await raw().wf('RespondWorkflowTaskCompleted', {
        taskToken: task.taskToken,
        identity: `worker-${version?.buildId ?? 'none'}`,
        commands,
        versioningBehavior: behavior,
        deploymentOptions: options(version),
      });
    }

    const start = async (taskQueue: string, extra: object = {}) => {
      const workflowId = uniqueId('wf');
      await raw().wf('StartWorkflowExecution', {
        workflowId,
        workflowType: { name: 'Versioned' },
        taskQueue: { name: taskQueue },
        requestId: uniqueId(),
        ...extra,
      });
      return workflowId;
    };
    const signal = (workflowId: string) =>
      raw().wf('SignalWorkflowExecution', {
        workflowExecution: { workflowId },
        signalName: 'go',
        requestId: uniqueId(),
      });
    const setCurrent = (deploymentName: string, buildId: string) =>
      raw().wf('SetWorkerDeploymentCurrentVersion', { deploymentName, buildId, identity: 'operator' });
    const versioningInfo = async (workflowId: string) =>
      (await raw().wf('DescribeWorkflowExecution', { execution: { workflowId } })).workflowExecutionInfo.versioningInfo;
    const startedTaskAttrs = (task: any) =>
      task.history.events[task.history.events.length - 1].workflowTaskStartedEventAttributes;

    function setup() {
      const deploymentName = uniqueId('dep');
      return {
        deploymentName,
        taskQueue: uniqueId('tq'),
        A: { deploymentName, buildId: 'build-a' },
        B: { deploymentName, buildId: 'build-b' },
      };
    }

    test('a versioned poller creates its deployment and version, which describe and list report', async () => {
      const { deploymentName, taskQueue, A } = setup();
      await register(taskQueue, A);
      const d = await raw().wf('DescribeWorkerDeployment', { deploymentName });
      expect(d.conflictToken.length).toBeGreaterThan(0);
      expect(d.workerDeploymentInfo.name).toBe(deploymentName);
      expect(d.workerDeploymentInfo.routingConfig.currentVersion).toBe('__unversioned__');
      expect(d.workerDeploymentInfo.versionSummaries).toEqual([
        expect.objectContaining({
          version: `${deploymentName}.build-a`,
          deploymentVersion: expect.objectContaining(A),
          status: VS.WORKER_DEPLOYMENT_VERSION_STATUS_INACTIVE,
        }),
      ]);
      const v = await raw().wf('DescribeWorkerDeploymentVersion', { deploymentVersion: A });
      expect(v.workerDeploymentVersionInfo).toEqual(
        expect.objectContaining({
          version: `${deploymentName}.build-a`,
          status: VS.WORKER_DEPLOYMENT_VERSION_STATUS_INACTIVE,
        }),
      );
      expect(v.workerDeploymentVersionInfo.taskQueueInfos).toEqual([
        expect.objectContaining({ name: taskQueue, type: E.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW }),
      ]);
      const withStats = await raw().wf('DescribeWorkerDeploymentVersion', {
        deploymentVersion: A,
        reportTaskQueueStats: true,
      });
      const queue = withStats.versionTaskQueues[0];
      expect(Number(queue.stats.approximateBacklogCount ?? 0)).toBe(0);
      expect(queue.stats.approximateBacklogAge).toBeDefined();
      expect(Number(queue.statsByPriorityKey['3'].approximateBacklogCount ?? 0)).toBe(0);
      const byString = await raw().wf('DescribeWorkerDeploymentVersion', { version: `${deploymentName}.build-a` });
      expect(byString.workerDeploymentVersionInfo.deploymentVersion).toEqual(expect.objectContaining(A));
      const listed = await waitUntil(async () => {
        const all: any[] = [];
        let nextPageToken: Uint8Array | undefined;
        do {
          const page = await raw().wf('ListWorkerDeployments', { pageSize: 100, nextPageToken });
          all.push(...page.workerDeployments);
          nextPageToken = page.nextPageToken;
        } while (nextPageToken?.length);
        return all.find((x) => x.name === deploymentName);
      });
      expect(listed.latestVersionSummary.deploymentVersion).toEqual(expect.objectContaining(A));
    });

    test('pinned workflows stay on their version; auto-upgrade ones move to the new current version', async () => {
      const { deploymentName, taskQueue, A, B } = setup();
      await register(taskQueue, A);
      const first = await setCurrent(deploymentName, 'build-a');
      expect(first.previousVersion).toBe('__unversioned__');
      const pinned = await start(taskQueue);
      await complete(await taskOf(taskQueue, A, pinned), A, VB.VERSIONING_BEHAVIOR_PINNED);
      const auto = await start(taskQueue);
      await complete(await taskOf(taskQueue, A, auto), A, VB.VERSIONING_BEHAVIOR_AUTO_UPGRADE);
      expect(await versioningInfo(pinned)).toEqual(
        expect.objectContaining({
          behavior: VB.VERSIONING_BEHAVIOR_PINNED,
          version: `${deploymentName}.build-a`,
          deploymentVersion: expect.objectContaining(A),
        }),
      );
      expect((await versioningInfo(auto)).behavior).toBe(VB.VERSIONING_BEHAVIOR_AUTO_UPGRADE);

      await register(taskQueue, B);
      const second = await setCurrent(deploymentName, 'build-b');
      expect(second.previousVersion).toBe(`${deploymentName}.build-a`);
      expect(second.previousDeploymentVersion).toEqual(expect.objectContaining(A));
      const d = await raw().wf('DescribeWorkerDeployment', { deploymentName });
      expect(d.workerDeploymentInfo.routingConfig.currentDeploymentVersion).toEqual(expect.objectContaining(B));
      const status = (buildId: string) =>
        d.workerDeploymentInfo.versionSummaries.find((s: any) => s.deploymentVersion.buildId === buildId).status;
      expect(status('build-b')).toBe(VS.WORKER_DEPLOYMENT_VERSION_STATUS_CURRENT);
      // A still has a pinned workflow open.
      expect(status('build-a')).toBe(VS.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING);
      // The current version's summary has drainage info without a status, checked when it became current.
      const summaryOfB = d.workerDeploymentInfo.versionSummaries.find(
        (s: any) => s.deploymentVersion.buildId === 'build-b',
      );
      expect(summaryOfB.drainageInfo.status ?? 0).toBe(0);
      expect(summaryOfB.drainageInfo.lastChangedTime).toEqual(summaryOfB.currentSinceTime);
      const versionB = await raw().wf('DescribeWorkerDeploymentVersion', { deploymentVersion: B });
      expect(versionB.workerDeploymentVersionInfo.drainageInfo).toBeNull();

      await signal(pinned);
      const pinnedTask = await taskOf(taskQueue, A, pinned);
      // The pinned workflow learns that the deployment's target moved on.
      expect(startedTaskAttrs(pinnedTask).targetWorkerDeploymentVersionChanged).toBe(true);
      await complete(pinnedTask, A, VB.VERSIONING_BEHAVIOR_PINNED);
      await signal(auto);
      const autoTask = await taskOf(taskQueue, B, auto);
      expect(startedTaskAttrs(autoTask).targetWorkerDeploymentVersionChanged ?? false).toBe(false);
      await complete(autoTask, B, VB.VERSIONING_BEHAVIOR_AUTO_UPGRADE);
      expect((await versioningInfo(auto)).deploymentVersion).toEqual(expect.objectContaining(B));
      expect((await versioningInfo(pinned)).deploymentVersion).toEqual(expect.objectContaining(A));

      // Visibility indexes the version and behavior of each run.
      const ids = async (query: string) =>
        ((await raw().wf('ListWorkflowExecutions', { query })).executions as any[]).map((e) => e.execution.workflowId);
      await waitUntil(
        async () => (await ids(`TemporalWorkerDeploymentVersion = '${deploymentName}:build-b'`)).includes(auto),
        10_000,
        'visibility',
      );
      expect(await ids(`TemporalWorkerDeploymentVersion = '${deploymentName}:build-b'`)).toEqual([auto]);
      expect(
        await ids(`TemporalWorkerDeployment = '${deploymentName}' AND TemporalWorkflowVersioningBehavior = 'Pinned'`),
      ).toEqual([pinned]);
      const described = await raw().wf('DescribeWorkflowExecution', { execution: { workflowId: auto } });
      const fields = described.workflowExecutionInfo.searchAttributes.indexedFields;
      expect(keyword(fields.TemporalUsedWorkerDeploymentVersions)).toEqual([
        `${deploymentName}:build-a`,
        `${deploymentName}:build-b`,
      ]);
      const completed = (
        await raw().wf('GetWorkflowExecutionHistory', { execution: { workflowId: auto } })
      ).history.events
        .filter((e: any) => e.eventType === E.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
        .map((e: any) => e.workflowTaskCompletedEventAttributes);
      expect(completed[completed.length - 1]).toEqual(
        expect.objectContaining({
          versioningBehavior: VB.VERSIONING_BEHAVIOR_AUTO_UPGRADE,
          workerDeploymentName: deploymentName,
          deploymentVersion: expect.objectContaining(B),
        }),
      );
    });

    test('a ramp sends its share of new workflows to the ramping version (all at 100 %, none at 0 %)', async () => {
      const { deploymentName, taskQueue, A, B } = setup();
      await register(taskQueue, A);
      await register(taskQueue, B);
      await setCurrent(deploymentName, 'build-a');
      const ramp = await raw().wf('SetWorkerDeploymentRampingVersion', {
        deploymentName,
        buildId: 'build-b',
        percentage: 100,
        identity: 'operator',
      });
      expect(ramp.previousVersion ?? '').toBe('');
      const d = await raw().wf('DescribeWorkerDeployment', { deploymentName });
      expect(d.workerDeploymentInfo.routingConfig).toEqual(
        expect.objectContaining({ rampingVersion: `${deploymentName}.build-b`, rampingVersionPercentage: 100 }),
      );
      const ramped = await start(taskQueue);
      await complete(await taskOf(taskQueue, B, ramped), B, VB.VERSIONING_BEHAVIOR_PINNED);
      const none = await raw().wf('SetWorkerDeploymentRampingVersion', {
        deploymentName,
        buildId: 'build-b',
        percentage: 0,
      });
      expect(none.previousPercentage).toBe(100);
      const notRamped = await start(taskQueue);
      await complete(await taskOf(taskQueue, A, notRamped), A, VB.VERSIONING_BEHAVIOR_PINNED);
      // Unsetting the ramp (no build id, no share) leaves the current version alone.
      const unset = await raw().wf('SetWorkerDeploymentRampingVersion', { deploymentName, buildId: '', percentage: 0 });
      expect(unset.previousVersion).toBe(`${deploymentName}.build-b`);
      const after = await raw().wf('DescribeWorkerDeployment', { deploymentName });
      expect(after.workerDeploymentInfo.routingConfig.rampingVersion ?? '').toBe('');
      expect(after.workerDeploymentInfo.routingConfig.currentDeploymentVersion).toEqual(expect.objectContaining(A));
    });

    test('a ramp of 50 % sends some new workflows to each version, and each workflow keeps its side', async () => {
      const { deploymentName, taskQueue, A, B } = setup();
      await register(taskQueue, A);
      await register(taskQueue, B);
      await setCurrent(deploymentName, 'build-a');
      await raw().wf('SetWorkerDeploymentRampingVersion', { deploymentName, buildId: 'build-b', percentage: 50 });
      const ids = new Set<string>();
      for (let i = 0; i < 20; i++) ids.add(await start(taskQueue));
      const side = new Map<string, string>();
      // Both versions poll until every workflow's first task was taken by one of them.
      const drain = async (version: Version) => {
        while (side.size < ids.size) {
          const t = await raw().wf(
            'PollWorkflowTaskQueue',
            { taskQueue: { name: taskQueue }, identity: version.buildId, deploymentOptions: options(version) },
            3_000,
          );
          if (!t.taskToken?.length) continue;
          side.set(t.workflowExecution.workflowId, version.buildId);
          await complete(t, version, VB.VERSIONING_BEHAVIOR_AUTO_UPGRADE);
        }
      };
      await Promise.all([drain(A), drain(B)]);
      const onB = [...side.values()].filter((b) => b === 'build-b').length;
      // 20 ids hashed into a 50 % ramp: all on one side would happen once in half a million runs.
      expect(onB).toBeGreaterThan(0);
      expect(onB).toBeLessThan(ids.size);
      // An auto-upgrade workflow on the ramping side stays there for its next task while the ramp holds.
      const rampedId = [...side].find(([, b]) => b === 'build-b')![0];
      await signal(rampedId);
      await complete(await taskOf(taskQueue, B, rampedId), B, VB.VERSIONING_BEHAVIOR_AUTO_UPGRADE);
    });

    test('UpdateWorkflowExecutionOptions pins a running auto-upgrade workflow to another version', async () => {
      const { deploymentName, taskQueue, A, B } = setup();
      await register(taskQueue, A);
      await register(taskQueue, B);
      await setCurrent(deploymentName, 'build-a');
      const workflowId = await start(taskQueue);
      await complete(await taskOf(taskQueue, A, workflowId), A, VB.VERSIONING_BEHAVIOR_AUTO_UPGRADE);
      const PIN = temporal.api.workflow.v1.VersioningOverride.PinnedOverrideBehavior.PINNED_OVERRIDE_BEHAVIOR_PINNED;
      const updated = await raw().wf('UpdateWorkflowExecutionOptions', {
        workflowExecution: { workflowId },
        workflowExecutionOptions: { versioningOverride: { pinned: { behavior: PIN, version: B } } },
        updateMask: { paths: ['versioning_override'] },
      });
      expect(updated.workflowExecutionOptions.versioningOverride.pinned.version).toEqual(expect.objectContaining(B));
      const history = await raw().wf('GetWorkflowExecutionHistory', { execution: { workflowId } });
      const optionsUpdated = history.history.events.find(
        (e: any) => e.eventType === E.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED,
      );
      expect(optionsUpdated.workflowExecutionOptionsUpdatedEventAttributes.versioningOverride.pinned.version).toEqual(
        expect.objectContaining(B),
      );
      expect(optionsUpdated.workerMayIgnore).toBe(true);
      await signal(workflowId);
      await complete(await taskOf(taskQueue, B, workflowId), B, VB.VERSIONING_BEHAVIOR_AUTO_UPGRADE);
      const info = await versioningInfo(workflowId);
      expect(info.deploymentVersion).toEqual(expect.objectContaining(B));
      expect(info.versioningOverride.pinned.version).toEqual(expect.objectContaining(B));
    });

    test('a pinned override at start wins over the current version; UpdateWorkflowExecutionOptions can lift it', async () => {
      const { deploymentName, taskQueue, A, B } = setup();
      await register(taskQueue, A);
      await register(taskQueue, B);
      await setCurrent(deploymentName, 'build-a');
      const PIN = temporal.api.workflow.v1.VersioningOverride.PinnedOverrideBehavior.PINNED_OVERRIDE_BEHAVIOR_PINNED;
      const workflowId = await start(taskQueue, { versioningOverride: { pinned: { behavior: PIN, version: B } } });
      const history = await raw().wf('GetWorkflowExecutionHistory', { execution: { workflowId } });
      expect(
        history.history.events[0].workflowExecutionStartedEventAttributes.versioningOverride.pinned.version,
      ).toEqual(expect.objectContaining(B));
      await complete(await taskOf(taskQueue, B, workflowId), B, VB.VERSIONING_BEHAVIOR_AUTO_UPGRADE);
      const info = await versioningInfo(workflowId);
      expect(info.versioningOverride.pinned.version).toEqual(expect.objectContaining(B));
      expect(info.deploymentVersion).toEqual(expect.objectContaining(B));

      const updated = await raw().wf('UpdateWorkflowExecutionOptions', {
        workflowExecution: { workflowId },
        workflowExecutionOptions: { versioningOverride: { autoUpgrade: true } },
        updateMask: { paths: ['versioning_override'] },
      });
      expect(updated.workflowExecutionOptions.versioningOverride.autoUpgrade).toBe(true);
      await signal(workflowId);
      // Now an auto-upgrade workflow: to the current version.
      await complete(await taskOf(taskQueue, A, workflowId), A, VB.VERSIONING_BEHAVIOR_AUTO_UPGRADE);
      expect((await versioningInfo(workflowId)).deploymentVersion).toEqual(expect.objectContaining(A));
    });

    test("a pinned workflow's activity runs on its version; continue-as-new keeps the pin unless told to upgrade", async () => {
      const { deploymentName, taskQueue, A, B } = setup();
      await register(taskQueue, A, ['workflow', 'activity']);
      await register(taskQueue, B, ['workflow', 'activity']);
      await setCurrent(deploymentName, 'build-a');
      // One at a time: the real server does not keep tasks of different runs in order.
      const stays = await start(taskQueue);
      const scheduleActivity = {
        commandType: CT.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
        scheduleActivityTaskCommandAttributes: {
          activityId: 'act-1',
          activityType: { name: 'A' },
          taskQueue: { name: taskQueue },
          startToCloseTimeout: { seconds: 30 },
        },
      };
      await complete(await taskOf(taskQueue, A, stays), A, VB.VERSIONING_BEHAVIOR_PINNED, [scheduleActivity]);
      const upgrades = await start(taskQueue);
      await complete(await taskOf(taskQueue, A, upgrades), A, VB.VERSIONING_BEHAVIOR_PINNED);
      await setCurrent(deploymentName, 'build-b');
      const activity = await pollTask(taskQueue, A, 'activity');
      expect(activity.workflowExecution.workflowId).toBe(stays);
      const pending = (await raw().wf('DescribeWorkflowExecution', { execution: { workflowId: stays } }))
        .pendingActivities;
      expect(pending[0].lastDeploymentVersion).toEqual(expect.objectContaining(A));
      await raw().wf('RespondActivityTaskCompleted', { taskToken: activity.taskToken, result: { payloads: [] } });

      const continueAsNew = (initialVersioningBehavior: number) => ({
        commandType: CT.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
        continueAsNewWorkflowExecutionCommandAttributes: {
          workflowType: { name: 'Versioned' },
          taskQueue: { name: taskQueue },
          initialVersioningBehavior,
        },
      });
      await complete(await taskOf(taskQueue, A, stays), A, VB.VERSIONING_BEHAVIOR_PINNED, [continueAsNew(0)]);
      const kept = await taskOf(taskQueue, A, stays);
      const keptStart = kept.history.events[0].workflowExecutionStartedEventAttributes;
      expect(keptStart.inheritedPinnedVersion).toEqual(expect.objectContaining(A));
      await complete(kept, A, VB.VERSIONING_BEHAVIOR_PINNED);

      await signal(upgrades);
      const CAN_AUTO = E.ContinueAsNewVersioningBehavior.CONTINUE_AS_NEW_VERSIONING_BEHAVIOR_AUTO_UPGRADE;
      await complete(await taskOf(taskQueue, A, upgrades), A, VB.VERSIONING_BEHAVIOR_PINNED, [continueAsNew(CAN_AUTO)]);
      const moved = await taskOf(taskQueue, B, upgrades);
      const movedStart = moved.history.events[0].workflowExecutionStartedEventAttributes;
      expect(movedStart.inheritedAutoUpgradeInfo).toEqual(
        expect.objectContaining({
          sourceDeploymentVersion: expect.objectContaining(A),
          continueAsNewInitialVersioningBehavior: CAN_AUTO,
        }),
      );
      await complete(moved, B, VB.VERSIONING_BEHAVIOR_PINNED);
    });

    test('allow_no_pollers makes a version no worker has polled current, creating its deployment', async () => {
      const { deploymentName, taskQueue, A, B } = setup();
      const set = await raw().wf('SetWorkerDeploymentCurrentVersion', {
        deploymentName,
        buildId: 'build-a',
        allowNoPollers: true,
        identity: 'operator',
      });
      // A busy real server can answer a retried call, which then sees its own first attempt as the previous version.
      expect(['__unversioned__', `${deploymentName}.build-a`]).toContain(set.previousVersion);
      const d = await raw().wf('DescribeWorkerDeployment', { deploymentName });
      expect(d.workerDeploymentInfo.routingConfig.currentDeploymentVersion).toEqual(expect.objectContaining(A));
      expect(d.workerDeploymentInfo.versionSummaries).toEqual([
        expect.objectContaining({ deploymentVersion: expect.objectContaining(A) }),
      ]);
      const ramp = await raw().wf('SetWorkerDeploymentRampingVersion', {
        deploymentName,
        buildId: 'build-b',
        percentage: 100,
        allowNoPollers: true,
      });
      expect(ramp.previousPercentage ?? 0).toBe(0);
      // Its worker, polling later, joins the version and gets the new workflows.
      await register(taskQueue, B);
      const workflowId = await start(taskQueue);
      await complete(await taskOf(taskQueue, B, workflowId), B, VB.VERSIONING_BEHAVIOR_PINNED);
    });

    test('a standalone activity goes to the current version of its task queue', async () => {
      const { deploymentName, taskQueue, A, B } = setup();
      await register(taskQueue, A, ['activity']);
      await register(taskQueue, B, ['activity']);
      await setCurrent(deploymentName, 'build-b');
      const activityId = uniqueId('act');
      await raw().wf('StartActivityExecution', {
        activityId,
        activityType: { name: 'A' },
        taskQueue: { name: taskQueue },
        requestId: uniqueId(),
        startToCloseTimeout: { seconds: 30 },
      });
      const task = await pollTask(taskQueue, B, 'activity');
      expect(task.activityId).toBe(activityId);
      const described = await raw().wf('DescribeActivityExecution', { activityId });
      // The real server (1.32) does not report the version that ran a standalone activity.
      expect(described.info.lastDeploymentVersion ?? null).toBeNull();
      await raw().wf('RespondActivityTaskCompleted', { taskToken: task.taskToken, result: { payloads: [] } });
    });

    test('a version that stops ramping drains; it is deleted once drained, or at once skipping drainage', async () => {
      const { deploymentName } = setup();
      const summaries = async () =>
        (await raw().wf('DescribeWorkerDeployment', { deploymentName })).workerDeploymentInfo.versionSummaries as any[];
      const statusOf = async (buildId: string) =>
        (await summaries()).find((v) => v.deploymentVersion.buildId === buildId)?.status;
      const version = (buildId: string) => ({ deploymentVersion: { deploymentName, buildId } });
      await raw().wf('SetWorkerDeploymentCurrentVersion', { deploymentName, buildId: 'build-a', allowNoPollers: true });
      for (const buildId of ['build-b', 'build-c']) {
        await raw().wf('SetWorkerDeploymentRampingVersion', {
          deploymentName,
          buildId,
          percentage: 10,
          allowNoPollers: true,
        });
      }
      // build-b stopped ramping when build-c started: draining until the first check, after the grace period.
      expect(await statusOf('build-b')).toBe(VS.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING);
      const e = await rejection(raw().wf('DeleteWorkerDeploymentVersion', version('build-b')));
      expect([e.code, e.details]).toEqual([
        grpc.status.FAILED_PRECONDITION,
        `version '${deploymentName}:build-b' cannot be deleted since it is draining`,
      ]);
      // No run is pinned to it: the check finds it drained, and it can go.
      await waitUntil(
        async () => (await statusOf('build-b')) === VS.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED,
        20_000,
        'build-b to be drained',
      );
      const drained = (await summaries()).find((v) => v.deploymentVersion.buildId === 'build-b');
      expect(drained.drainageInfo.status).toBe(E.VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED);
      await raw().wf('DeleteWorkerDeploymentVersion', version('build-b'));
      // Back to unversioned workers; the versions that were current and ramping go at once, skipping drainage.
      await raw().wf('SetWorkerDeploymentRampingVersion', { deploymentName, buildId: '', percentage: 0 });
      const back = await raw().wf('SetWorkerDeploymentCurrentVersion', { deploymentName, buildId: '' });
      if (server().kind === 'kairos' || back.previousDeploymentVersion) {
        expect(back.previousDeploymentVersion).toEqual(expect.objectContaining({ buildId: 'build-a' }));
      }
      // The real server runs the change as an update on its deployment workflow and retries that update when the
      // workflow is busy; a retry that lands after the first attempt took effect is a no-op, which it answers with
      // the requested version as the previous one (seen once on a loaded CI machine). Either way the change is made.
      const routing = (await raw().wf('DescribeWorkerDeployment', { deploymentName })).workerDeploymentInfo
        .routingConfig;
      expect(routing.currentDeploymentVersion ?? null).toBeNull();
      for (const buildId of ['build-a', 'build-c']) {
        await raw().wf('DeleteWorkerDeploymentVersion', { ...version(buildId), skipDrainage: true });
      }
      expect(await summaries()).toEqual([]);
      await raw().wf('DeleteWorkerDeployment', { deploymentName });
      const gone = await rejection(raw().wf('DescribeWorkerDeployment', { deploymentName }));
      expect(gone.code).toBe(grpc.status.NOT_FOUND);
    });

    test('version metadata is upserted and removed', async () => {
      const { taskQueue, A } = setup();
      await register(taskQueue, A);
      const value = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"blue"') };
      const upserted = await raw().wf('UpdateWorkerDeploymentVersionMetadata', {
        deploymentVersion: A,
        upsertEntries: { color: value, size: value },
        identity: 'operator',
      });
      expect(Object.keys(upserted.metadata.entries).sort()).toEqual(['color', 'size']);
      const removed = await raw().wf('UpdateWorkerDeploymentVersionMetadata', {
        deploymentVersion: A,
        removeEntries: ['size'],
      });
      expect(Object.keys(removed.metadata.entries)).toEqual(['color']);
      const d = await raw().wf('DescribeWorkerDeploymentVersion', { deploymentVersion: A });
      expect(keyword(d.workerDeploymentVersionInfo.metadata.entries.color)).toBe('blue');
    });

    test('bad requests are refused, naming what is wrong', async () => {
      const { deploymentName, taskQueue, A, B } = setup();
      await register(taskQueue, A);
      const expectError = async (p: Promise<unknown>, code: grpc.status, details: string) => {
        const e = await rejection(p);
        expect([e.code, e.details]).toEqual([code, details]);
      };
      await expectError(
        raw().wf('DescribeWorkerDeployment', { deploymentName: 'no-such-deployment' }),
        grpc.status.NOT_FOUND,
        "no Worker Deployment found with name 'no-such-deployment'; does your Worker Deployment have pollers?",
      );
      await expectError(
        raw().wf('SetWorkerDeploymentCurrentVersion', { deploymentName: '', buildId: 'x' }),
        grpc.status.INVALID_ARGUMENT,
        'deployment name cannot be empty',
      );
      await expectError(
        setCurrent(deploymentName, 'no-such-build'),
        grpc.status.NOT_FOUND,
        `build ID 'no-such-build' not found in Worker Deployment '${deploymentName}'`,
      );
      await expectError(
        raw().wf('SetWorkerDeploymentRampingVersion', { deploymentName, buildId: 'build-a', percentage: 101 }),
        grpc.status.INVALID_ARGUMENT,
        'Percentage must be between 0 and 100 (inclusive)',
      );
      await expectError(
        raw().wf('SetWorkerDeploymentCurrentVersion', {
          deploymentName,
          buildId: 'build-a',
          conflictToken: Buffer.from('stale'),
        }),
        grpc.status.FAILED_PRECONDITION,
        'conflict token mismatch',
      );
      await setCurrent(deploymentName, 'build-a');
      await expectError(
        raw().wf('SetWorkerDeploymentRampingVersion', { deploymentName, buildId: 'build-a', percentage: 10 }),
        grpc.status.FAILED_PRECONDITION,
        `requested ramping version ${deploymentName}.build-a is already current`,
      );
      await expectError(
        raw().wf('DeleteWorkerDeploymentVersion', { deploymentVersion: A }),
        grpc.status.FAILED_PRECONDITION,
        `version '${deploymentName}:build-a' cannot be deleted since it is current or ramping`,
      );
      await expectError(
        raw().wf('DeleteWorkerDeployment', { deploymentName }),
        grpc.status.FAILED_PRECONDITION,
        "deployment has versions, can't be deleted",
      );
      await expectError(
        raw().wf('DescribeWorkerDeploymentVersion', { version: 'no-dot' }),
        grpc.status.INVALID_ARGUMENT,
        'invalid version string "no-dot", expected format is "<deployment_name>.<build_id>"',
      );
      await expectError(
        raw().wf('DescribeWorkerDeploymentVersion', { deploymentVersion: B }),
        grpc.status.NOT_FOUND,
        'Worker Deployment Version not found',
      );
      await expectError(
        raw().wf('UpdateWorkerDeploymentVersionMetadata', { deploymentVersion: A }),
        grpc.status.INVALID_ARGUMENT,
        'At least one of remove_entries or upsert_entries must be provided',
      );
      const PIN = temporal.api.workflow.v1.VersioningOverride.PinnedOverrideBehavior.PINNED_OVERRIDE_BEHAVIOR_PINNED;
      await expectError(
        start(taskQueue, { versioningOverride: { pinned: { behavior: PIN, version: B } } }),
        grpc.status.FAILED_PRECONDITION,
        `Pinned version '${deploymentName}:build-b' is not present in task queue '${taskQueue}' of type 'Workflow'`,
      );
      await expectError(
        start(taskQueue, { versioningOverride: { pinned: { behavior: PIN } } }),
        grpc.status.INVALID_ARGUMENT,
        'must provide version if override is pinned.',
      );
      // Deleting a deployment nobody knows is not an error.
      await raw().wf('DeleteWorkerDeployment', { deploymentName: 'no-such-deployment' });
    });
  });
});
