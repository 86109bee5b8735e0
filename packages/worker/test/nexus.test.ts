/**
 * Nexus end to end: a caller workflow on the Kairos worker calls operations that a Kairos worker handles (sync and
 * workflow-run operations), through an endpoint created with the OperatorService. Runs against the Kairos dev
 * server, and with `KAIROS_TEST_SERVER=temporal` against the real Temporal dev server.
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as nexus from 'nexus-rpc';
import {
  NexusOperationsNotSupportedError,
  type WorkflowHandle,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@kairos/client';
import { ApplicationFailure, NexusOperationFailure } from '@kairos/common';
import { getClient, log, operationInfo, startWorkflow, WorkflowRunOperationHandler } from '@kairos/nexus';
import { temporal } from '@kairos/proto';
import type { NexusInterceptorsFactory } from '../src';
import { serverKind, taskQueueFor, TestEnv } from './helpers/env';
import { createEndpoint, type TestEndpoint } from './helpers/nexus';
import * as wf from './workflows';

jest.setTimeout(Number(process.env.KAIROS_TEST_TIMEOUT ?? 60_000));

const ET = temporal.api.enums.v1.EventType;

let env: TestEnv;
beforeAll(async () => {
  env = await TestEnv.start();
});
afterAll(async () => {
  await env?.teardown();
});

/** How many times each `fail` call with kind `crash` ran, by key; the handler crashes until released. */
const crashAttempts = new Map<string, number>();
const releasedCrashes = new Set<string>();
const interceptedCalls: string[] = [];

const handler = nexus.serviceHandler(wf.nexusTestService, {
  async echo(ctx, input) {
    log.info('echo handler ran', { input });
    if (input === 'client') {
      // The worker's client, on the handler's namespace.
      const desc = await getClient().workflowService.getSystemInfo({});
      input = `client saw ${desc.serverVersion ? 'a version' : 'no version'}`;
    }
    const headers: Record<string, string> = {};
    for (const key of ['x-kairos-test', 'request-timeout', 'nexus-request-id']) {
      const value = ctx.headers[key];
      if (value !== undefined) headers[key] = key === 'request-timeout' ? 'present' : value;
    }
    return {
      input,
      info: {
        ...operationInfo(),
        service: ctx.service,
        operation: ctx.operation,
        hasDeadline: ctx.requestDeadline instanceof Date,
        requestIdIsHeader:
          ctx.headers['nexus-request-id'] === undefined || ctx.headers['nexus-request-id'] === ctx.requestId,
        inboundLinkTypes: ctx.inboundLinks.map((l) => l.type),
      },
      headers,
    };
  },
  async fail(_ctx, { kind, key }) {
    switch (kind) {
      case 'handler-error':
        throw new nexus.HandlerError('BAD_REQUEST', 'the input was not acceptable');
      case 'retryable-forever':
        throw new nexus.HandlerError('INTERNAL', 'always failing', { retryableOverride: true });
      case 'operation-failed':
        throw new nexus.OperationError('failed', 'the operation failed', {
          cause: ApplicationFailure.create({ message: 'no stock', type: 'OutOfStock', details: ['sku-1'] }),
        });
      case 'operation-canceled':
        throw new nexus.OperationError('canceled', 'the operation was canceled by the handler');
      case 'crash': {
        const attempt = (crashAttempts.get(key!) ?? 0) + 1;
        crashAttempts.set(key!, attempt);
        if (!releasedCrashes.has(key!)) throw new TypeError(`handler crashed on attempt ${attempt}`);
        return `recovered on attempt ${attempt}`;
      }
      default:
        throw new Error(`unknown kind ${kind}`);
    }
  },
  runWorkflow: new WorkflowRunOperationHandler<{ workflowId: string; action: string }, string>((ctx, input) =>
    startWorkflow(ctx, wf.nexusHandlerWorkflow, { workflowId: input.workflowId, args: [input.action] }),
  ),
  async slow(ctx, ms) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      ctx.abortSignal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(ctx.abortSignal.reason);
      });
    });
    return `slept ${ms}`;
  },
});

const recordingInterceptor: NexusInterceptorsFactory = (ctx) => ({
  inbound: {
    async startOperation(input, next) {
      interceptedCalls.push(`start ${ctx.service}/${ctx.operation}`);
      return next(input);
    },
    async cancelOperation(input, next) {
      interceptedCalls.push(`cancel ${ctx.service}/${ctx.operation}`);
      return next(input);
    },
  },
});

