// The frontend over raw gRPC: namespaces, system info, start options and policies, signals, cancel,
// terminate, describe, history paging and long polls, and the error details clients decode.
import * as grpc from '@grpc/grpc-js';
import type Long from 'long';
import { temporal } from '@kairos/proto';
import { DevServer } from '../src';
import { startServer, uniqueId, waitUntil } from './helpers';
import { RawClient, rejection } from './raw-client';

const E = temporal.api.enums.v1;
const ET = E.EventType;

let server: DevServer;
let raw: RawClient;

beforeAll(async () => {
  server = await startServer({
    namespaces: ['extra'],
    historyLongPollMs: 300,
    // Lets the retention test register a namespace that keeps closed runs for 200 ms.
    dynamicConfig: { 'system.namespaceMinRetentionLocal': '100ms' },
    searchAttributes: {
      CustomKeyword: 'Keyword',
      CustomInt: 'Int',
      CustomDatetime: 'Datetime',
      CustomKeywordList: 'KeywordList',
      CustomText: 'Text',
    },
  });
  raw = new RawClient(server.address);
});

afterAll(async () => {
  raw?.close();
  await server?.shutdown();
});

const payload = (v: unknown) => ({
  metadata: { encoding: Buffer.from('json/plain') },
  data: Buffer.from(JSON.stringify(v)),
});

function start(workflowId: string, extra: object = {}) {
  return raw.wf('StartWorkflowExecution', {
    workflowId,
    workflowType: { name: 'Wf' },
    taskQueue: { name: 'tq-frontend' },
    requestId: uniqueId('req'),
    ...extra,
  });
}

async function eventTypes(workflowId: string, runId = ''): Promise<number[]> {
  const r = await raw.wf('GetWorkflowExecutionHistory', { execution: { workflowId, runId } });
  return r.history.events.map((e: temporal.api.history.v1.IHistoryEvent) => e.eventType);
}

