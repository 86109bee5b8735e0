import * as path from 'node:path';
import { context, propagation, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ApplicationFailure } from '@kairos/common';
import { Client, WithStartWorkflowOperation, WorkflowFailedError } from '@kairos/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@kairos/worker';
import { SimplePlugin } from '@kairos/plugin';
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryPlugin } from '../src';
import { XorCodec } from '../../plugin/test/fixtures/codec';
import { startTestServer, type TestServer, taskQueueFor } from '../../plugin/test/helpers/test-server';
import type * as workflows from './fixtures/workflows';

jest.setTimeout(60_000);

const workflowsPath = path.join(__dirname, 'fixtures', 'workflows.ts');
const resource = resourceFromAttributes({ 'service.name': 'kairos-tracing-test' });
const memory = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor(memory);
const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
const plugin = new OpenTelemetryPlugin({
  resource,
  spanProcessor: processor,
  tracer: provider.getTracer('kairos-test'),
});

const activities = {
  async greet(name: string): Promise<string> {
    return `Hello, ${name}!`;
  },
  async fail(): Promise<void> {
    throw ApplicationFailure.nonRetryable('boom', 'TestFailure');
  },
};

let server: TestServer;
let connection: NativeConnection;
let client: Client;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  server = await startTestServer();
  connection = await NativeConnection.connect({ address: server.address, plugins: [plugin] });
  client = new Client({ connection });
});
afterAll(async () => {
  await connection?.close();
  await server?.stop();
});

/**
 * A worker on the plugged connection. With the cache off (the default here) every workflow task replays the whole
 * history, which must not export any span twice.
 */
function worker(taskQueue: string, cacheOff = true): Promise<Worker> {
  return Worker.create({
    connection,
    taskQueue,
    workflowsPath,
    activities,
    ...(cacheOff ? { maxCachedWorkflows: 0 } : {}),
  });
}

/** Finished spans, looked up by name. */
class Spans {
  constructor(readonly all: ReadableSpan[]) {}

  named(name: string): ReadableSpan[] {
    return this.all.filter((s) => s.name === name);
  }

  one(name: string): ReadableSpan {
    const found = this.named(name);
    if (found.length !== 1) {
      throw new Error(`expected one span ${name}, found ${found.length}: ${this.all.map((s) => s.name).join(', ')}`);
    }
    return found[0];
  }

  /** Asserts that `child` is a child of `parent` in the same trace. */
  expectChild(child: string, parent: string): void {
    const c = this.one(child);
    const p = this.one(parent);
    expect({ child, trace: c.spanContext().traceId, parent: c.parentSpanContext?.spanId }).toEqual({
      child,
      trace: p.spanContext().traceId,
      parent: p.spanContext().spanId,
    });
  }
}

