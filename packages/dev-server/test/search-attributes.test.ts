// Search attributes: typed at start, in schedules and in commands (upsert, child, continue-as-new), rejected
// when unregistered, KeywordLists, and the BuildIds attribute each workflow task completion adds.
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { DevServer } from '../src';
import { uniqueId, startRawServer, stopRawServer } from './helpers';
import { manualWorkflows, payload } from './manual-workflows';
import { RawClient, rejection } from './raw-client';

const E = temporal.api.enums.v1;
const CT = E.CommandType;

let server: DevServer;
let raw: RawClient;

beforeAll(async () => {
  ({ server, raw } = await startRawServer({
    namespaces: ['extra'],
    longPollTimeoutMs: 300,
    historyLongPollMs: 300,
  }));
});
afterAll(() => stopRawServer(server, raw));

const { start, startWf, pollWft, complete, history } = manualWorkflows(() => raw);

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

test('an unregistered search attribute in a command fails the task with BadSearchAttributes and the namespace in the message', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  const err = await rejection(
    complete((await pollWft(tq)).taskToken, [
      {
        commandType: CT.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
        upsertWorkflowSearchAttributesCommandAttributes: {
          searchAttributes: { indexedFields: { Unregistered: payload('x') } },
        },
      },
    ]),
  );
  const message = 'BadSearchAttributes: Namespace default has no mapping defined for search attribute Unregistered';
  expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(err.details).toBe(message);
  const failed = (await history(workflowId))[3].workflowTaskFailedEventAttributes!;
  expect(failed.cause).toBe(E.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES);
  expect(failed.failure!.message).toBe(message);
  expect(failed.failure!.serverFailureInfo).toBeTruthy();
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
});