describe('namespaces and system info', () => {
  test('GetSystemInfo reports the capabilities the SDKs read', async () => {
    const r = await raw.wf('GetSystemInfo', {});
    expect(r.capabilities).toMatchObject({
      sdkMetadata: true,
      signalAndQueryHeader: true,
      encodedFailureAttributes: true,
      upsertMemo: true,
      supportsSchedules: true,
      countGroupByExecutionStatus: true,
      buildIdBasedVersioning: true,
    });
    expect(r.serverVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('default and --namespace namespaces exist; register, describe, update and list', async () => {
    expect((await raw.wf('DescribeNamespace', { namespace: 'default' })).namespaceInfo.name).toBe('default');
    expect((await raw.wf('DescribeNamespace', { namespace: 'extra' })).namespaceInfo.state).toBe(
      E.NamespaceState.NAMESPACE_STATE_REGISTERED,
    );
    const name = uniqueId('ns');
    await raw.wf('RegisterNamespace', {
      namespace: name,
      description: 'd',
      workflowExecutionRetentionPeriod: { seconds: 3600 },
    });
    const d = await raw.wf('DescribeNamespace', { namespace: name });
    expect(d.namespaceInfo.description).toBe('d');
    expect(Number(d.config.workflowExecutionRetentionTtl.seconds)).toBe(3600);
    expect((await raw.wf('DescribeNamespace', { namespace: '', id: d.namespaceInfo.id })).namespaceInfo.name).toBe(
      name,
    );
    await raw.wf('UpdateNamespace', { namespace: name, config: { workflowExecutionRetentionTtl: { seconds: 7200 } } });
    expect(
      Number((await raw.wf('DescribeNamespace', { namespace: name })).config.workflowExecutionRetentionTtl.seconds),
    ).toBe(7200);
    const list = await raw.wf('ListNamespaces', { pageSize: 100 });
    expect(list.namespaces.map((n: { namespaceInfo: { name: string } }) => n.namespaceInfo.name)).toEqual(
      expect.arrayContaining(['default', 'extra', name]),
    );
  });

  test('namespaces describe one local cluster, their search attribute fields and no bad binaries, as the real server does', async () => {
    const d = await raw.wf('DescribeNamespace', { namespace: 'default' });
    const cluster = { activeClusterName: 'active', clusters: [{ clusterName: 'active' }] };
    // Created at start: no replication state (decoded as the enum's default); registered: NORMAL.
    const replication = (r: { replicationConfig: { state: number | string } }) => ({
      ...r.replicationConfig,
      state:
        typeof r.replicationConfig.state === 'number'
          ? E.ReplicationState[r.replicationConfig.state]
          : r.replicationConfig.state,
    });
    expect(replication(d)).toEqual({ ...cluster, state: 'REPLICATION_STATE_UNSPECIFIED' });
    expect(d.config.badBinaries).toEqual({ binaries: {} });
    // The server's own search attributes take the first field of their type.
    const atStart = {
      Keyword01: 'CustomKeyword',
      Int01: 'CustomInt',
      Datetime01: 'CustomDatetime',
      KeywordList01: 'CustomKeywordList',
      Text01: 'CustomText',
    };
    expect(d.config.customSearchAttributeAliases).toEqual(atStart);
    const name = uniqueId('ns');
    await raw.wf('RegisterNamespace', { namespace: name, workflowExecutionRetentionPeriod: { seconds: 86400 } });
    const registered = await raw.wf('DescribeNamespace', { namespace: name });
    // The server's search attributes are not registered on namespaces created later, as on the real dev server.
    expect(registered.config.customSearchAttributeAliases).toEqual({});
    expect(replication(registered)).toEqual({ ...cluster, state: 'REPLICATION_STATE_NORMAL' });
    const updated = await raw.wf('UpdateNamespace', { namespace: name, updateInfo: { description: 'x' } });
    expect(replication(updated)).toEqual(replication(registered));
    // A removed attribute frees its field without moving the others; a new one takes the lowest free field.
    const add = (searchAttributes: object) =>
      raw.call('OperatorService', 'AddSearchAttributes', { namespace: name, searchAttributes });
    await add({ A: E.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD });
    await add({ B: E.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, N: E.IndexedValueType.INDEXED_VALUE_TYPE_INT });
    await raw.call('OperatorService', 'RemoveSearchAttributes', { namespace: name, searchAttributes: ['A'] });
    expect((await raw.wf('DescribeNamespace', { namespace: name })).config.customSearchAttributeAliases).toEqual({
      Keyword02: 'B',
      Int01: 'N',
    });
    await add({ C: E.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD });
    expect((await raw.wf('DescribeNamespace', { namespace: name })).config.customSearchAttributeAliases).toEqual({
      Keyword01: 'C',
      Keyword02: 'B',
      Int01: 'N',
    });
  });

  test("the real server's temporal-system namespace is listed after those created at start", async () => {
    const list = await raw.wf('ListNamespaces', { pageSize: 100 });
    const names = list.namespaces.map((n: { namespaceInfo: { name: string } }) => n.namespaceInfo.name);
    expect(names.slice(0, 3)).toEqual(['default', 'extra', 'temporal-system']);
    const system = await raw.wf('DescribeNamespace', { namespace: 'temporal-system' });
    expect(system.namespaceInfo).toMatchObject({
      id: '32049b68-7872-4094-8e63-d0dd59896a83',
      description: 'Temporal internal system namespace',
      ownerEmail: 'temporal-core@temporal.io',
    });
    expect(Number(system.config.workflowExecutionRetentionTtl.seconds)).toBe(7 * 86400);
    expect(system.config.customSearchAttributeAliases).toEqual({});
  });

  test('a duplicate namespace is ALREADY_EXISTS with NamespaceAlreadyExistsFailure', async () => {
    const err = await rejection(
      raw.wf('RegisterNamespace', { namespace: 'default', workflowExecutionRetentionPeriod: { seconds: 7200 } }),
    );
    expect([err.code, err.details]).toEqual([grpc.status.ALREADY_EXISTS, 'Namespace "default" already exists']);
    expect(err.statusDetails[0].typeName).toBe('temporal.api.errordetails.v1.NamespaceAlreadyExistsFailure');
  });

  test('an unknown namespace is NOT_FOUND with NamespaceNotFoundFailure', async () => {
    const err = await rejection(
      raw.call('WorkflowService', 'StartWorkflowExecution', {
        namespace: 'nope',
        workflowId: 'x',
        workflowType: { name: 'W' },
        taskQueue: { name: 'q' },
      }),
    );
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    expect(err.statusDetails[0]).toEqual({
      typeName: 'temporal.api.errordetails.v1.NamespaceNotFoundFailure',
      message: { namespace: 'nope' },
    });
  });

  test('RecordWorkerHeartbeat keeps the last heartbeat of each worker; namespaces say they support it', async () => {
    const ns = await raw.wf('DescribeNamespace', { namespace: 'extra' });
    expect(ns.namespaceInfo.capabilities).toMatchObject({ workerHeartbeats: true, workerCommands: false });
    const beat = (key: string, taskQueue: string) => ({ workerInstanceKey: key, taskQueue, sdkName: 'raw' });
    await raw.call('WorkflowService', 'RecordWorkerHeartbeat', {
      namespace: 'extra',
      identity: 'raw',
      workerHeartbeat: [beat('w1', 'q1'), beat('w2', 'q1')],
    });
    await raw.call('WorkflowService', 'RecordWorkerHeartbeat', {
      namespace: 'extra',
      workerHeartbeat: [beat('w1', 'q2')],
    });
    expect(server.workerHeartbeats('extra').map((hb) => [hb.workerInstanceKey, hb.taskQueue])).toEqual([
      ['w2', 'q1'],
      ['w1', 'q2'],
    ]);
    expect(server.workerHeartbeats('default').some((hb) => hb.sdkName === 'raw')).toBe(false);
    const err = await rejection(
      raw.call('WorkflowService', 'RecordWorkerHeartbeat', { namespace: 'nope', workerHeartbeat: [] }),
    );
    expect(err.code).toBe(grpc.status.NOT_FOUND);
  });

  test('the health service answers SERVING', async () => {
    expect((await raw.call('Health', 'Check', {})).status).toBe(1);
  });
});

describe('starting workflows', () => {
  test("validation names the missing field in the real server's words", async () => {
    const err = await rejection(
      raw.wf('StartWorkflowExecution', { workflowType: { name: 'W' }, taskQueue: { name: 'q' } }),
    );
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toBe('WorkflowId is not set on request.');
    expect((await rejection(start(uniqueId(), { taskQueue: { name: '' } }))).details).toBe('taskQueue is not set');
    // The real server's wording for retry policies (also used for activity commands).
    expect((await rejection(start(uniqueId(), { retryPolicy: { backoffCoefficient: 0.5 } }))).details).toBe(
      'BackoffCoefficient cannot be less than 1 on retry policy.',
    );
    expect((await rejection(start(uniqueId(), { cronSchedule: 'not a cron' }))).details).toBe('invalid CronSchedule.');
    expect(
      (await rejection(start(uniqueId(), { searchAttributes: { indexedFields: { Unknown: payload('x') } } }))).details,
    ).toContain('Unknown');
  });

  test('writes WorkflowExecutionStarted with normalised timeouts and schedules the first task', async () => {
    const id = uniqueId();
    const r = await start(id, {
      workflowExecutionTimeout: { seconds: 60 },
      workflowRunTimeout: { seconds: 120 },
      memo: { fields: { m: payload(1) } },
    });
    expect(r.started).toBe(true);
    const h = await raw.wf('GetWorkflowExecutionHistory', { execution: { workflowId: id } });
    expect(h.history.events.map((e: { eventType: number }) => e.eventType)).toEqual([
      ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      ET.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    ]);
    const a = h.history.events[0].workflowExecutionStartedEventAttributes;
    expect(Number(a.workflowRunTimeout.seconds)).toBe(60);
    expect(Number(a.workflowTaskTimeout.seconds)).toBe(10);
    expect(a.firstExecutionRunId).toBe(r.runId);
    expect(a.workflowExecutionExpirationTime).toBeTruthy();
    const d = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId: id } });
    expect(Number(d.executionConfig.workflowRunTimeout.seconds)).toBe(60);
    expect(d.workflowExecutionInfo.memo.fields.m.data.toString()).toBe('1');
    expect(d.pendingWorkflowTask.state).toBe(E.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED);
  });

  test('a start delay sets first_workflow_task_backoff and schedules no task yet', async () => {
    const id = uniqueId();
    await start(id, { workflowStartDelay: { seconds: 3600 } });
    const h = await raw.wf('GetWorkflowExecutionHistory', { execution: { workflowId: id } });
    expect(h.history.events).toHaveLength(1);
    expect(Number(h.history.events[0].workflowExecutionStartedEventAttributes.firstWorkflowTaskBackoff.seconds)).toBe(
      3600,
    );
    // A signal during the delay waits for the first task, as on the real server.
    await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId: id }, signalName: 's' });
    expect(await eventTypes(id)).toEqual([
      ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    ]);
  });

  test('the same request id returns the same run', async () => {
    const id = uniqueId();
    const requestId = uniqueId('req');
    const a = await start(id, { requestId });
    const b = await start(id, { requestId });
    expect(b.runId).toBe(a.runId);
    expect(b.started).toBe(true);
  });

  test('conflict policies: FAIL, USE_EXISTING and TERMINATE_EXISTING', async () => {
    const id = uniqueId();
    const first = await start(id);
    const err = await rejection(start(id));
    expect(err.code).toBe(grpc.status.ALREADY_EXISTS);
    expect(err.statusDetails[0].typeName).toBe('temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure');
    expect(err.statusDetails[0].message.runId).toBe(first.runId);
    const existing = await start(id, {
      workflowIdConflictPolicy: E.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
    });
    expect(existing).toMatchObject({ runId: first.runId, started: false });
    const replaced = await start(id, {
      workflowIdConflictPolicy: E.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING,
    });
    expect(replaced.runId).not.toBe(first.runId);
    expect((await eventTypes(id, first.runId)).pop()).toBe(ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED);
  });

  test('signal-with-start refuses the FAIL conflict policy with INVALID_ARGUMENT, whether or not a run is open', async () => {
    const id = uniqueId();
    const sws = (extra: object = {}) =>
      raw.wf('SignalWithStartWorkflowExecution', {
        workflowId: id,
        workflowType: { name: 'Wf' },
        taskQueue: { name: 'tq-frontend' },
        signalName: 'sig',
        requestId: uniqueId('req'),
        ...extra,
      });
    const fail = { workflowIdConflictPolicy: E.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL };
    for (const running of [false, true]) {
      if (running) expect((await sws()).started).toBe(true);
      const err = await rejection(sws(fail));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toBe(
        'Invalid WorkflowIDConflictPolicy: WORKFLOW_ID_CONFLICT_POLICY_FAIL is not supported for this operation.',
      );
      expect(err.statusDetails).toEqual([]);
    }
    // The open run was signalled once (by the start), not by the refused calls.
    expect((await eventTypes(id)).filter((t) => t === ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)).toHaveLength(1);
  });

  test('TERMINATE_IF_RUNNING cannot be combined with a conflict policy', async () => {
    const tir = { workflowIdReusePolicy: E.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING };
    const message =
      'Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING cannot be used together with a WorkflowIDConflictPolicy';
    const startErr = await rejection(
      start(uniqueId(), {
        ...tir,
        workflowIdConflictPolicy: E.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
      }),
    );
    expect([startErr.code, startErr.details]).toEqual([grpc.status.INVALID_ARGUMENT, message]);
    const swsErr = await rejection(
      raw.wf('SignalWithStartWorkflowExecution', {
        workflowId: uniqueId(),
        workflowType: { name: 'Wf' },
        taskQueue: { name: 'tq-frontend' },
        signalName: 'sig',
        ...tir,
        workflowIdConflictPolicy: E.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
      }),
    );
    expect([swsErr.code, swsErr.details]).toEqual([grpc.status.INVALID_ARGUMENT, message]);
    expect((await start(uniqueId(), tir)).started).toBe(true);
  });

  test('reuse policies after the last run closed', async () => {
    const id = uniqueId();
    await start(id);
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: id }, reason: 'r' });
    const err = await rejection(
      start(id, { workflowIdReusePolicy: E.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE }),
    );
    expect(err.code).toBe(grpc.status.ALREADY_EXISTS);
    const again = await start(id, {
      workflowIdReusePolicy: E.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
    });
    expect(again.started).toBe(true);
  });
});