/** The spans of the traces the workflows with these ids belong to, once a span named `until` is exported. */
async function spansOf(workflowIds: string[], until: string): Promise<Spans> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const all = memory.getFinishedSpans();
    const ids = new Set(workflowIds);
    const traces = new Set(
      all.filter((s) => ids.has(String(s.attributes.temporalWorkflowId))).map((s) => s.spanContext().traceId),
    );
    const spans = new Spans(all.filter((s) => traces.has(s.spanContext().traceId)));
    if (spans.named(until).length > 0) return spans;
    if (Date.now() > deadline) throw new Error(`span ${until} never came; have ${spans.all.map((s) => s.name)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('joins client, workflow, activity, child, update, query and signal spans into one tree', async () => {
  const taskQueue = taskQueueFor('tree');
  // Cache on: a query on a run that is not cached replays its last task as if it were new, so the core would
  // report that task's spans again (a known core issue, see the README).
  const w = await worker(taskQueue, false);
  const workflowId = `tree-${taskQueue}`;
  const result = await w.runUntil(async () => {
    // One application span around everything, so that every client call belongs to the same trace.
    return await provider.getTracer('app').startActiveSpan('app', async (app) => {
      try {
        const handle = await client.workflow.start<typeof workflows.tracedParent>('tracedParent', {
          taskQueue,
          workflowId,
        });
        expect(await handle.executeUpdate<string, [string]>('setValue', { args: ['v'] })).toBe('v');
        await expect(handle.executeUpdate<string, [string]>('setValue', { args: [''] })).rejects.toThrow();
        expect(await handle.query<string>('getValue')).toBe('v');
        await handle.signal('unblock');
        return await handle.result();
      } finally {
        app.end();
      }
    });
  });
  expect(result).toBe('Hello, parent!|Hello, kid!|v');
  const spans = await spansOf([workflowId], 'RunWorkflow:tracedParent');

  spans.expectChild('StartWorkflow:tracedParent', 'app');
  spans.expectChild('RunWorkflow:tracedParent', 'StartWorkflow:tracedParent');
  spans.expectChild('StartChildWorkflow:tracedChild', 'RunWorkflow:tracedParent');
  spans.expectChild('RunWorkflow:tracedChild', 'StartChildWorkflow:tracedChild');
  spans.expectChild('QueryWorkflow:getValue', 'app');
  spans.expectChild('HandleQuery:getValue', 'QueryWorkflow:getValue');
  spans.expectChild('SignalWorkflow:unblock', 'app');
  spans.expectChild('HandleSignal:unblock', 'SignalWorkflow:unblock');

  // Two updates: the accepted one is validated and handled, the rejected one only validated (with an error).
  const updates = spans.named('StartWorkflowUpdate:setValue');
  expect(updates).toHaveLength(2);
  const validations = spans.named('ValidateUpdate:setValue');
  expect(validations.map((v) => v.status.code).sort()).toEqual([SpanStatusCode.OK, SpanStatusCode.ERROR]);
  const handled = spans.one('HandleUpdate:setValue');
  expect(updates.map((u) => u.spanContext().spanId)).toContain(handled.parentSpanContext?.spanId);
  expect(typeof handled.attributes.temporalUpdateId).toBe('string');

  // Activities: StartActivity in the workflow, RunActivity in the worker (a local activity for the child).
  const parentRun = spans.one('RunWorkflow:tracedParent').spanContext().spanId;
  const childRun = spans.one('RunWorkflow:tracedChild').spanContext().spanId;
  const starts = spans.named('StartActivity:greet');
  const parentStart = starts.find((s) => s.parentSpanContext?.spanId === parentRun);
  const childStart = starts.find((s) => s.parentSpanContext?.spanId === childRun);
  expect(parentStart).toBeDefined();
  expect(childStart).toBeDefined();
  const runs = spans.named('RunActivity:greet');
  expect(runs.map((r) => r.parentSpanContext?.spanId).sort()).toEqual(
    [parentStart?.spanContext().spanId, childStart?.spanContext().spanId].sort(),
  );
  const activityRun = runs.find((r) => r.parentSpanContext?.spanId === parentStart?.spanContext().spanId);
  expect(activityRun?.attributes).toMatchObject({ temporalWorkflowId: workflowId, temporalActivityId: '1' });

  // Workflow spans come out of the isolate with the plugin's resource and the run's ids.
  const run = spans.one('RunWorkflow:tracedParent');
  expect(run.resource.attributes['service.name']).toBe('kairos-tracing-test');
  expect(run.attributes).toMatchObject({ temporalWorkflowId: workflowId });
  expect(run.status.code).toBe(SpanStatusCode.OK);

  // One span per operation, none repeated.
  const ids = spans.all.map((s) => s.spanContext().spanId);
  expect(new Set(ids).size).toBe(ids.length);
  expect(spans.all.map((s) => s.name).sort()).toEqual(
    [
      'app',
      'StartWorkflow:tracedParent',
      'RunWorkflow:tracedParent',
      'StartActivity:greet',
      'RunActivity:greet',
      'StartChildWorkflow:tracedChild',
      'RunWorkflow:tracedChild',
      'StartActivity:greet',
      'RunActivity:greet',
      'StartWorkflowUpdate:setValue',
      'StartWorkflowUpdate:setValue',
      'ValidateUpdate:setValue',
      'ValidateUpdate:setValue',
      'HandleUpdate:setValue',
      'QueryWorkflow:getValue',
      'HandleQuery:getValue',
      'SignalWorkflow:unblock',
      'HandleSignal:unblock',
    ].sort(),
  );
});

it('marks the activity, its scheduling and the workflow as failed with the error message', async () => {
  const taskQueue = taskQueueFor('failure');
  const w = await worker(taskQueue);
  const workflowId = `failing-${taskQueue}`;
  await w.runUntil(
    expect(
      client.workflow.execute<typeof workflows.failing>('failing', { taskQueue, workflowId }),
    ).rejects.toBeInstanceOf(WorkflowFailedError),
  );
  const spans = await spansOf([workflowId], 'RunWorkflow:failing');
  spans.expectChild('RunActivity:fail', 'StartActivity:fail');
  for (const name of ['RunActivity:fail', 'StartActivity:fail', 'RunWorkflow:failing']) {
    expect({ name, code: spans.one(name).status.code }).toEqual({ name, code: SpanStatusCode.ERROR });
  }
  expect(spans.one('StartWorkflow:failing').status.code).toBe(SpanStatusCode.OK);
  expect(spans.one('RunActivity:fail').status.message).toBe('boom');
  expect(spans.one('RunActivity:fail').events.map((e) => e.name)).toEqual(['exception']);
  expect(spans.one('StartActivity:fail').events.map((e) => e.name)).toEqual(['exception']);
});

it('links the runs of a continue-as-new chain through the ContinueAsNew span', async () => {
  const taskQueue = taskQueueFor('can');
  const w = await worker(taskQueue);
  const workflowId = `continuing-${taskQueue}`;
  const result = await w.runUntil(
    client.workflow.execute<typeof workflows.continuing>('continuing', { taskQueue, workflowId, args: [1] }),
  );
  expect(result).toBe('Hello, last!');
  const spans = await spansOf([workflowId], 'RunActivity:greet');
  await spansOf([workflowId], 'RunWorkflow:continuing');
  const runs = spans.named('RunWorkflow:continuing');
  expect(runs).toHaveLength(2);
  const can = spans.one('ContinueAsNew:continuing');
  const first = runs.find((r) => r.spanContext().spanId === can.parentSpanContext?.spanId);
  const second = runs.find((r) => r !== first);
  expect(first?.parentSpanContext?.spanId).toBe(spans.one('StartWorkflow:continuing').spanContext().spanId);
  expect(second?.parentSpanContext?.spanId).toBe(can.spanContext().spanId);
  expect(first?.status.code).toBe(SpanStatusCode.OK);
});

it('traces signal-with-start and update-with-start into the workflow they start', async () => {
  const taskQueue = taskQueueFor('with-start');
  const w = await worker(taskQueue);
  const signalId = `sws-${taskQueue}`;
  const updateId = `uws-${taskQueue}`;
  await w.runUntil(async () => {
    const handle = await client.workflow.signalWithStart<typeof workflows.waiting, []>('waiting', {
      taskQueue,
      workflowId: signalId,
      signal: 'unblock',
    });
    await handle.result();
    const start = new WithStartWorkflowOperation<typeof workflows.waiting>('waiting', {
      taskQueue,
      workflowId: updateId,
      workflowIdConflictPolicy: 'FAIL',
    });
    const updated = await client.workflow.executeUpdateWithStart('setValue', {
      args: ['w'],
      startWorkflowOperation: start,
    });
    expect(updated).toBe('w');
    expect(await (await start.workflowHandle()).result()).toBe('w');
  });
  const sws = await spansOf([signalId], 'RunWorkflow:waiting');
  sws.expectChild('RunWorkflow:waiting', 'SignalWithStartWorkflow:waiting');
  sws.expectChild('HandleSignal:unblock', 'SignalWithStartWorkflow:waiting');
  const uws = await spansOf([updateId], 'RunWorkflow:waiting');
  uws.expectChild('RunWorkflow:waiting', 'UpdateWithStartWorkflow:setValue');
  uws.expectChild('HandleUpdate:setValue', 'UpdateWithStartWorkflow:setValue');
});

it('carries trace context through a payload codec: headers are not encoded', async () => {
  // The codec encodes arguments and results, not the `_tracer-data` header, as with the official worker: activities
  // read headers without decoding them.
  const codec = new SimplePlugin({ name: 'codec', dataConverter: { payloadCodecs: [new XorCodec()] } });
  const coded = await NativeConnection.connect({ address: server.address, plugins: [plugin, codec] });
  try {
    const taskQueue = taskQueueFor('codec');
    const workflowId = `coded-${taskQueue}`;
    const w = await Worker.create({ connection: coded, taskQueue, workflowsPath, activities, maxCachedWorkflows: 0 });
    const result = await w.runUntil(
      new Client({ connection: coded }).workflow.execute<typeof workflows.greeting>('greeting', {
        taskQueue,
        workflowId,
        args: ['codec'],
      }),
    );
    expect(result).toBe('Hello, codec!');
    const spans = await spansOf([workflowId], 'RunWorkflow:greeting');
    spans.expectChild('RunWorkflow:greeting', 'StartWorkflow:greeting');
    spans.expectChild('StartActivity:greet', 'RunWorkflow:greeting');
    spans.expectChild('RunActivity:greet', 'StartActivity:greet');
  } finally {
    await coded.close();
  }
});

it('keeps the spans of runs that share an isolate context apart when the built module is shared', async () => {
  // The published module (lib/) is evaluated once per isolate context and shared by the runs (its package.json
  // declares it); many runs at once in one context must still each get their own span tree.
  const workflowModule = require.resolve('../lib/workflow-interceptors');
  const bundle = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: [workflowModule] });
  expect(bundle.code).toMatch(/__kairosIsolateModule\(\{\n\s*"[^"]*lib\/workflow-interceptors\.js"/);
  const bare = await NativeConnection.connect({ address: server.address });
  try {
    const taskQueue = taskQueueFor('shared');
    const w = await Worker.create({
      connection: bare,
      taskQueue,
      workflowBundle: bundle,
      activities,
      interceptors: {
        activity: [
          (ctx) => ({
            inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: provider.getTracer('kairos-test') }),
          }),
        ],
      },
      sinks: { exporter: makeWorkflowExporter(processor, resource) },
      reuseV8Context: true,
      workflowThreadPoolSize: 1,
    });
    const workflowIds = Array.from({ length: 8 }, (_, i) => `shared-${i}-${taskQueue}`);
    const results = await w.runUntil(
      Promise.all(
        workflowIds.map((workflowId, i) =>
          client.workflow.execute<typeof workflows.greeting>('greeting', { taskQueue, workflowId, args: [`#${i}`] }),
        ),
      ),
    );
    expect(results).toEqual(workflowIds.map((_, i) => `Hello, #${i}!`));
    for (const workflowId of workflowIds) {
      const spans = await spansOf([workflowId], 'RunActivity:greet');
      spans.expectChild('RunWorkflow:greeting', 'StartWorkflow:greeting');
      spans.expectChild('StartActivity:greet', 'RunWorkflow:greeting');
      spans.expectChild('RunActivity:greet', 'StartActivity:greet');
    }
  } finally {
    await bare.close();
  }
});