/** Runs `fn` with a worker that has the test workflows and the Nexus service, and an endpoint targeting it. */
async function withNexusWorker<R>(fn: (endpoint: TestEndpoint) => Promise<R>): Promise<R> {
  const taskQueue = taskQueueFor('nexus');
  const endpoint = await createEndpoint(env.connection, taskQueue);
  try {
    const worker = await env.createWorker({
      taskQueue,
      nexusServices: [handler],
      interceptors: {
        nexus: [recordingInterceptor],
        workflowModules: [path.resolve(__dirname, 'workflows/nexus-interceptors.ts')],
      },
    });
    return await worker.runUntil(fn(endpoint));
  } finally {
    await endpoint.delete();
  }
}

function startCaller(
  endpoint: TestEndpoint,
  operation: Parameters<typeof wf.nexusCaller>[1],
  input: unknown,
  options: wf.NexusCallOptions = {},
): Promise<WorkflowHandle<typeof wf.nexusCaller>> {
  return env.client.workflow.start(wf.nexusCaller, {
    taskQueue: endpoint.taskQueue,
    workflowId: `caller-${randomUUID()}`,
    args: [endpoint.name, operation, input, { scheduleToCloseTimeout: '30s', ...options }],
  });
}

/** The Nexus events of a run, by type name (`NEXUS_OPERATION_SCHEDULED`, ...). */
async function nexusEvents(handle: WorkflowHandle): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter((e) => (ET[e.eventType!] ?? '').startsWith('EVENT_TYPE_NEXUS_OPERATION'));
}

function typeNames(events: temporal.api.history.v1.IHistoryEvent[]): string[] {
  return events.map((e) => ET[e.eventType!].replace('EVENT_TYPE_NEXUS_OPERATION_', ''));
}

/** Polls `describe()` until `check` returns a value. */
async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a sync operation returns its result, with the operation info, headers and links the handler saw', async () => {
  await withNexusWorker(async (endpoint) => {
    const handle = await startCaller(endpoint, 'echo', 'hello', { summary: 'say hello' });
    const outcome = await handle.result();
    // A synchronous operation has no token; as in the official SDK, the handle's is empty.
    expect(outcome.token).toBe('');
    expect(outcome.result).toEqual({
      input: 'hello',
      info: {
        namespace: 'default',
        taskQueue: endpoint.taskQueue,
        endpoint: endpoint.name,
        service: 'nexusTestService',
        operation: 'echo',
        hasDeadline: true,
        requestIdIsHeader: true,
        inboundLinkTypes: ['temporal.api.common.v1.Link.WorkflowEvent'],
      },
      headers: { 'x-kairos-test': 'from echo', 'request-timeout': 'present', 'nexus-request-id': expect.any(String) },
    });
    const events = await nexusEvents(handle);
    expect(typeNames(events)).toEqual(['SCHEDULED', 'COMPLETED']);
    const scheduled = events[0].nexusOperationScheduledEventAttributes!;
    expect(scheduled).toMatchObject({
      endpoint: endpoint.name,
      endpointId: endpoint.id,
      service: 'nexusTestService',
      operation: 'echo',
      nexusHeader: { 'x-kairos-test': 'from echo' },
    });
    expect(scheduled.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(events[0].userMetadata?.summary?.data && Buffer.from(events[0].userMetadata.summary.data).toString()).toBe(
      '"say hello"',
    );
    expect(events[1].nexusOperationCompletedEventAttributes).toMatchObject({
      scheduledEventId: events[0].eventId,
      requestId: scheduled.requestId,
    });
    expect(interceptedCalls).toContain('start nexusTestService/echo');
    expect(
      await env.client.workflow.execute(wf.nexusEchoByDefinition, {
        taskQueue: endpoint.taskQueue,
        workflowId: randomUUID(),
        args: [endpoint.name, 'by definition'],
      }),
    ).toBe('by definition');
  });
});