describe('search attributes', () => {
  const typeOf = (p: temporal.api.common.v1.IPayload) => Buffer.from(p.metadata!.type ?? []).toString();
  const dataOf = (p: temporal.api.common.v1.IPayload) => Buffer.from(p.data!).toString();
  const fieldsOf = (sa: temporal.api.common.v1.ISearchAttributes) =>
    Object.fromEntries(Object.entries(sa.indexedFields!).map(([k, p]) => [k, [typeOf(p), dataOf(p)]]));

  test('untyped search attributes at start are stored with their registered type, and empty ones are dropped', async () => {
    const id = uniqueId();
    await start(id, {
      searchAttributes: {
        indexedFields: {
          CustomKeyword: payload(['x']), // legacy SDKs send scalars as one-element lists
          CustomInt: payload(5),
          CustomDatetime: payload('2026-01-02T03:04:05Z'),
          CustomKeywordList: payload(['a', 'b']),
          CustomText: payload(null),
          BinaryChecksums: payload(['c1']),
        },
      },
    });
    const stored = {
      CustomKeyword: ['Keyword', '["x"]'],
      CustomInt: ['Int', '5'],
      CustomDatetime: ['Datetime', '"2026-01-02T03:04:05Z"'],
      CustomKeywordList: ['KeywordList', '["a","b"]'],
      BinaryChecksums: ['KeywordList', '["c1"]'],
    };
    const h = await raw.wf('GetWorkflowExecutionHistory', { execution: { workflowId: id } });
    expect(fieldsOf(h.history.events[0].workflowExecutionStartedEventAttributes.searchAttributes)).toEqual(stored);
    const d = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId: id } });
    expect(fieldsOf(d.workflowExecutionInfo.searchAttributes)).toEqual(stored);
    // Visibility re-encodes each value from its typed form: the one-element list comes back as the keyword.
    const l = await raw.wf('ListWorkflowExecutions', { query: `WorkflowId = '${id}' AND CustomInt > 3` });
    expect(fieldsOf(l.executions[0].searchAttributes)).toEqual({ ...stored, CustomKeyword: ['Keyword', '"x"'] });
    const count = await raw.wf('CountWorkflowExecutions', { query: `CustomKeyword = 'x' AND WorkflowId = '${id}'` });
    expect(Number(count.count)).toBe(1);
  });

  test('a payload that already names its type keeps it', async () => {
    const id = uniqueId();
    const typed = { ...payload(7), metadata: { ...payload(7).metadata, type: Buffer.from('Int') } };
    await start(id, { searchAttributes: { indexedFields: { CustomInt: typed } } });
    const d = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId: id } });
    expect(fieldsOf(d.workflowExecutionInfo.searchAttributes)).toEqual({ CustomInt: ['Int', '7'] });
  });

  test("a schedule's search attributes and its action's are stored with their registered type", async () => {
    const scheduleId = uniqueId('sched');
    await raw.wf('CreateSchedule', {
      scheduleId,
      requestId: scheduleId,
      schedule: {
        spec: { interval: [{ interval: { seconds: 3600 } }] },
        action: {
          startWorkflow: {
            workflowId: 'wf',
            workflowType: { name: 'W' },
            taskQueue: { name: 'tq-frontend' },
            searchAttributes: { indexedFields: { CustomInt: payload([4]) } },
          },
        },
        state: { paused: true },
      },
      searchAttributes: { indexedFields: { CustomKeyword: payload('s') } },
    });
    const d = await raw.wf('DescribeSchedule', { scheduleId });
    expect(fieldsOf(d.searchAttributes)).toEqual({ CustomKeyword: ['Keyword', '"s"'] });
    expect(fieldsOf(d.schedule.action.startWorkflow.searchAttributes)).toEqual({ CustomInt: ['Int', '[4]'] });
    await raw.wf('DeleteSchedule', { scheduleId });
  });

  test('an unregistered search attribute is INVALID_ARGUMENT naming the namespace, at start, signal-with-start, in schedules and in list queries', async () => {
    const unknown = {
      searchAttributes: { indexedFields: { CustomKeyword: payload('k'), Unregistered: payload('x') } },
    };
    const message = 'Namespace default has no mapping defined for search attribute Unregistered';
    const failures = [
      await rejection(start(uniqueId(), unknown)),
      await rejection(
        raw.wf('SignalWithStartWorkflowExecution', {
          workflowId: uniqueId(),
          workflowType: { name: 'Wf' },
          taskQueue: { name: 'tq-frontend' },
          signalName: 'go',
          requestId: uniqueId('req'),
          ...unknown,
        }),
      ),
      await rejection(
        raw.wf('CreateSchedule', {
          scheduleId: uniqueId('sched'),
          requestId: uniqueId('req'),
          schedule: {
            spec: { interval: [{ interval: { seconds: 3600 } }] },
            action: {
              startWorkflow: { workflowId: 'wf', workflowType: { name: 'W' }, taskQueue: { name: 'tq' }, ...unknown },
            },
          },
        }),
      ),
    ];
    for (const err of failures) {
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toBe(message);
    }
    for (const [method, query] of [
      ['ListWorkflowExecutions', "Unregistered = 'x'"],
      ['ScanWorkflowExecutions', 'Unregistered IS NULL'],
      ['CountWorkflowExecutions', "CustomKeyword = 'k' GROUP BY Unregistered"],
      ['ListWorkflowExecutions', 'ORDER BY Unregistered'],
      ['ListSchedules', "Unregistered STARTS_WITH 'x'"],
    ]) {
      const err = await rejection(raw.wf(method, { query }));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toBe('invalid query: invalid search attribute: Unregistered');
    }
    const groupBy = await rejection(raw.wf('CountWorkflowExecutions', { query: 'GROUP BY WorkflowType' }));
    expect(groupBy.details).toBe(
      "invalid query: operation is not supported: 'GROUP BY' clause is not supported for search attribute WorkflowType",
    );
  });

  test('a KeywordList may come as a list holding one list: kept as sent, listed flat, matched by its keywords', async () => {
    const ids = { nested: uniqueId(), nulls: uniqueId(), emptyInner: uniqueId() };
    const values = { nested: [['Red', 'green']], nulls: [['blue', null]], emptyInner: [[]] };
    for (const [k, id] of Object.entries(ids)) {
      await start(id, {
        searchAttributes: { indexedFields: { CustomKeywordList: payload(values[k as keyof typeof values]) } },
      });
    }
    // History and describe keep the value as it was sent.
    const d = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId: ids.nested } });
    expect(fieldsOf(d.workflowExecutionInfo.searchAttributes)).toEqual({
      CustomKeywordList: ['KeywordList', '[["Red","green"]]'],
    });
    const h = await raw.wf('GetWorkflowExecutionHistory', { execution: { workflowId: ids.nulls } });
    expect(
      dataOf(
        h.history.events[0].workflowExecutionStartedEventAttributes.searchAttributes.indexedFields.CustomKeywordList,
      ),
    ).toBe('[["blue",null]]');
    // List returns the flat list of keywords (a null item as an empty keyword, an empty list as [""]).
    const all = Object.values(ids)
      .map((id) => `'${id}'`)
      .join(', ');
    const listed = await raw.wf('ListWorkflowExecutions', { query: `WorkflowId IN (${all})` });
    const byId = Object.fromEntries(
      listed.executions.map(
        (e: { execution: { workflowId: string }; searchAttributes: temporal.api.common.v1.ISearchAttributes }) => [
          e.execution.workflowId,
          dataOf(e.searchAttributes.indexedFields!.CustomKeywordList),
        ],
      ),
    );
    expect(byId).toEqual({ [ids.nested]: '["Red","green"]', [ids.nulls]: '["blue",""]', [ids.emptyInner]: '[""]' });
    const found = async (condition: string) =>
      (await raw.wf('ListWorkflowExecutions', { query: `WorkflowId IN (${all}) AND ${condition}` })).executions.map(
        (e: { execution: { workflowId: string } }) => e.execution.workflowId,
      );
    expect(await found(`CustomKeywordList = 'red'`)).toEqual([ids.nested]);
    expect(await found(`CustomKeywordList IN ('green', 'blue')`).then((r) => r.sort())).toEqual(
      [ids.nested, ids.nulls].sort(),
    );
    expect(await found(`CustomKeywordList = ''`)).toEqual([]);
    expect(await found(`CustomKeywordList IS NULL`)).toEqual([]);
  });

  test.each([
    ['CustomInt', 'abc', 'Int: abc'],
    ['CustomInt', 5.5, 'Int: 5.5'],
    ['CustomKeyword', ['x', 'y'], 'Keyword: [x y]'],
    ['CustomKeywordList', 'single', 'KeywordList: single'],
    ['CustomKeywordList', [['a', 'b'], 'c'], 'KeywordList: [[a b] c]'],
    ['CustomKeywordList', [['a'], ['b']], 'KeywordList: [[a] [b]]'],
    ['CustomKeywordList', [[['deep']]], 'KeywordList: [[[deep]]]'],
    ['CustomKeywordList', [['a', 1]], 'KeywordList: [[a 1]]'],
    ['CustomDatetime', '2026-01-02', 'Datetime: 2026-01-02'],
  ])('a %s value of %j does not fit its type and is INVALID_ARGUMENT', async (name, value, suffix) => {
    const err = await rejection(start(uniqueId(), { searchAttributes: { indexedFields: { [name]: payload(value) } } }));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toBe(`invalid value for search attribute ${name} of type ${suffix}`);
  });
});

