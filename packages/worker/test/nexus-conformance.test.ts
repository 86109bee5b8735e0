/**
 * The Kairos dev server against the real Temporal dev server, event by event: the same Nexus scenarios run on both,
 * and the caller's Nexus events (types, attributes, failures, links) and the handler workflow's callbacks in describe
 * must be equal once the values that differ by nature (ids, tokens, times) are replaced by placeholders. Part of `test:temporal` (it needs the Temporal CLI).
 */
import { randomUUID } from 'node:crypto';
import * as nexus from 'nexus-rpc';
import type { WorkflowHandle } from '@kairos/client';
import { ApplicationFailure } from '@kairos/common';
import { startWorkflow, WorkflowRunOperationHandler } from '@kairos/nexus';
import { temporal } from '@kairos/proto';
import { serverKind, type ServerKind, taskQueueFor, TestEnv } from './helpers/env';
import { createEndpoint, type TestEndpoint } from './helpers/nexus';
import * as wf from './workflows';

jest.setTimeout(120_000);

const ET = temporal.api.enums.v1.EventType;
const HistoryEvent = temporal.api.history.v1.HistoryEvent;

const handler = nexus.serviceHandler(wf.nexusTestService, {
  async echo(_ctx, input) {
    return { input, info: {}, headers: {} };
  },
  async fail(_ctx, { kind }) {
    if (kind === 'handler-error') throw new nexus.HandlerError('BAD_REQUEST', 'the input was not acceptable');
    if (kind === 'operation-canceled') throw new nexus.OperationError('canceled', 'canceled by the handler');
    if (kind === 'crash') throw new TypeError('the handler crashed');
    throw new nexus.OperationError('failed', 'the operation failed', {
      cause: ApplicationFailure.create({ message: 'no stock', type: 'OutOfStock' }),
    });
  },
  runWorkflow: new WorkflowRunOperationHandler<{ workflowId: string; action: string }, string>((ctx, input) =>
    startWorkflow(ctx, wf.nexusHandlerWorkflow, { workflowId: input.workflowId, args: [input.action] }),
  ),
  async slow() {
    return 'unused';
  },
});

interface Scenario {
  name: string;
  operation: 'echo' | 'fail' | 'runWorkflow';
  input: (handlerWorkflowId: string) => unknown;
  options?: wf.NexusCallOptions;
  /** Drives a scenario that waits on the test (cancellation). */
  drive?: (env: TestEnv, caller: WorkflowHandle, handlerWorkflowId: string) => Promise<void>;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function eventTypes(env: TestEnv, workflowId: string): Promise<number[]> {
  try {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).map((e) => e.eventType as number);
  } catch {
    return [];
  }
}

const SCENARIOS: Scenario[] = [
  { name: 'sync success', operation: 'echo', input: () => 'hello', options: { summary: 'say hello' } },
  { name: 'handler error', operation: 'fail', input: () => ({ kind: 'handler-error' }) },
  { name: 'operation failed', operation: 'fail', input: () => ({ kind: 'operation-failed' }) },
  { name: 'operation canceled by the handler', operation: 'fail', input: () => ({ kind: 'operation-canceled' }) },
  {
    name: 'workflow-run success',
    operation: 'runWorkflow',
    input: (workflowId) => ({ workflowId, action: 'complete' }),
  },
  { name: 'workflow-run failure', operation: 'runWorkflow', input: (workflowId) => ({ workflowId, action: 'fail' }) },
  {
    name: 'schedule-to-close timeout',
    operation: 'runWorkflow',
    input: (workflowId) => ({ workflowId, action: 'sleep' }),
    options: { scheduleToCloseTimeout: '2s' },
  },
  {
    name: 'cancellation (wait for completion)',
    operation: 'runWorkflow',
    input: (workflowId) => ({ workflowId, action: 'wait' }),
    options: { cancelAfterStart: true, cancellationType: 'WAIT_CANCELLATION_COMPLETED' },
    async drive(env, caller, handlerWorkflowId) {
      await until(
        async () =>
          (await eventTypes(env, handlerWorkflowId)).includes(ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED),
        'the handler workflow to be asked to cancel',
      );
      await env.client.workflow.getHandle(handlerWorkflowId).signal(wf.finishCancel);
      await until(
        async () => (await eventTypes(env, caller.workflowId)).includes(ET.EVENT_TYPE_TIMER_STARTED),
        'the caller to settle',
      );
      await caller.signal(wf.releaseCaller);
    },
  },
];

/** The caller's Nexus events as plain objects, with ids, tokens and times replaced by placeholders. */
function normalized(events: temporal.api.history.v1.IHistoryEvent[], variable: string[]): unknown[] {
  const names = new Map<string, string>();
  const placeholder = (value: string) => {
    if (!names.has(value)) names.set(value, `<${names.size + 1}>`);
    return names.get(value)!;
  };
  let json = JSON.stringify(
    events
      .filter((e) => (ET[e.eventType!] ?? '').startsWith('EVENT_TYPE_NEXUS_OPERATION'))
      .map((e) => {
        const o = HistoryEvent.toObject(HistoryEvent.fromObject(e), {
          enums: String,
          longs: Number,
          bytes: String,
          defaults: false,
        });
        delete o.eventTime;
        delete o.taskId;
        delete o.version;
        delete o.eventId;
        return o;
      }),
  );
  // Payload data is base64 JSON: decode it so that the ids inside can be replaced too.
  json = json.replace(
    /"data":"([A-Za-z0-9+/=]*)"/g,
    (_m, b64: string) => `"data":${JSON.stringify(Buffer.from(b64, 'base64').toString())}`,
  );
  for (const value of variable) json = json.split(value).join(placeholder(value));
  json = json.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (m) => placeholder(m));
  json = json.replace(/"(operationToken|operationId)":"[^"]+"/g, '"$1":"<token>"');
  json = json.replace(/"(scheduledEventId|requestedEventId|workflowTaskCompletedEventId)":\d+/g, '"$1":"<id>"');
  json = json.replace(/"stackTrace":"[^"]*"/g, '"stackTrace":"<stack>"');
  return JSON.parse(json) as unknown[];
}

