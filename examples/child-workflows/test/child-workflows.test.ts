import { TestWorkflowEnvironment } from '@kairos/testing';
import { DefaultLogger, Runtime } from '@kairos/worker';
import { run } from '../src/client';
import { createWorker } from '../src/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createLocal();
});
afterAll(async () => {
  await env?.teardown();
});

test('the parent joins the answers of its children', async () => {
  const worker = await createWorker(env.nativeConnection, 'test-children');
  const result = await worker.runUntil(run(env.client, 'test-children'));
  expect(result).toBe(['Alice', 'Bob', 'Charlie'].map((name) => `I am a child named ${name}`).join('\n'));
  // Each child ran as a workflow of its own, named after the parent.
  const children: string[] = [];
  for await (const wf of env.client.workflow.list({ query: `WorkflowType = 'childWorkflow'` })) {
    children.push(wf.workflowId.replace(/^parent-[0-9a-f-]+-/, ''));
  }
  expect(children.sort()).toEqual(['Alice', 'Bob', 'Charlie']);
});
