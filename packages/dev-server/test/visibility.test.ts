// Visibility: the query language over system and custom search attributes, counts grouped by status,
// paging, and INVALID_ARGUMENT for bad queries.
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { DevServer } from '../src';
import { parseQuery } from '../src/visibility/query-parser';
import { startServer, uniqueId } from './helpers';
import { RawClient, rejection } from './raw-client';

const E = temporal.api.enums.v1;

let server: DevServer;
let raw: RawClient;
const prefix = uniqueId('vis');
const ids: string[] = [];

const sa = (type: string, v: unknown) => ({
  metadata: { encoding: Buffer.from('json/plain'), type: Buffer.from(type) },
  data: Buffer.from(JSON.stringify(v)),
});

beforeAll(async () => {
  server = await startServer({
    searchAttributes: {
      Color: 'Keyword',
      Size: 'Int',
      Tags: 'KeywordList',
      Note: 'Text',
      Due: 'Datetime',
      Flag: 'Bool',
    },
  });
  raw = new RawClient(server.address);
  const rows: Array<[string, string, number, string[], string, string, boolean]> = [
    ['a', 'red', 1, ['x'], 'quick brown fox', '2026-01-01T00:00:00Z', true],
    ['b', 'blue', 5, ['x', 'y'], 'lazy dog', '2026-02-01T00:00:00Z', false],
    ['c', 'green', 10, [], 'brown bear', '2026-03-01T00:00:00Z', true],
  ];
  for (const [suffix, color, size, tags, note, due, flag] of rows) {
    const workflowId = `${prefix}-${suffix}`;
    ids.push(workflowId);
    await raw.wf('StartWorkflowExecution', {
      workflowId,
      workflowType: { name: suffix === 'c' ? 'Other' : 'Vis' },
      taskQueue: { name: `${prefix}-tq` },
      requestId: uniqueId(),
      searchAttributes: {
        indexedFields: {
          Color: sa('Keyword', color),
          Size: sa('Int', size),
          Tags: sa('KeywordList', tags),
          Note: sa('Text', note),
          Due: sa('Datetime', due),
          Flag: sa('Bool', flag),
        },
      },
    });
  }
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: `${prefix}-b` } });
});

afterAll(async () => {
  raw?.close();
  await server?.shutdown();
});

async function list(query: string): Promise<string[]> {
  const r = await raw.wf('ListWorkflowExecutions', { query: `TaskQueue = '${prefix}-tq' AND (${query})` });
  return r.executions
    .map((e: { execution: { workflowId: string } }) => e.execution.workflowId.slice(prefix.length + 1))
    .sort();
}

test.each([
  ["Color = 'red'", ['a']],
  ["Color != 'red'", ['b', 'c']],
  ["Color IN ('red', 'green')", ['a', 'c']],
  ["Color NOT IN ('red', 'green')", ['b']],
  ["Color STARTS_WITH 'gr'", ['c']],
  ['Size > 1', ['b', 'c']],
  ['Size BETWEEN 2 AND 10', ['b', 'c']],
  ['Size <= 5 AND Flag = true', ['a']],
  ["Color = 'red' OR (Size >= 10 AND WorkflowType = 'Other')", ['a', 'c']],
  ["Tags = 'y'", ['b']],
  ["Tags IN ('x')", ['a', 'b']],
  ['Tags IS NULL', ['c']],
  ['CloseTime IS NOT NULL', ['b']],
  ["ExecutionStatus = 'Running'", ['a', 'c']],
  ["ExecutionStatus = 'Terminated'", ['b']],
  ["Note = 'brown'", ['a', 'c']],
  ["Due > '2026-01-15T00:00:00Z'", ['b', 'c']],
  ["StartTime > '2000-01-01T00:00:00Z'", ['a', 'b', 'c']],
  ['`Color` = "blue"', ['b']],
])('%s', async (query, expected) => {
  expect(await list(query)).toEqual(expected);
});

test('lists open runs before closed ones, and pages', async () => {
  const all = await list('WorkflowId IS NOT NULL');
  expect(all).toEqual(['a', 'b', 'c']);
  const r = await raw.wf('ListWorkflowExecutions', { query: `TaskQueue = '${prefix}-tq'`, pageSize: 2 });
  // Open runs come first (a and c), the closed one last.
  expect(r.executions.map((e: { execution: { workflowId: string } }) => e.execution.workflowId).sort()).toEqual([
    `${prefix}-a`,
    `${prefix}-c`,
  ]);
  const r2 = await raw.wf('ListWorkflowExecutions', {
    query: `TaskQueue = '${prefix}-tq'`,
    pageSize: 2,
    nextPageToken: r.nextPageToken,
  });
  expect(r2.executions.map((e: { execution: { workflowId: string } }) => e.execution.workflowId)).toEqual([
    `${prefix}-b`,
  ]);
  expect(r2.nextPageToken.length).toBe(0);
});