describe('schedule specs', () => {
  const seconds = (isoTime: string) => ({ seconds: Date.parse(isoTime) / 1000 });
  const isoOf = (t: { seconds: number | Long }) => new Date(Number(t.seconds) * 1000).toISOString();
  const createSchedule = (scheduleId: string, spec: object) =>
    raw.wf('CreateSchedule', {
      scheduleId,
      requestId: scheduleId,
      schedule: {
        spec,
        action: {
          startWorkflow: { workflowId: 'wf', workflowType: { name: 'W' }, taskQueue: { name: 'tq-frontend' } },
        },
        state: { paused: true },
      },
    });

  test("describe, list, tokens and not-found answers of schedules are the real server's", async () => {
    const first = uniqueId('sched');
    const second = uniqueId('sched');
    const created = await createSchedule(first, { interval: [{ interval: { seconds: 3600 } }] });
    // The conflict token is the schedule's version as a big-endian int64.
    expect(Buffer.from(created.conflictToken).toString('hex')).toBe('0000000000000001');
    await createSchedule(second, { interval: [{ interval: { seconds: 3600 } }] });
    const d = await raw.wf('DescribeSchedule', { scheduleId: first });
    // Unset policies read as the real server's defaults; no update time until UpdateSchedule.
    expect(d.schedule.policies.overlapPolicy).toBe(E.ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP);
    expect(Number(d.schedule.policies.catchupWindow.seconds)).toBe(365 * 86400);
    expect(d.info.updateTime).toBeNull();
    await raw.wf('PatchSchedule', { scheduleId: first, patch: { unpause: 'go' } });
    const patched = await raw.wf('DescribeSchedule', { scheduleId: first });
    expect(patched.info.updateTime).toBeNull();
    expect(Buffer.from(patched.conflictToken).toString('hex')).toBe('0000000000000002');
    await raw.wf('UpdateSchedule', {
      scheduleId: first,
      conflictToken: patched.conflictToken,
      schedule: { ...patched.schedule, state: { paused: true } },
    });
    expect((await raw.wf('DescribeSchedule', { scheduleId: first })).info.updateTime).not.toBeNull();
    const stale = await rejection(
      raw.wf('UpdateSchedule', { scheduleId: first, conflictToken: patched.conflictToken, schedule: patched.schedule }),
    );
    expect(stale.code).toBe(grpc.status.FAILED_PRECONDITION);
    // Newest first, with an empty memo and no search attributes.
    const listed = await raw.wf('ListSchedules', { maximumPageSize: 1000 });
    const ids = listed.schedules.map((x: { scheduleId: string }) => x.scheduleId);
    expect(ids.indexOf(second)).toBeLessThan(ids.indexOf(first));
    const entry = listed.schedules.find((x: { scheduleId: string }) => x.scheduleId === first);
    expect(entry.memo).toEqual({ fields: {} });
    expect(entry.searchAttributes).toBeNull();
    // Unknown: the scheduler workflow is not found; deleted: it has closed.
    const never = uniqueId('never');
    const unknown = await Promise.all([
      rejection(raw.wf('DescribeSchedule', { scheduleId: never })),
      rejection(raw.wf('DeleteSchedule', { scheduleId: never })),
      rejection(raw.wf('PatchSchedule', { scheduleId: never, patch: { pause: 'x' } })),
    ]);
    for (const err of unknown) {
      expect([err.code, err.details]).toEqual([
        grpc.status.NOT_FOUND,
        `workflow not found for ID: temporal-sys-scheduler:${never}`,
      ]);
    }
    await raw.wf('DeleteSchedule', { scheduleId: first });
    const described = await rejection(raw.wf('DescribeSchedule', { scheduleId: first }));
    const deleted = await rejection(raw.wf('DeleteSchedule', { scheduleId: first }));
    expect([described.code, described.details]).toEqual([grpc.status.NOT_FOUND, 'schedule not found']);
    expect([deleted.code, deleted.details]).toEqual([grpc.status.NOT_FOUND, 'workflow execution already completed']);
    await raw.wf('DeleteSchedule', { scheduleId: second });
  });

  test('ListScheduleMatchingTimes lists the times after start and up to end, in the wall-clock time of timezone_name', async () => {
    const scheduleId = uniqueId('sched');
    await createSchedule(scheduleId, {
      calendar: [{ hour: '1,2', minute: '30' }],
      timezoneName: 'America/New_York',
    });
    // 2027-11-07 repeats 01:00-01:59 in New York; 2027-11-08 does not.
    const r = await raw.wf('ListScheduleMatchingTimes', {
      scheduleId,
      startTime: seconds('2027-11-07T05:30:00Z'),
      endTime: seconds('2027-11-08T06:30:00Z'),
    });
    expect(r.startTime.map(isoOf)).toEqual([
      '2027-11-07T06:30:00.000Z',
      '2027-11-07T07:30:00.000Z',
      '2027-11-08T06:30:00.000Z',
    ]);
    const d = await raw.wf('DescribeSchedule', { scheduleId });
    expect(d.schedule.spec.timezoneName).toBe('America/New_York');
    // Future action times are listed for a paused schedule too, as the real server does.
    expect(d.info.futureActionTimes.length).toBe(10);
    await raw.wf('DeleteSchedule', { scheduleId });
  });

  test('a cron string is described range by range: MON-FRI is one weekday range, and its zone prefix sets the spec zone', async () => {
    const scheduleId = uniqueId('sched');
    await createSchedule(scheduleId, { cronString: ['CRON_TZ=Europe/Paris 0 9 * * MON-FRI'] });
    const d = await raw.wf('DescribeSchedule', { scheduleId });
    expect(d.schedule.spec.cronString).toEqual([]);
    expect(d.schedule.spec.timezoneName).toBe('Europe/Paris');
    const [calendar] = d.schedule.spec.structuredCalendar;
    expect(calendar.dayOfWeek).toEqual([{ start: 1, end: 5, step: 1 }]);
    expect(calendar.hour).toEqual([{ start: 9, end: 9, step: 1 }]);
    expect(calendar.dayOfMonth).toEqual([{ start: 1, end: 31, step: 1 }]);
    await raw.wf('DeleteSchedule', { scheduleId });
  });

  test('an unknown time zone or timezone_data is INVALID_ARGUMENT', async () => {
    const unknown = await rejection(
      createSchedule(uniqueId('sched'), { calendar: [{ hour: '9' }], timezoneName: 'Mars/Olympus' }),
    );
    expect([unknown.code, unknown.details]).toEqual([
      grpc.status.INVALID_ARGUMENT,
      'Invalid schedule spec: unknown time zone Mars/Olympus',
    ]);
    const data = await rejection(
      createSchedule(uniqueId('sched'), { calendar: [{ hour: '9' }], timezoneData: Buffer.from('TZif') }),
    );
    expect(data.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(data.details).toMatch(/^Invalid schedule spec: timezone_data is not supported/);
  });
});

describe('update-with-start errors', () => {
  const ABORTED_TYPE = 'type.googleapis.com/temporal.api.failure.v1.MultiOperationExecutionAborted';
  const multiOp = (workflowId: string, startExtra: object = {}, updateExtra: object = {}) =>
    raw.wf(
      'ExecuteMultiOperation',
      {
        operations: [
          {
            startWorkflow: {
              namespace: 'default',
              workflowId,
              workflowType: { name: 'Wf' },
              taskQueue: { name: 'tq-frontend' },
              requestId: uniqueId('req'),
              ...startExtra,
            },
          },
          {
            updateWorkflow: {
              namespace: 'default',
              workflowExecution: { workflowId },
              request: { meta: { updateId: uniqueId('upd') }, input: { name: 'u' } },
              waitPolicy: {
                lifecycleStage:
                  E.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED,
              },
              ...updateExtra,
            },
          },
        ],
      },
      3_000,
    );
  type Status = { code: number; message: string; details: Array<{ type_url: string }> };
  const statusesOf = (err: { statusDetails: Array<{ typeName: string; message: Record<string, unknown> }> }) => {
    expect(err.statusDetails[0].typeName).toBe('temporal.api.errordetails.v1.MultiOperationExecutionFailure');
    return err.statusDetails[0].message.statuses as Status[];
  };

  test('the operation that did not fail is ABORTED with a MultiOperationExecutionAborted detail', async () => {
    const id = uniqueId();
    await start(id);
    // The start fails (the id is taken and the conflict policy is unset, which means FAIL): the update is aborted.
    const startFails = await rejection(multiOp(id));
    expect([startFails.code, startFails.details]).toEqual([
      grpc.status.ALREADY_EXISTS,
      'Update-with-Start could not be executed.',
    ]);
    const [failedStart, abortedUpdate] = statusesOf(startFails);
    expect(failedStart.code).toBe(grpc.status.ALREADY_EXISTS);
    expect(failedStart.details[0].type_url).toBe(
      'type.googleapis.com/temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure',
    );
    expect(abortedUpdate).toMatchObject({ code: grpc.status.ABORTED, message: 'Operation was aborted.' });
    expect(abortedUpdate.details.map((d) => d.type_url)).toEqual([ABORTED_TYPE]);

    // The update is invalid: the start is aborted.
    const updateFails = await rejection(multiOp(uniqueId(), {}, { workflowExecution: { workflowId: 'another-id' } }));
    expect(updateFails.code).toBe(grpc.status.INVALID_ARGUMENT);
    const [abortedStart, failedUpdate] = statusesOf(updateFails);
    expect(abortedStart.details.map((d) => d.type_url)).toEqual([ABORTED_TYPE]);
    expect(failedUpdate).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      message: 'WorkflowId is not consistent with previous operation(s).',
    });
  });
});