test('a workflow-run operation starts the workflow and its result reaches the caller through the callback', async () => {
  await withNexusWorker(async (endpoint) => {
    const workflowId = `handler-${randomUUID()}`;
    const handle = await startCaller(endpoint, 'runWorkflow', { workflowId, action: 'complete' });
    const outcome = await handle.result();
    expect(outcome.result).toBe(`done:complete:${workflowId}`);
    // The official token format: base64url JSON of {t: 1 (workflow run), ns, wid}.
    expect(JSON.parse(Buffer.from(outcome.token!, 'base64url').toString())).toEqual({
      t: 1,
      ns: 'default',
      wid: workflowId,
    });
    const events = await nexusEvents(handle);
    expect(typeNames(events)).toEqual(['SCHEDULED', 'STARTED', 'COMPLETED']);
    const started = events[1];
    expect(started.nexusOperationStartedEventAttributes).toMatchObject({
      scheduledEventId: events[0].eventId,
      operationToken: outcome.token,
      requestId: events[0].nexusOperationScheduledEventAttributes!.requestId,
    });
    // The started event links to the handler workflow's start.
    const handlerHandle = env.client.workflow.getHandle(workflowId);
    const handlerRun = (await handlerHandle.describe()).runId;
    expect(started.links).toEqual([
      {
        workflowEvent: {
          namespace: 'default',
          workflowId,
          runId: handlerRun,
          eventRef: { eventId: expect.anything(), eventType: ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED },
        },
      },
    ]);
    // The handler workflow carries the callback and the link back to the caller's scheduled event.
    const handlerStart = (await handlerHandle.fetchHistory()).events![0];
    const callbacks = handlerStart.workflowExecutionStartedEventAttributes!.completionCallbacks!;
    expect(callbacks).toHaveLength(1);
    expect(callbacks[0].nexus?.header?.['nexus-operation-token']).toBe(outcome.token);
    const callerLink = {
      workflowEvent: {
        namespace: 'default',
        workflowId: handle.workflowId,
        runId: (await handle.describe()).runId,
        eventRef: { eventId: events[0].eventId, eventType: ET.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED },
      },
    };
    // The link back to the caller rides on the callback (the server does not repeat it on the started event).
    expect(callbacks[0].links).toEqual([callerLink]);
    expect(handlerStart.links ?? []).toEqual([]);
    const described = await handlerHandle.describe();
    expect(described.raw.callbacks).toEqual([
      expect.objectContaining({
        state: temporal.api.enums.v1.CallbackState.CALLBACK_STATE_SUCCEEDED,
        trigger: { workflowClosed: {} },
      }),
    ]);
  });
});

test("a handler workflow that continues as new completes the operation with its last run's result", async () => {
  await withNexusWorker(async (endpoint) => {
    const workflowId = `handler-${randomUUID()}`;
    const handle = await startCaller(endpoint, 'runWorkflow', { workflowId, action: 'continue' });
    expect((await handle.result()).result).toBe(`done:complete:${workflowId}`);
    expect(typeNames(await nexusEvents(handle))).toEqual(['SCHEDULED', 'STARTED', 'COMPLETED']);
    const lastRun = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events![0];
    expect(lastRun.workflowExecutionStartedEventAttributes?.completionCallbacks).toHaveLength(1);
  });
});

test('a handler error fails the operation with the handler error as its cause', async () => {
  await withNexusWorker(async (endpoint) => {
    const handle = await startCaller(endpoint, 'fail', { kind: 'handler-error' }, { rethrow: true });
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const failure = (err as WorkflowFailedError).cause;
    expect(failure).toBeInstanceOf(NexusOperationFailure);
    expect(failure).toMatchObject({
      message: 'nexus operation completed unsuccessfully',
      endpoint: endpoint.name,
      service: 'nexusTestService',
      operation: 'fail',
    });
    const cause = (failure as NexusOperationFailure).cause as nexus.HandlerError;
    expect(cause).toBeInstanceOf(nexus.HandlerError);
    expect(cause.type).toBe('BAD_REQUEST');
    expect(cause.retryable).toBe(false);
    expect(cause.message).toBe('the input was not acceptable');
    expect(typeNames(await nexusEvents(handle))).toEqual(['SCHEDULED', 'FAILED']);
  });
});

