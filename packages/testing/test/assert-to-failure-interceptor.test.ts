import { ApplicationFailure, WorkflowFailedError } from '@kairos/client';
import { bundleWorkflowCode } from '@kairos/worker';
import { TestWorkflowEnvironment, workflowInterceptorModules } from '../src';
import { createWorker, installQuietRuntime, uniqueName, workflowsPath } from './helpers/setup';

installQuietRuntime();
jest.setTimeout(60_000);

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createLocal();
});
afterAll(async () => {
  await env?.teardown();
});

it('lists the assert-to-failure interceptor module', () => {
  expect(workflowInterceptorModules).toEqual([
    expect.stringMatching(/[/\\](src|lib)[/\\]assert-to-failure-interceptor$/),
  ]);
});

it('fails the workflow with a non-retryable ApplicationFailure when an assertion fails in its main function', async () => {
  const taskQueue = uniqueName();
  const worker = await createWorker(env, { taskQueue, interceptors: { workflowModules: workflowInterceptorModules } });
  const err = await worker
    .runUntil(env.client.workflow.execute('assertFails', { taskQueue, workflowId: uniqueName('wf') }))
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect(cause).toMatchObject({ nonRetryable: true, message: expect.stringContaining("'assertFails'") });
});

it('fails the workflow when an assertion fails in a signal handler', async () => {
  const taskQueue = uniqueName();
  const worker = await createWorker(env, { taskQueue, interceptors: { workflowModules: workflowInterceptorModules } });
  const err = await worker
    .runUntil(async () => {
      const handle = await env.client.workflow.start('assertFailsInSignal', {
        taskQueue,
        workflowId: uniqueName('wf'),
      });
      await handle.signal('assertSignal', 3);
      return await handle.result();
    })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect((err as WorkflowFailedError).cause).toMatchObject({
    nonRetryable: true,
    message: 'expected more than 10, got 3',
  });
});

it('bundles from the module path of the compiled package (lib/assert-to-failure-interceptor)', async () => {
  const bundle = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: [require.resolve('../lib/assert-to-failure-interceptor')],
  });
  expect(bundle.code).toContain('assertFails');
});