describe('signals, cancel and terminate', () => {
  test('signals are deduplicated by request id; a closed run gives NOT_FOUND', async () => {
    const id = uniqueId();
    await start(id);
    for (let i = 0; i < 2; i++) {
      await raw.wf('SignalWorkflowExecution', {
        workflowExecution: { workflowId: id },
        signalName: 'sig',
        input: { payloads: [payload(i)] },
        requestId: 'same',
      });
    }
    expect((await eventTypes(id)).filter((t) => t === ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)).toHaveLength(1);
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: id } });
    const err = await rejection(
      raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId: id }, signalName: 'sig' }),
    );
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    expect(
      (await rejection(raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: id } }))).code,
    ).toBe(grpc.status.NOT_FOUND);
  });

  test('cancel requests are written once; cancelling a closed run succeeds', async () => {
    const id = uniqueId();
    await start(id);
    await raw.wf('RequestCancelWorkflowExecution', { workflowExecution: { workflowId: id }, reason: 'why' });
    await raw.wf('RequestCancelWorkflowExecution', { workflowExecution: { workflowId: id } });
    const types = await eventTypes(id);
    expect(types.filter((t) => t === ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED)).toHaveLength(1);
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: id } });
    await raw.wf('RequestCancelWorkflowExecution', { workflowExecution: { workflowId: id } });
  });

  test("an unknown workflow is NOT_FOUND with the real server's message and a NotFoundFailure without clusters", async () => {
    const calls: Array<[string, (execution: object) => object]> = [
      ['DescribeWorkflowExecution', (execution) => ({ execution })],
      ['GetWorkflowExecutionHistory', (execution) => ({ execution })],
      ['GetWorkflowExecutionHistoryReverse', (execution) => ({ execution })],
      ['SignalWorkflowExecution', (workflowExecution) => ({ workflowExecution, signalName: 's' })],
      ['QueryWorkflow', (execution) => ({ execution, query: { queryType: 'q' } })],
      ['RequestCancelWorkflowExecution', (workflowExecution) => ({ workflowExecution })],
      ['TerminateWorkflowExecution', (workflowExecution) => ({ workflowExecution })],
      [
        'PollWorkflowExecutionUpdate',
        (workflowExecution) => ({ updateRef: { workflowExecution, updateId: 'u' }, waitPolicy: {} }),
      ],
    ];
    const runId = '00000000-0000-0000-0000-000000000000';
    for (const [method, request] of calls) {
      const err = await rejection(raw.wf(method, request({ workflowId: 'missing' })));
      expect([method, err.code, err.details]).toEqual([
        method,
        grpc.status.NOT_FOUND,
        'workflow not found for ID: missing',
      ]);
      expect(err.statusDetails).toEqual([{ typeName: 'temporal.api.errordetails.v1.NotFoundFailure', message: {} }]);
      // With a run id the message names both.
      const withRun = await rejection(raw.wf(method, request({ workflowId: 'missing', runId })));
      expect([method, withRun.details]).toEqual([
        method,
        `workflow execution not found for workflow ID "missing" and run ID "${runId}"`,
      ]);
    }
  });

  test('an activity completed by id that is not pending is NOT_FOUND with the real server message', async () => {
    const id = uniqueId();
    await start(id);
    const err = await rejection(
      raw.wf('RespondActivityTaskCompletedById', { workflowId: id, activityId: 'nope', identity: 'me' }),
    );
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    expect(err.details).toBe(
      'cannot find pending activity with ActivityID nope, check workflow execution history for more details',
    );
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: id } });
    const closed = await rejection(raw.wf('ResetStickyTaskQueue', { execution: { workflowId: id } }));
    expect([closed.code, closed.details]).toEqual([grpc.status.NOT_FOUND, 'workflow execution already completed']);
  });
});