test('operation failures: an OperationError and a failed handler workflow fail the operation', async () => {
  await withNexusWorker(async (endpoint) => {
    const failed = await (await startCaller(endpoint, 'fail', { kind: 'operation-failed' })).result();
    expect(failed.error).toEqual([
      expect.objectContaining({ name: 'NexusOperationFailure', message: 'nexus operation completed unsuccessfully' }),
      expect.objectContaining({ name: 'ApplicationFailure', message: 'the operation failed', type: 'OperationError' }),
      expect.objectContaining({ name: 'ApplicationFailure', message: 'no stock', type: 'OutOfStock' }),
    ]);
    const canceled = await (await startCaller(endpoint, 'fail', { kind: 'operation-canceled' })).result();
    expect(canceled.error?.map((e) => e.name)).toEqual(['NexusOperationFailure', 'CancelledFailure']);
    const workflowId = `handler-${randomUUID()}`;
    const handle = await startCaller(endpoint, 'runWorkflow', { workflowId, action: 'fail' });
    const viaWorkflow = await handle.result();
    expect(viaWorkflow.error).toEqual([
      expect.objectContaining({ name: 'NexusOperationFailure' }),
      expect.objectContaining({ name: 'ApplicationFailure', message: 'the handler workflow failed' }),
    ]);
    expect(viaWorkflow.error![0].extra).toMatchObject({ operationToken: viaWorkflow.token });
    expect(typeNames(await nexusEvents(handle))).toEqual(['SCHEDULED', 'STARTED', 'FAILED']);
  });
});

/** The Nexus events and timer starts of a run, in order (the caller marks the settling of its result with a timer). */
async function nexusAndTimerEvents(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .map((e) => ET[e.eventType!])
    .filter((name) => name.startsWith('EVENT_TYPE_NEXUS_OPERATION') || name === 'EVENT_TYPE_TIMER_STARTED')
    .map((name) => name.replace('EVENT_TYPE_NEXUS_OPERATION_', '').replace('EVENT_TYPE_', ''));
}

const CANCEL_EVENTS = ['SCHEDULED', 'STARTED', 'CANCEL_REQUESTED', 'CANCEL_REQUEST_COMPLETED', 'CANCELED'];

describe.each([
  // When the caller's result settles (the timer), among the events of the cancellation.
  ['WAIT_CANCELLATION_COMPLETED', [...CANCEL_EVENTS, 'TIMER_STARTED']],
  [
    'WAIT_CANCELLATION_REQUESTED',
    ['SCHEDULED', 'STARTED', 'CANCEL_REQUESTED', 'CANCEL_REQUEST_COMPLETED', 'TIMER_STARTED', 'CANCELED'],
  ],
  ['TRY_CANCEL', ['SCHEDULED', 'STARTED', 'CANCEL_REQUESTED', 'TIMER_STARTED', 'CANCEL_REQUEST_COMPLETED', 'CANCELED']],
  ['ABANDON', ['SCHEDULED', 'STARTED', 'TIMER_STARTED']],
] as const)('cancelling a workflow-run operation with %s', (cancellationType, expectedEvents) => {
  test('cancels the handler workflow (unless abandoned) and settles the caller as the type says', async () => {
    await withNexusWorker(async (endpoint) => {
      const workflowId = `handler-${randomUUID()}`;
      const handle = await startCaller(
        endpoint,
        'runWorkflow',
        { workflowId, action: 'wait' },
        { cancelAfterStart: true, cancellationType },
      );
      const handlerHandle = env.client.workflow.getHandle(workflowId);
      // The handler starts the workflow a little after the caller starts; until then there is no history.
      const handlerEvents = async () => {
        const history = await handlerHandle.fetchHistory().catch((err: unknown) => {
          if (err instanceof WorkflowNotFoundError) return { events: [] };
          throw err;
        });
        return (history.events ?? []).map((e) => ET[e.eventType!]);
      };
      if (cancellationType === 'ABANDON') {
        await eventually(
          async () => ((await nexusAndTimerEvents(handle)).includes('TIMER_STARTED') ? true : undefined),
          'the caller to settle',
        );
        expect(await handlerEvents()).not.toContain('EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED');
      } else {
        await eventually(
          async () =>
            (await handlerEvents()).includes('EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED') ? true : undefined,
          'the handler workflow to be asked to cancel',
        );
        const settlesEarly = cancellationType !== 'WAIT_CANCELLATION_COMPLETED';
        if (settlesEarly) {
          await eventually(
            async () => ((await nexusAndTimerEvents(handle)).includes('TIMER_STARTED') ? true : undefined),
            'the caller to settle',
          );
        }
        expect((await nexusAndTimerEvents(handle)).includes('TIMER_STARTED')).toBe(settlesEarly);
        await handlerHandle.signal(wf.finishCancel);
        await eventually(
          async () => ((await nexusAndTimerEvents(handle)).includes('CANCELED') ? true : undefined),
          'the operation to be cancelled',
        );
        expect(interceptedCalls).toContain('cancel nexusTestService/runWorkflow');
        const d = await handlerHandle.describe();
        expect(d.status.name).toBe('CANCELLED');
      }
      await eventually(
        async () => ((await nexusAndTimerEvents(handle)).includes('TIMER_STARTED') ? true : undefined),
        'the caller to settle',
      );
      await handle.signal(wf.releaseCaller);
      const outcome = await handle.result();
      expect(outcome.token).toBeDefined();
      expect(outcome.error?.map((e) => e.name)).toEqual(['NexusOperationFailure', 'CancelledFailure']);
      expect(await nexusAndTimerEvents(handle)).toEqual(expectedEvents);
      // An abandoned handler workflow runs on; the caller has closed, so its end no longer reaches it.
      if (cancellationType === 'ABANDON') await handlerHandle.terminate('test over');
    });
  });
});