test('counts, grouped by ExecutionStatus', async () => {
  const r = await raw.wf('CountWorkflowExecutions', { query: `TaskQueue = '${prefix}-tq' GROUP BY ExecutionStatus` });
  expect(Number(r.count)).toBe(3);
  const groups = Object.fromEntries(
    r.groups.map((g: { groupValues: Array<{ data: Buffer }>; count: number }) => [
      JSON.parse(g.groupValues[0].data.toString()),
      Number(g.count),
    ]),
  );
  expect(groups).toEqual({ Running: 2, Terminated: 1 });
  expect(
    Number((await raw.wf('CountWorkflowExecutions', { query: `TaskQueue = '${prefix}-tq' AND Size > 4` })).count),
  ).toBe(2);
});

test('groups counts in the order of the status values, as the real server does', async () => {
  const tq = uniqueId('order-tq');
  const startRun = (workflowId: string) =>
    raw.wf('StartWorkflowExecution', {
      workflowId,
      workflowType: { name: 'Vis' },
      taskQueue: { name: tq },
      requestId: uniqueId(),
    });
  // A terminated run first, then a running one: the groups still come Running first.
  await startRun(`${tq}-1`);
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: `${tq}-1` } });
  await startRun(`${tq}-2`);
  const r = await raw.wf('CountWorkflowExecutions', { query: `TaskQueue = '${tq}' GROUP BY ExecutionStatus` });
  expect(
    r.groups.map((g: { groupValues: Array<{ data: Buffer }> }) => JSON.parse(g.groupValues[0].data.toString())),
  ).toEqual(['Running', 'Terminated']);
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: `${tq}-2` } });
});

test('list leaves out what the real visibility store does not keep, and the progress of running runs', async () => {
  const r = await raw.wf('ListWorkflowExecutions', { query: `TaskQueue = '${prefix}-tq'` });
  const byId = Object.fromEntries(
    r.executions.map((e: temporal.api.workflow.v1.IWorkflowExecutionInfo) => [e.execution!.workflowId!.slice(-1), e]),
  );
  for (const e of Object.values(byId) as temporal.api.workflow.v1.IWorkflowExecutionInfo[]) {
    expect(e.firstRunId).toBe('');
    expect(e.autoResetPoints).toBeNull();
    expect(e.rootExecution?.workflowId).toBe(e.execution!.workflowId);
  }
  // Running: no history length, size or transition count (known once the run closes); closed: all three.
  expect([Number(byId.a.historyLength), Number(byId.a.historySizeBytes), Number(byId.a.stateTransitionCount)]).toEqual([
    0, 0, 0,
  ]);
  expect(Number(byId.b.historyLength)).toBe(3);
  expect(Number(byId.b.historySizeBytes)).toBeGreaterThan(0);
  expect(Number(byId.b.stateTransitionCount)).toBe(2);
});

test.each([
  ['Color = ', /expected a value/],
  ["Unknown = 'x'", /^invalid query: invalid search attribute: Unknown$/],
  ["Color = 'x' ORDER BY StartTime", /ORDER BY/],
  ["Size = 'text'", /needs a number/],
  ["ExecutionStatus = 'Sleeping'", /ExecutionStatus/],
  ["(Color = 'x'", /expected '\)'/],
])('rejects %s with INVALID_ARGUMENT', async (query, message) => {
  const err = await rejection(raw.wf('ListWorkflowExecutions', { query }));
  expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(err.details).toMatch(message);
});

test('the parser builds AND/OR trees with the usual precedence', () => {
  expect(parseQuery('A = 1 OR B = 2 AND C = 3')).toEqual({
    where: {
      kind: 'or',
      left: { kind: 'cmp', attr: 'A', op: '=', value: 1 },
      right: {
        kind: 'and',
        left: { kind: 'cmp', attr: 'B', op: '=', value: 2 },
        right: { kind: 'cmp', attr: 'C', op: '=', value: 3 },
      },
    },
  });
  expect(parseQuery('  ')).toEqual({});
  expect(parseQuery('GROUP BY ExecutionStatus')).toEqual({ groupBy: 'ExecutionStatus' });
  void E;
});