describe('history', () => {
  test('pages with a token and reads backwards', async () => {
    const id = uniqueId();
    await start(id);
    for (let i = 0; i < 5; i++)
      await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId: id }, signalName: `s${i}` });
    const ids: number[] = [];
    let token: Uint8Array | undefined;
    do {
      const r = await raw.wf('GetWorkflowExecutionHistory', {
        execution: { workflowId: id },
        maximumPageSize: 3,
        nextPageToken: token,
      });
      ids.push(...r.history.events.map((e: { eventId: number }) => Number(e.eventId)));
      token = r.nextPageToken.length ? r.nextPageToken : undefined;
    } while (token);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const rev = await raw.wf('GetWorkflowExecutionHistoryReverse', {
      execution: { workflowId: id },
      maximumPageSize: 100,
    });
    expect(rev.history.events.map((e: { eventId: number }) => Number(e.eventId))).toEqual([7, 6, 5, 4, 3, 2, 1]);
  });

  test('pages hold whole batches of events, so a page can hold more events than its size; at most 256 batches', async () => {
    const tq = uniqueId('tq');
    const id = uniqueId();
    await start(id, { taskQueue: { name: tq } });
    const t = await raw.wf('PollWorkflowTaskQueue', { taskQueue: { name: tq }, identity: 'me' });
    const timers = Array.from({ length: 5 }, (_, i) => ({
      commandType: temporal.api.enums.v1.CommandType.COMMAND_TYPE_START_TIMER,
      startTimerCommandAttributes: { timerId: `t${i}`, startToFireTimeout: { seconds: 3600 } },
    }));
    await raw.wf('RespondWorkflowTaskCompleted', { taskToken: t.taskToken, commands: timers });
    for (let i = 0; i < 300; i++)
      await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId: id }, signalName: `s${i}` });
    const eventIds = (r: { history: { events: Array<{ eventId: number }> } }) =>
      r.history.events.map((e) => Number(e.eventId));
    // Batches: [1 started, 2 scheduled], [3 started], [4 completed, 5-9 timers], [10 signal, 11 scheduled],
    // then one per signal. Each page takes whole batches.
    const page = (maximumPageSize: number, nextPageToken?: Uint8Array) =>
      raw.wf('GetWorkflowExecutionHistory', { execution: { workflowId: id }, maximumPageSize, nextPageToken });
    const first = await page(3);
    expect(eventIds(first)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(eventIds(await page(3, first.nextPageToken))).toEqual([10, 11, 12, 13]);
    // Larger sizes (and 0) mean the real server's 256 batches: 263 events here.
    for (const size of [0, 1000]) {
      const big = await page(size);
      expect(eventIds(big)).toHaveLength(263);
      expect(eventIds(await page(size, big.nextPageToken))).toEqual(
        Array.from({ length: 310 - 263 }, (_, i) => 264 + i),
      );
    }
    // Reverse pages take whole batches too.
    const reverse = await raw.wf('GetWorkflowExecutionHistoryReverse', {
      execution: { workflowId: id },
      maximumPageSize: 1000,
    });
    expect(eventIds(reverse)).toHaveLength(256);
    let token = reverse.nextPageToken;
    const pages: number[][] = [];
    while (token.length) {
      const r = await raw.wf('GetWorkflowExecutionHistoryReverse', {
        execution: { workflowId: id },
        maximumPageSize: 2,
        nextPageToken: token,
      });
      pages.push(eventIds(r));
      token = r.nextPageToken;
    }
    expect(pages.slice(-2)).toEqual([
      [9, 8, 7, 6, 5, 4, 3],
      [2, 1],
    ]);
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: id } });
  });

  test('wait_new_event blocks until a new event and returns it', async () => {
    const id = uniqueId();
    await start(id);
    const first = await raw.wf('GetWorkflowExecutionHistory', { execution: { workflowId: id }, waitNewEvent: true });
    expect(first.history.events).toHaveLength(2);
    expect(first.nextPageToken.length).toBeGreaterThan(0);
    const waiting = raw.wf('GetWorkflowExecutionHistory', {
      execution: { workflowId: id },
      waitNewEvent: true,
      nextPageToken: first.nextPageToken,
    });
    await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId: id }, signalName: 'wake' });
    const next = await waiting;
    expect(next.history.events.map((e: { eventType: number }) => e.eventType)).toEqual([
      ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    ]);
  });

  test('the close-event filter returns only the close event, and an empty page with a token on timeout', async () => {
    const id = uniqueId();
    await start(id);
    const filter = E.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;
    const timedOut = await raw.wf('GetWorkflowExecutionHistory', {
      execution: { workflowId: id },
      waitNewEvent: true,
      historyEventFilterType: filter,
    });
    expect(timedOut.history.events).toHaveLength(0);
    expect(timedOut.nextPageToken.length).toBeGreaterThan(0);
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: id }, reason: 'done' });
    const closed = await raw.wf('GetWorkflowExecutionHistory', {
      execution: { workflowId: id },
      waitNewEvent: true,
      historyEventFilterType: filter,
      nextPageToken: timedOut.nextPageToken,
    });
    expect(closed.history.events.map((e: { eventType: number }) => e.eventType)).toEqual([
      ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    ]);
    expect(closed.nextPageToken.length).toBe(0);
  });
});