test('cancelling an operation whose start request is still with the handler waits for its answer', async () => {
  await withNexusWorker(async (endpoint) => {
    // The handler of `slow` takes 3 s; the caller cancels after 0.5 s, before the (synchronous) answer.
    const handle = await env.client.workflow.start(wf.nexusCancelBeforeStart, {
      taskQueue: endpoint.taskQueue,
      workflowId: `caller-${randomUUID()}`,
      args: [endpoint.name, 3000, 500],
    });
    expect(await handle.result()).toEqual({ token: '', result: 'slept 3000' });
    expect(await nexusAndTimerEvents(handle)).toEqual(['SCHEDULED', 'TIMER_STARTED', 'CANCEL_REQUESTED', 'COMPLETED']);
  });
});

test('a schedule-to-close timeout times the operation out', async () => {
  await withNexusWorker(async (endpoint) => {
    const workflowId = `handler-${randomUUID()}`;
    const handle = await startCaller(
      endpoint,
      'runWorkflow',
      { workflowId, action: 'sleep' },
      { scheduleToCloseTimeout: '2s' },
    );
    const outcome = await handle.result();
    expect(outcome.error).toEqual([
      expect.objectContaining({ name: 'NexusOperationFailure' }),
      expect.objectContaining({
        name: 'TimeoutFailure',
        message: 'operation timed out',
        extra: { timeoutType: 'SCHEDULE_TO_CLOSE' },
      }),
    ]);
    const events = await nexusEvents(handle);
    expect(typeNames(events)).toEqual(['SCHEDULED', 'STARTED', 'TIMED_OUT']);
    expect(events[2].nexusOperationTimedOutEventAttributes?.failure).toMatchObject({
      message: 'nexus operation completed unsuccessfully',
      cause: { message: 'operation timed out' },
      nexusOperationExecutionFailureInfo: { endpoint: endpoint.name, operation: 'runWorkflow' },
    });
    await env.client.workflow.getHandle(workflowId).terminate('test over');
  });
});

test('a handler that crashes is retried, with the attempt and failure in describe, until it succeeds', async () => {
  await withNexusWorker(async (endpoint) => {
    const key = randomUUID();
    const handle = await startCaller(endpoint, 'fail', { kind: 'crash', key });
    const pending = await eventually(async () => {
      const ops = (await handle.describe()).raw.pendingNexusOperations ?? [];
      return ops.length > 0 && ops[0].lastAttemptFailure ? ops[0] : undefined;
    }, 'a failed attempt in describe');
    expect(pending).toMatchObject({
      endpoint: endpoint.name,
      service: 'nexusTestService',
      operation: 'fail',
      state: expect.anything(),
      scheduleToCloseTimeout: { seconds: expect.anything() },
    });
    expect(pending.attempt).toBeGreaterThanOrEqual(1);
    // The server words the failure itself; the handler's own message is in its causes.
    expect(JSON.stringify(pending.lastAttemptFailure)).toMatch(/handler crashed on attempt/);
    expect(pending.lastAttemptFailure?.nexusHandlerFailureInfo?.type).toBe('INTERNAL');
    releasedCrashes.add(key);
    const outcome = await handle.result();
    expect(outcome.result).toMatch(/^recovered on attempt \d+$/);
    expect(crashAttempts.get(key)).toBeGreaterThanOrEqual(2);
    expect(typeNames(await nexusEvents(handle))).toEqual(['SCHEDULED', 'COMPLETED']);
  });
});