describe('BuildIds', () => {
  const listOf = (sa: temporal.api.common.v1.ISearchAttributes | null | undefined, name = 'BuildIds') => {
    const p = sa?.indexedFields?.[name];
    return p ? JSON.parse(Buffer.from(p.data!).toString()) : undefined;
  };
  const describeRun = async (workflowId: string) =>
    (await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } })).workflowExecutionInfo;

  test('each completed workflow task adds unversioned first and then the stamped build ids, in describe and list', async () => {
    const tq = uniqueId('tq');
    const { workflowId } = await startWf(tq, {
      searchAttributes: { indexedFields: { BuildIds: payload(['from-start']) } },
    });
    // A failed task adds nothing; the poller's build id goes into WorkflowTaskStarted.
    const t1 = await raw.wf('PollWorkflowTaskQueue', {
      taskQueue: { name: tq },
      identity: 'manual',
      workerVersionCapabilities: { buildId: 'poller-build' },
    });
    await raw.wf('RespondWorkflowTaskFailed', { taskToken: t1.taskToken, cause: 14, workerVersion: { buildId: 'x' } });
    expect(listOf((await describeRun(workflowId)).searchAttributes)).toEqual(['from-start']);
    const stamped = async (workerVersionStamp?: object, binaryChecksum?: string) => {
      const t = await pollWft(tq);
      await complete(t.taskToken, [], { workerVersionStamp, binaryChecksum, forceCreateNewWorkflowTask: true });
      return describeRun(workflowId);
    };
    let info = await stamped({ buildId: 'b1' });
    expect(listOf(info.searchAttributes)).toEqual(['unversioned', 'from-start', 'unversioned:b1']);
    expect(info.mostRecentWorkerVersionStamp).toMatchObject({ buildId: 'b1' });
    info = await stamped(undefined, 'checksum-1');
    expect(listOf(info.searchAttributes)).toEqual(['unversioned', 'from-start', 'unversioned:b1']);
    expect(listOf(info.searchAttributes, 'BinaryChecksums')).toEqual(['checksum-1']);
    expect(info.mostRecentWorkerVersionStamp).toBeNull();
    info = await stamped({ buildId: 'b2' });
    info = await stamped({ buildId: 'b1' });
    expect(listOf(info.searchAttributes)).toEqual(['unversioned', 'from-start', 'unversioned:b1', 'unversioned:b2']);
    const listed = await raw.wf('ListWorkflowExecutions', { query: `WorkflowId = '${workflowId}'` });
    expect(listOf(listed.executions[0].searchAttributes)).toEqual(listOf(info.searchAttributes));
    const typeOf = Buffer.from(info.searchAttributes!.indexedFields!.BuildIds.metadata!.type!).toString();
    expect(typeOf).toBe('KeywordList');
    const h = await history(workflowId);
    expect(h[2].workflowTaskStartedEventAttributes!.workerVersion).toMatchObject({ buildId: 'poller-build' });
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
  });

  test('a versioned worker adds versioned:<build id> and no unversioned; an upsert in the same task has the last word', async () => {
    const tq = uniqueId('tq');
    const { workflowId } = await startWf(tq);
    await complete((await pollWft(tq)).taskToken, [], {
      workerVersionStamp: { buildId: 'v1', useVersioning: true },
      forceCreateNewWorkflowTask: true,
    });
    expect(listOf((await describeRun(workflowId)).searchAttributes)).toEqual(['versioned:v1']);
    await complete((await pollWft(tq)).taskToken, [
      {
        commandType: CT.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
        upsertWorkflowSearchAttributesCommandAttributes: {
          searchAttributes: { indexedFields: { BuildIds: payload(['mine']) } },
        },
      },
    ]);
    expect(listOf((await describeRun(workflowId)).searchAttributes)).toEqual(['mine']);
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
  });

  test('list queries match BuildIds ignoring case; != and NOT IN match runs without it; ranges are refused', async () => {
    const tq = uniqueId('tq');
    const none = await startWf(`${tq}-none`);
    const plain = await startWf(tq);
    await complete((await pollWft(tq)).taskToken, []);
    const b1 = await startWf(tq);
    await complete((await pollWft(tq)).taskToken, [], { workerVersionStamp: { buildId: 'b1' } });
    const ids = [none, plain, b1].map((r) => `'${r.workflowId}'`).join(', ');
    const found = async (condition: string) => {
      const r = await raw.wf('ListWorkflowExecutions', { query: `WorkflowId IN (${ids}) AND ${condition}` });
      const byId = new Map([none, plain, b1].map((x, i) => [x.workflowId, ['none', 'plain', 'b1'][i]]));
      return r.executions.map((e: { execution: { workflowId: string } }) => byId.get(e.execution.workflowId)).sort();
    };
    expect(await found(`BuildIds = 'unversioned'`)).toEqual(['b1', 'plain']);
    expect(await found(`BuildIds = 'Unversioned:B1'`)).toEqual(['b1']);
    expect(await found(`BuildIds IN ('unversioned:b1', 'other')`)).toEqual(['b1']);
    expect(await found(`BuildIds != 'unversioned:b1'`)).toEqual(['none', 'plain']);
    expect(await found(`BuildIds NOT IN ('unversioned')`)).toEqual(['none']);
    expect(await found(`BuildIds IS NULL`)).toEqual(['none']);
    // Unlike KeywordList, NOT IN on a scalar attribute does not match runs without it.
    expect(await found(`CustomKeyword NOT IN ('x')`)).toEqual([]);
    const count = await raw.wf('CountWorkflowExecutions', {
      query: `WorkflowId IN (${ids}) AND BuildIds = 'unversioned'`,
    });
    expect(Number(count.count)).toBe(2);
    for (const [query, message] of [
      [`BuildIds > 'a'`, "operator '>' not supported for KeywordList type search attribute 'BuildIds'"],
      [
        `BuildIds STARTS_WITH 'u'`,
        "operator 'STARTS_WITH' not supported for KeywordList type search attribute 'BuildIds'",
      ],
      [`BuildIds BETWEEN 'a' AND 'z'`, "cannot do range condition on search attribute 'BuildIds' of type KeywordList"],
    ]) {
      const err = await rejection(raw.wf('ListWorkflowExecutions', { query }));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toContain(message);
    }
    for (const r of [none, plain, b1]) {
      await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: r.workflowId } });
    }
  });
});