describe('retention and deletion', () => {
  const startAndTerminate = async (namespace: string) => {
    const workflowId = uniqueId();
    await raw.call('WorkflowService', 'StartWorkflowExecution', {
      namespace,
      workflowId,
      workflowType: { name: 'W' },
      taskQueue: { name: 'none' },
      requestId: workflowId,
    });
    await raw.call('WorkflowService', 'TerminateWorkflowExecution', { namespace, workflowExecution: { workflowId } });
    return workflowId;
  };

  test('closed runs are deleted once the namespace retention has passed', async () => {
    const namespace = uniqueId('ns');
    await raw.wf('RegisterNamespace', { namespace, workflowExecutionRetentionPeriod: { nanos: 200e6 } });
    const workflowId = await startAndTerminate(namespace);
    await raw.call('WorkflowService', 'DescribeWorkflowExecution', { namespace, execution: { workflowId } });
    await waitUntil(
      async () => {
        const err = await raw
          .call('WorkflowService', 'DescribeWorkflowExecution', { namespace, execution: { workflowId } })
          .then(
            () => undefined,
            (e) => e,
          );
        return err?.code === grpc.status.NOT_FOUND;
      },
      10_000,
      'run deleted by retention',
    );
  });

  test('DeleteWorkflowExecution removes a run', async () => {
    const workflowId = await startAndTerminate('default');
    await raw.wf('DeleteWorkflowExecution', { workflowExecution: { workflowId } });
    expect((await rejection(raw.wf('DescribeWorkflowExecution', { execution: { workflowId } }))).code).toBe(
      grpc.status.NOT_FOUND,
    );
  });
});

