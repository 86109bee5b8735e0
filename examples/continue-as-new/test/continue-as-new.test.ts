import { randomUUID } from 'node:crypto';
import { WorkflowContinuedAsNewError } from '@kairos/client';
import { TestWorkflowEnvironment } from '@kairos/testing';
import { DefaultLogger, Runtime } from '@kairos/worker';
import { run } from '../src/client';
import { createWorker } from '../src/worker';
import { loopingWorkflow } from '../src/workflows';

Runtime.install({ logger: new DefaultLogger('WARN') });

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping();
});
afterAll(async () => {
  await env?.teardown();
});

test('the loop runs ten times under one workflow id', async () => {
  const worker = await createWorker(env.nativeConnection, 'test-can');
  expect(await worker.runUntil(run(env.client, 'test-can'))).toEqual([
    'done after 10 iterations, this is run <id>',
    'runs of looping-<id>: 11',
  ]);
});

test('each run ends by continuing as new, with a short history', async () => {
  const worker = await createWorker(env.nativeConnection, 'test-can-2');
  const handle = await env.client.workflow.start(loopingWorkflow, {
    taskQueue: 'test-can-2',
    workflowId: `looping-${randomUUID()}`,
    args: [0, 2],
  });
  await worker.runUntil(handle.result());
  const first = env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId, { followRuns: false });
  await expect(first.result()).rejects.toBeInstanceOf(WorkflowContinuedAsNewError);
  const { events } = await first.fetchHistory();
  expect(events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.input).toBeDefined();
  expect(events?.length).toBeLessThan(15);
});