test('upserted, child and continue-as-new search attributes get their registered type; a bad value fails the task', async () => {
  const tq = uniqueId('tq');
  const { workflowId, runId } = await startWf(tq);
  const sa = (fields: Record<string, unknown>) => ({
    indexedFields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, payload(v)])),
  });
  const typesOf = (s: temporal.api.common.v1.ISearchAttributes | null | undefined) =>
    Object.fromEntries(
      Object.entries(s?.indexedFields ?? {}).map(([k, p]) => [k, Buffer.from(p.metadata!.type ?? []).toString()]),
    );
  const childId = `${workflowId}-child`;
  await complete((await pollWft(tq)).taskToken, [
    {
      commandType: CT.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
      upsertWorkflowSearchAttributesCommandAttributes: { searchAttributes: sa({ CustomKeyword: 'up', CustomInt: 3 }) },
    },
    {
      commandType: CT.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION,
      startChildWorkflowExecutionCommandAttributes: {
        workflowId: childId,
        workflowType: { name: 'Child' },
        taskQueue: { name: `${tq}-child` },
        searchAttributes: sa({ CustomKeyword: 'child' }),
      },
    },
  ]);
  const h = await history(workflowId);
  const upserted = h.find((e) => e.upsertWorkflowSearchAttributesEventAttributes)!;
  expect(typesOf(upserted.upsertWorkflowSearchAttributesEventAttributes!.searchAttributes)).toEqual({
    CustomKeyword: 'Keyword',
    CustomInt: 'Int',
  });
  const initiated = h.find((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)!;
  expect(typesOf(initiated.startChildWorkflowExecutionInitiatedEventAttributes!.searchAttributes)).toEqual({
    CustomKeyword: 'Keyword',
  });
  const child = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId: childId } });
  expect(typesOf(child.workflowExecutionInfo.searchAttributes)).toEqual({ CustomKeyword: 'Keyword' });

  // A value that does not fit its type fails the task, whichever command carries it (each on a first attempt:
  // a retried attempt with rejected commands would only time out).
  for (const command of [
    {
      commandType: CT.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
      upsertWorkflowSearchAttributesCommandAttributes: { searchAttributes: sa({ CustomInt: 'bad' }) },
    },
    {
      commandType: CT.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
      continueAsNewWorkflowExecutionCommandAttributes: {
        workflowType: { name: 'Manual' },
        taskQueue: { name: tq },
        searchAttributes: sa({ CustomInt: 'bad' }),
      },
    },
  ]) {
    await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId }, signalName: 'next' });
    const task = await pollWft(tq);
    expect(task.attempt).toBe(1);
    const err = await rejection(complete(task.taskToken, [command]));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toBe('BadSearchAttributes: invalid value for search attribute CustomInt of type Int: bad');
    const failed = (await history(workflowId)).filter((e) => e.workflowTaskFailedEventAttributes).pop()!;
    expect(failed.workflowTaskFailedEventAttributes!.cause).toBe(
      E.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES,
    );
  }
  await complete((await pollWft(tq)).taskToken, [
    {
      commandType: CT.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
      continueAsNewWorkflowExecutionCommandAttributes: {
        workflowType: { name: 'Manual' },
        taskQueue: { name: tq },
        searchAttributes: sa({ CustomKeyword: 'next' }),
      },
    },
  ]);
  const canEvent = (await history(workflowId, runId)).pop()!;
  expect(typesOf(canEvent.workflowExecutionContinuedAsNewEventAttributes!.searchAttributes)).toEqual({
    CustomKeyword: 'Keyword',
  });
  const next = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } });
  expect(typesOf(next.workflowExecutionInfo.searchAttributes)).toEqual({ CustomKeyword: 'Keyword' });
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
});