describe('operator service', () => {
  test('creates, reads, updates, lists and deletes nexus endpoints with version checks', async () => {
    const name = `ep-${Date.now()}`;
    const spec = { name, target: { worker: { namespace: 'default', taskQueue: 'nexus-tq' } } };
    const created = (await raw.call('OperatorService', 'CreateNexusEndpoint', { spec })).endpoint;
    expect(Number(created.version)).toBe(1);
    expect(created.urlPrefix).toBe(`/nexus/endpoints/${created.id}/services`);
    const dup = await rejection(raw.call('OperatorService', 'CreateNexusEndpoint', { spec }));
    expect(dup.code).toBe(grpc.status.ALREADY_EXISTS);
    const bad = await rejection(
      raw.call('OperatorService', 'CreateNexusEndpoint', { spec: { name: '1bad', target: spec.target } }),
    );
    expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(bad.details).toContain('spec.name');
    expect((await raw.call('OperatorService', 'GetNexusEndpoint', { id: created.id })).endpoint.spec.name).toBe(name);
    const stale = await rejection(
      raw.call('OperatorService', 'UpdateNexusEndpoint', { id: created.id, version: 7, spec }),
    );
    expect(stale.code).toBe(grpc.status.FAILED_PRECONDITION);
    const updated = (
      await raw.call('OperatorService', 'UpdateNexusEndpoint', {
        id: created.id,
        version: 1,
        spec: { ...spec, target: { external: { url: 'http://localhost:1/x' } } },
      })
    ).endpoint;
    expect(Number(updated.version)).toBe(2);
    const listed = await raw.call('OperatorService', 'ListNexusEndpoints', { name });
    expect(listed.endpoints.map((e: { id: string }) => e.id)).toEqual([created.id]);
    await raw.call('OperatorService', 'DeleteNexusEndpoint', { id: created.id, version: 2 });
    expect((await rejection(raw.call('OperatorService', 'GetNexusEndpoint', { id: created.id }))).code).toBe(
      grpc.status.NOT_FOUND,
    );
  });

  test('adds, lists and removes search attributes with the real server rules and messages', async () => {
    const add = (searchAttributes: object) =>
      raw.call('OperatorService', 'AddSearchAttributes', { namespace: 'extra', searchAttributes });
    const remove = (searchAttributes: string[]) =>
      raw.call('OperatorService', 'RemoveSearchAttributes', { namespace: 'extra', searchAttributes });
    await add({ MyKeyword: E.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD });
    let list = await raw.call('OperatorService', 'ListSearchAttributes', { namespace: 'extra' });
    expect(list.customAttributes.MyKeyword).toBe(E.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    expect(list.systemAttributes.WorkflowId).toBe(E.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    expect(list.systemAttributes.TemporalExternalPayloadCount).toBe(E.IndexedValueType.INDEXED_VALUE_TYPE_INT);
    // Adding a registered name again, even with another type, changes nothing.
    await add({ MyKeyword: E.IndexedValueType.INDEXED_VALUE_TYPE_INT });
    list = await raw.call('OperatorService', 'ListSearchAttributes', { namespace: 'extra' });
    expect(list.customAttributes.MyKeyword).toBe(E.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    const errors = [
      await rejection(add({ WorkflowId: E.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD })),
      await rejection(add({ Other: E.IndexedValueType.INDEXED_VALUE_TYPE_UNSPECIFIED })),
      await rejection(add({})),
      await rejection(remove(['WorkflowId'])),
      await rejection(remove([])),
    ];
    expect(errors.map((e) => [e.code, e.details])).toEqual([
      [grpc.status.INVALID_ARGUMENT, 'Search attribute WorkflowId is reserved by system.'],
      [
        grpc.status.INVALID_ARGUMENT,
        'Unable to create search attributes: cannot have more than 0 search attribute of type Unspecified.',
      ],
      [grpc.status.INVALID_ARGUMENT, 'SearchAttributes are not set on request.'],
      [grpc.status.INVALID_ARGUMENT, 'Unable to remove non-custom search attributes: WorkflowId.'],
      [grpc.status.INVALID_ARGUMENT, 'SearchAttributes are not set on request.'],
    ]);
    await remove(['MyKeyword']);
    list = await raw.call('OperatorService', 'ListSearchAttributes', { namespace: 'extra' });
    expect(list.customAttributes.MyKeyword).toBeUndefined();
    // Removing one that is not registered does nothing.
    await remove(['MyKeyword']);
  });

  test("deletes a namespace with its runs and schedules, answering the real server's deleted name", async () => {
    const name = uniqueId('doomed');
    await raw.wf('RegisterNamespace', { namespace: name, workflowExecutionRetentionPeriod: { seconds: 86400 } });
    const { namespaceInfo } = await raw.wf('DescribeNamespace', { namespace: name });
    await raw.call('WorkflowService', 'StartWorkflowExecution', {
      namespace: name,
      workflowId: 'w',
      workflowType: { name: 'W' },
      taskQueue: { name: 'q' },
    });
    const r = await raw.call('OperatorService', 'DeleteNamespace', { namespace: name });
    expect(r.deletedNamespace).toBe(`${name}-deleted-${namespaceInfo.id.slice(0, 5)}`);
    const gone = await rejection(raw.wf('DescribeNamespace', { namespace: name }));
    expect([gone.code, gone.details]).toEqual([grpc.status.NOT_FOUND, `Namespace ${name} is not found.`]);
    expect(server.address).toBeTruthy();
    const again = await rejection(raw.call('OperatorService', 'DeleteNamespace', { namespace: name }));
    expect(again.statusDetails[0].typeName).toBe('temporal.api.errordetails.v1.NamespaceNotFoundFailure');
    // Registered again, it is empty.
    await raw.wf('RegisterNamespace', { namespace: name, workflowExecutionRetentionPeriod: { seconds: 86400 } });
    const list = await raw.call('WorkflowService', 'ListWorkflowExecutions', { namespace: name, query: '' });
    expect(list.executions).toEqual([]);
  });

  test('lists one cluster and one partition per task queue', async () => {
    const { clusters } = await raw.call('OperatorService', 'ListClusters', {});
    expect(clusters).toHaveLength(1);
    expect(clusters[0]).toMatchObject({
      clusterName: 'active',
      address: server.address,
      historyShardCount: 1,
      isConnectionEnabled: true,
    });
    expect(Number(clusters[0].initialFailoverVersion)).toBe(1);
    const info = await raw.wf('GetClusterInfo', {});
    expect(info.clusterId).toBe(clusters[0].clusterId);
    expect(info.supportedClients['temporal-cli']).toBe('<2.0.0');
    const partitions = await raw.wf('ListTaskQueuePartitions', { taskQueue: { name: 'tq-x' } });
    expect(partitions).toMatchObject({
      activityTaskQueuePartitions: [{ key: 'tq-x', ownerHostName: server.address }],
      workflowTaskQueuePartitions: [{ key: 'tq-x', ownerHostName: server.address }],
    });
  });
});
