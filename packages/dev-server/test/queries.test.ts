// Workflow queries over raw gRPC: query tasks, their rejections and failures, and queries riding on a
// workflow task.
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { DevServer } from '../src';
import { uniqueId, waitUntil, startRawServer, stopRawServer } from './helpers';
import { manualWorkflows, payload, decode } from './manual-workflows';
import { RawClient, rejection } from './raw-client';

const E = temporal.api.enums.v1;

let server: DevServer;
let raw: RawClient;

beforeAll(async () => {
  ({ server, raw } = await startRawServer({
    longPollTimeoutMs: 300,
    historyLongPollMs: 300,
    searchAttributes: { CustomKeyword: 'Keyword', CustomInt: 'Int' },
  }));
});
afterAll(() => stopRawServer(server, raw));

const { startWf, pollWft, complete } = manualWorkflows(() => raw);

test('queries go to a worker as query tasks; reject conditions and failures', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  const notReady = await rejection(
    raw.wf('QueryWorkflow', { execution: { workflowId }, query: { queryType: 'q' } }, 200),
  );
  expect([grpc.status.DEADLINE_EXCEEDED, grpc.status.FAILED_PRECONDITION]).toContain(notReady.code);
  await complete((await pollWft(tq)).taskToken, []);
  const answer = raw.wf('QueryWorkflow', { execution: { workflowId }, query: { queryType: 'q' } });
  const qt = await pollWft(tq);
  expect(qt.query!.queryType).toBe('q');
  expect(Number(qt.startedEventId)).toBe(0);
  await raw.wf('RespondQueryTaskCompleted', {
    taskToken: qt.taskToken,
    completedType: E.QueryResultType.QUERY_RESULT_TYPE_ANSWERED,
    queryResult: { payloads: [payload(42)] },
  });
  expect(decode((await answer).queryResult.payloads[0])).toBe(42);

  const failing = raw.wf('QueryWorkflow', { execution: { workflowId }, query: { queryType: 'bad' } });
  const qt2 = await pollWft(tq);
  await raw.wf('RespondQueryTaskCompleted', {
    taskToken: qt2.taskToken,
    completedType: E.QueryResultType.QUERY_RESULT_TYPE_FAILED,
    errorMessage: 'no such query',
    failure: { message: 'no such query' },
  });
  const err = await rejection(failing);
  expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(err.details).toBe('no such query');
  expect(err.statusDetails[0].typeName).toBe('temporal.api.errordetails.v1.QueryFailedFailure');

  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
  const rejected = await raw.wf('QueryWorkflow', {
    execution: { workflowId },
    query: { queryType: 'q' },
    queryRejectCondition: E.QueryRejectCondition.QUERY_REJECT_CONDITION_NOT_OPEN,
  });
  expect(rejected.queryRejected.status).toBe(E.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);
});

test('a query arriving while a workflow task is scheduled rides on that task', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  await complete((await pollWft(tq)).taskToken, []);
  await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId }, signalName: 'wake' });
  const answer = raw.wf('QueryWorkflow', { execution: { workflowId }, query: { queryType: 'state' } });
  const t = await waitUntil(
    async () => {
      const r = await pollWft(tq);
      return Object.keys(r.queries ?? {}).length > 0 ? r : undefined;
    },
    10_000,
    'task with the query attached',
  );
  expect(Number(t.startedEventId)).toBeGreaterThan(0);
  const [queryId, query] = Object.entries(t.queries!)[0];
  expect(query.queryType).toBe('state');
  await complete(t.taskToken, [], {
    queryResults: {
      [queryId]: { resultType: E.QueryResultType.QUERY_RESULT_TYPE_ANSWERED, answer: { payloads: [payload('fine')] } },
    },
  });
  expect(decode((await answer).queryResult.payloads[0])).toBe('fine');
});