test('an operation whose handler keeps failing with a retryable error times out with the last failure', async () => {
  await withNexusWorker(async (endpoint) => {
    const handle = await startCaller(endpoint, 'fail', { kind: 'retryable-forever' }, { scheduleToCloseTimeout: '3s' });
    const outcome = await handle.result();
    expect(outcome.error?.map((e) => e.name)).toEqual(['NexusOperationFailure', 'TimeoutFailure']);
    expect(typeNames(await nexusEvents(handle))).toEqual(['SCHEDULED', 'TIMED_OUT']);
  });
});

test('an operation on an endpoint that does not exist fails the workflow task, naming the endpoint', async () => {
  const taskQueue = taskQueueFor('nexus-unknown-endpoint');
  const worker = await env.createWorker({ taskQueue });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(wf.nexusCaller, {
      taskQueue,
      workflowId: `caller-${randomUUID()}`,
      args: ['no-such-endpoint', 'echo', 'x', { scheduleToCloseTimeout: '30s' }],
    });
    const failed = await eventually(async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      return events.find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes ?? undefined;
    }, 'the workflow task to fail');
    expect(failed.cause).toBe(
      temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_NEXUS_OPERATION_ATTRIBUTES,
    );
    expect(failed.failure?.message).toBe('BadScheduleNexusOperationAttributes: endpoint "no-such-endpoint" not found');
    await handle.terminate('test over');
  });
});

// The real server would call the URL; the Kairos dev server cannot, and says so at once instead of letting the
// operation wait for its timeout.
if (serverKind() === 'kairos') {
  test('on the Kairos dev server, an operation on an endpoint with an external URL target fails at once as not implemented', async () => {
    const taskQueue = taskQueueFor('nexus-external-endpoint');
    const name = `ep-${randomUUID()}`;
    const { endpoint } = await env.connection.operatorService.createNexusEndpoint({
      spec: { name, target: { external: { url: 'https://nexus.example.com/handlers' } } },
    });
    const worker = await env.createWorker({ taskQueue });
    try {
      await worker.runUntil(async () => {
        const handle = await env.client.workflow.start(wf.nexusCaller, {
          taskQueue,
          workflowId: `caller-${randomUUID()}`,
          args: [name, 'echo', 'x', { scheduleToCloseTimeout: '1h', rethrow: true }],
        });
        const err = await handle.result().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WorkflowFailedError);
        const failure = (err as WorkflowFailedError).cause as NexusOperationFailure;
        expect(failure).toBeInstanceOf(NexusOperationFailure);
        expect(failure.cause).toBeInstanceOf(ApplicationFailure);
        expect(failure.cause).toMatchObject({ type: 'NotImplemented', nonRetryable: true });
        expect(failure.cause?.message).toBe(
          `not implemented: Nexus endpoints with an external target (endpoint "${name}", URL ` +
            'https://nexus.example.com/handlers): the Kairos dev server only dispatches operations to endpoints ' +
            'with a worker target',
        );
        expect(typeNames(await nexusEvents(handle))).toEqual(['SCHEDULED', 'FAILED']);
      });
    } finally {
      await env.connection.operatorService.deleteNexusEndpoint({ id: endpoint!.id, version: endpoint!.version });
    }
  });
}

test('client.nexus says so when the server has no standalone Nexus operations', async () => {
  // Neither server of this file has them: the Kairos dev server never, the Temporal one not without
  // nexusoperation.enableStandalone (nexus-standalone.test.ts turns it on).
  const err = await env.client.nexus
    .createServiceClient({ endpoint: 'any', service: wf.nexusTestService })
    .startOperation('echo', 'x', { id: randomUUID() })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(NexusOperationsNotSupportedError);
  expect((err as Error).message).toMatch(
    /^standalone Nexus operations are not supported by this server \(StartNexusOperationExecution: /,
  );
});

test('the worker validates nexusServices', async () => {
  const taskQueue = taskQueueFor('nexus-options');
  await expect(env.createWorker({ taskQueue, nexusServices: [handler, handler] })).rejects.toThrow(
    'Duplicate nexus service named nexusTestService (nexusServices[1])',
  );
  await expect(env.createWorker({ taskQueue, nexusServices: [{} as unknown as nexus.ServiceHandler] })).rejects.toThrow(
    'nexusServices[0] must be a Nexus service handler',
  );
});
