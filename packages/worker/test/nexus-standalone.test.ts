/**
 * Standalone Nexus operations through `client.nexus`: against the real Temporal dev server (with
 * `nexusoperation.enableStandalone`; without it the server answers UNIMPLEMENTED, see nexus.test.ts), started, awaited, described, listed, counted and cancelled; against the Kairos
 * dev server, which has no standalone operations, every call says so.
 */
import { randomUUID } from 'node:crypto';
import * as nexus from 'nexus-rpc';
import {
  NexusOperationAlreadyStartedError,
  NexusOperationFailureError,
  NexusOperationNotFoundError,
  NexusOperationsNotSupportedError,
} from '@kairos/client';
import { CancelledFailure } from '@kairos/common';
import { startWorkflow, WorkflowRunOperationHandler } from '@kairos/nexus';
import { serverKind, taskQueueFor, TestEnv } from './helpers/env';
import { createEndpoint } from './helpers/nexus';
import * as wf from './workflows';

jest.setTimeout(Number(process.env.KAIROS_TEST_TIMEOUT ?? 60_000));

let env: TestEnv;
beforeAll(async () => {
  env = await TestEnv.start({
    temporalDynamicConfig: { 'nexusoperation.enableStandalone': true, 'history.enableChasm': true },
  });
});
afterAll(async () => {
  await env?.teardown();
});

const handler = nexus.serviceHandler(wf.nexusTestService, {
  async echo(_ctx, input) {
    return { input, info: {}, headers: {} };
  },
  async fail() {
    throw new nexus.HandlerError('BAD_REQUEST', 'not used here');
  },
  runWorkflow: new WorkflowRunOperationHandler<{ workflowId: string; action: string }, string>((ctx, input) =>
    startWorkflow(ctx, wf.nexusHandlerWorkflow, { workflowId: input.workflowId, args: [input.action] }),
  ),
  async slow() {
    return 'not used here';
  },
});

async function eventually<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

if (serverKind() === 'kairos') {
  test('every standalone Nexus call says the server does not support standalone operations', async () => {
    const service = env.client.nexus.createServiceClient({ endpoint: 'any', service: wf.nexusTestService });
    const notSupported = expect.objectContaining({
      name: 'NexusOperationsNotSupportedError',
      message: expect.stringMatching(/^standalone Nexus operations are not supported by this server/),
    });
    const started = service.startOperation('echo', 'x', { id: randomUUID(), scheduleToCloseTimeout: '10s' });
    await expect(started).rejects.toBeInstanceOf(NexusOperationsNotSupportedError);
    await expect(started).rejects.toEqual(notSupported);
    const handle = env.client.nexus.getHandle(randomUUID());
    await expect(handle.describe()).rejects.toEqual(notSupported);
    await expect(handle.result()).rejects.toEqual(notSupported);
    await expect(handle.cancel()).rejects.toEqual(notSupported);
    await expect(env.client.nexus.count()).rejects.toEqual(notSupported);
    await expect(env.client.nexus.list()[Symbol.asyncIterator]().next()).rejects.toEqual(notSupported);
  });
} else {
  test('starts, awaits, describes, lists, counts and cancels standalone operations', async () => {
    const taskQueue = taskQueueFor('nexus-standalone');
    const endpoint = await createEndpoint(env.connection, taskQueue);
    try {
      const worker = await env.createWorker({ taskQueue, nexusServices: [handler] });
      await worker.runUntil(async () => {
        const service = env.client.nexus.createServiceClient({ endpoint: endpoint.name, service: wf.nexusTestService });
        // A synchronous operation.
        const echoId = `echo-${randomUUID()}`;
        const echo = await service.startOperation('echo', 'standalone', { id: echoId, scheduleToCloseTimeout: '20s' });
        expect(echo.operationId).toBe(echoId);
        expect((await echo.result()).input).toBe('standalone');
        const described = await echo.describe();
        expect(described).toMatchObject({
          operationId: echoId,
          endpoint: endpoint.name,
          service: 'nexusTestService',
          operation: 'echo',
          status: 'COMPLETED',
        });
        // The same id again, while the first is closed but not allowed to be reused by default: rejected.
        await expect(
          service.startOperation('echo', 'again', {
            id: echoId,
            scheduleToCloseTimeout: '20s',
            idReusePolicy: 'REJECT_DUPLICATE',
          }),
        ).rejects.toBeInstanceOf(NexusOperationAlreadyStartedError);
        // A workflow-run operation, by definition rather than by name.
        const workflowId = `handler-${randomUUID()}`;
        expect(
          await service.executeOperation(
            wf.nexusTestService.operations.runWorkflow,
            { workflowId, action: 'complete' },
            { id: `run-${randomUUID()}`, scheduleToCloseTimeout: '20s' },
          ),
        ).toBe(`done:complete:${workflowId}`);
        // Cancelling a workflow-run operation cancels its workflow; the result is the cancellation.
        const waitingId = `wait-${randomUUID()}`;
        const waitingWorkflow = `handler-${randomUUID()}`;
        const waiting = await service.startOperation(
          'runWorkflow',
          { workflowId: waitingWorkflow, action: 'wait' },
          { id: waitingId, scheduleToCloseTimeout: '30s' },
        );
        await eventually(
          async () => ((await waiting.describe()).operationToken ? true : undefined),
          'the operation to start',
        );
        await waiting.cancel('no longer needed');
        await eventually(
          async () =>
            (await env.client.workflow.getHandle(waitingWorkflow).fetchHistory()).events?.some(
              (e) => e.workflowExecutionCancelRequestedEventAttributes,
            )
              ? true
              : undefined,
          'the handler workflow to be asked to cancel',
        );
        await env.client.workflow.getHandle(waitingWorkflow).signal(wf.finishCancel);
        const err = await waiting.result().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(NexusOperationFailureError);
        expect((err as NexusOperationFailureError).cause).toBeInstanceOf(CancelledFailure);
        expect((await waiting.describe()).status).toBe('CANCELED');
        // Visibility catches up a little later.
        const listed = await eventually(async () => {
          const ids: string[] = [];
          for await (const op of env.client.nexus.list({ query: `Endpoint = '${endpoint.name}'` })) {
            ids.push(op.operationId);
          }
          return ids.length >= 3 ? ids : undefined;
        }, 'the operations to be listed');
        expect(listed).toEqual(expect.arrayContaining([echoId, waitingId]));
        const counted = await env.client.nexus.count(`Endpoint = '${endpoint.name}'`);
        expect(counted.count).toBe(3);
        await expect(env.client.nexus.getHandle(`missing-${randomUUID()}`).describe()).rejects.toBeInstanceOf(
          NexusOperationNotFoundError,
        );
      });
    } finally {
      await endpoint.delete();
    }
  });
}