/** A pending operation from describe, without times, with ids as placeholders. */
function normalizedPending(op: temporal.api.workflow.v1.IPendingNexusOperationInfo, variable: string[]): unknown {
  const o = temporal.api.workflow.v1.PendingNexusOperationInfo.toObject(
    temporal.api.workflow.v1.PendingNexusOperationInfo.fromObject(op),
    { enums: String, longs: Number, bytes: String, defaults: false },
  );
  for (const key of ['scheduledTime', 'lastAttemptCompleteTime', 'nextAttemptScheduleTime']) delete o[key];
  let json = JSON.stringify(o);
  for (const [i, value] of variable.entries()) json = json.split(value).join(`<${i + 1}>`);
  json = json.replace(/"stackTrace":"[^"]*"/g, '"stackTrace":"<stack>"');
  json = json.replace(/"scheduledEventId":\d+/g, '"scheduledEventId":"<id>"');
  return JSON.parse(json) as unknown;
}

/** What each server shows of an operation whose handler keeps crashing: the pending operation after a failure. */
const pendingAfterCrash = new Map<ServerKind, unknown>();

async function runScenarios(kind: ServerKind): Promise<Map<string, unknown[]>> {
  const env = await TestEnv.start({ kind });
  const out = new Map<string, unknown[]>();
  let endpoint: TestEndpoint | undefined;
  try {
    const taskQueue = taskQueueFor(`nexus-conformance-${kind}`);
    endpoint = await createEndpoint(env.connection, taskQueue);
    const worker = await env.createWorker({ taskQueue, nexusServices: [handler] });
    await worker.runUntil(async () => {
      const crashing = await env.client.workflow.start(wf.nexusCaller, {
        taskQueue,
        workflowId: `caller-${randomUUID()}`,
        args: [endpoint!.name, 'fail', { kind: 'crash' }, { scheduleToCloseTimeout: '30s' }],
      });
      let pending: temporal.api.workflow.v1.IPendingNexusOperationInfo | undefined;
      await until(async () => {
        pending = (await crashing.describe()).raw.pendingNexusOperations?.[0];
        return !!pending?.lastAttemptFailure;
      }, 'a failed attempt');
      pendingAfterCrash.set(kind, normalizedPending(pending!, [endpoint!.name, endpoint!.id]));
      await crashing.terminate('scenario over');
      for (const s of SCENARIOS) {
        const handlerWorkflowId = `handler-${randomUUID()}`;
        const caller = await env.client.workflow.start(wf.nexusCaller, {
          taskQueue,
          workflowId: `caller-${randomUUID()}`,
          args: [
            endpoint!.name,
            s.operation,
            s.input(handlerWorkflowId),
            { scheduleToCloseTimeout: '30s', ...s.options },
          ],
        });
        await s.drive?.(env, caller, handlerWorkflowId);
        await caller.result();
        const history = await caller.fetchHistory();
        const runIds = [(await caller.describe()).runId];
        // The handler workflow's completion callbacks as describe shows them (states and triggers, not times).
        let callbacks: unknown[] = [];
        const handlerWorkflow = env.client.workflow.getHandle(handlerWorkflowId);
        const described = await handlerWorkflow.describe().catch(() => undefined);
        if (described) {
          runIds.push(described.runId);
          callbacks = (described.raw.callbacks ?? []).map((c) => ({
            state: temporal.api.enums.v1.CallbackState[c.state ?? 0],
            trigger: c.trigger,
            attempt: c.attempt,
            url: c.callback?.nexus?.url,
            links: c.callback?.links?.length,
          }));
          if (described.status.name === 'RUNNING') await handlerWorkflow.terminate('scenario over');
        }
        out.set(
          s.name,
          normalized(history.events ?? [], [
            endpoint!.name,
            endpoint!.id,
            taskQueue,
            caller.workflowId,
            handlerWorkflowId,
            ...runIds,
          ]).concat([{ callbacks }]),
        );
      }
    });
  } finally {
    await endpoint?.delete();
    await env.teardown();
  }
  return out;
}

const describeOnTemporal = serverKind() === 'temporal' ? describe : describe.skip;

describeOnTemporal('Nexus events on the Kairos dev server equal those of the real Temporal dev server', () => {
  let kairos: Map<string, unknown[]>;
  let real: Map<string, unknown[]>;
  beforeAll(async () => {
    real = await runScenarios('temporal');
    kairos = await runScenarios('kairos');
  });
  test.each(SCENARIOS.map((s) => s.name))('%s', (name) => {
    expect(kairos.get(name)).toEqual(real.get(name));
  });
  test('a pending operation whose handler crashed, as describe shows it', () => {
    expect(pendingAfterCrash.get('kairos')).toEqual(pendingAfterCrash.get('temporal'));
  });
});
