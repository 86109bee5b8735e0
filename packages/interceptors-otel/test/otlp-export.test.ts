import * as path from 'node:path';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client } from '@kairos/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@kairos/worker';
import { OpenTelemetryPlugin } from '../src';
import { startTestServer, type TestServer, taskQueueFor } from '../../plugin/test/helpers/test-server';
import { type CollectedSpan, CollectorStub } from './helpers/collector-stub';
import type * as workflows from './fixtures/workflows';

jest.setTimeout(60_000);

let server: TestServer;
let collector: CollectorStub;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  server = await startTestServer();
  collector = await CollectorStub.start();
});
afterAll(async () => {
  await collector?.stop();
  await server?.stop();
});

/** The one collected span named `name`. */
function one(spans: CollectedSpan[], name: string): CollectedSpan {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one span ${name}, found ${found.length}: ${spans.map((s) => s.name).join(', ')}`);
  }
  return found[0];
}

it('exports client, workflow and activity spans over OTLP/HTTP to a collector, parents intact', async () => {
  const resource = resourceFromAttributes({ 'service.name': 'kairos-otlp-test' });
  // What an application runs in production: a batching processor around the OTLP/HTTP exporter. It sends a batch
  // every 5 s or when 512 spans are queued, so the test flushes it (an application shuts its provider down).
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: collector.tracesUrl }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  const plugin = new OpenTelemetryPlugin({ resource, spanProcessor: processor, tracer: provider.getTracer('otlp') });
  const connection = await NativeConnection.connect({ address: server.address, plugins: [plugin] });
  const taskQueue = taskQueueFor('otlp');
  const workflowId = `otlp-${taskQueue}`;
  try {
    const client = new Client({ connection });
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: path.join(__dirname, 'fixtures', 'workflows.ts'),
      activities: { greet: async (name: string) => `Hello, ${name}!` },
    });
    const result = await worker.runUntil(
      client.workflow.execute<typeof workflows.greeting>('greeting', { taskQueue, workflowId, args: ['OTLP'] }),
    );
    expect(result).toBe('Hello, OTLP!');
    // Every span has ended by now (workflow spans leave the isolate before the task that ends them completes).
    await provider.forceFlush();
  } finally {
    await connection.close();
    await provider.shutdown();
  }

  expect(collector.requests.map((r) => [r.method, r.url, r.contentType])).toContainEqual([
    'POST',
    '/v1/traces',
    'application/json',
  ]);
  const start = one(collector.spans, 'StartWorkflow:greeting');
  const trace = collector.spans.filter((s) => s.traceId === start.traceId);
  expect(trace.map((s) => s.name).sort()).toEqual(
    ['StartWorkflow:greeting', 'RunWorkflow:greeting', 'StartActivity:greet', 'RunActivity:greet'].sort(),
  );
  const parentOf = (name: string) => one(trace, name).parentSpanId;
  const idOf = (name: string) => one(trace, name).spanId;
  expect(start.parentSpanId).toBeUndefined();
  expect(parentOf('RunWorkflow:greeting')).toBe(idOf('StartWorkflow:greeting'));
  expect(parentOf('StartActivity:greet')).toBe(idOf('RunWorkflow:greeting'));
  expect(parentOf('RunActivity:greet')).toBe(idOf('StartActivity:greet'));
  // Workflow spans made in the isolate arrive with the plugin's resource and the run's ids, like the others.
  expect(trace.map((s) => s.serviceName)).toEqual(trace.map(() => 'kairos-otlp-test'));
  expect(one(trace, 'RunWorkflow:greeting').attributes).toMatchObject({ temporalWorkflowId: workflowId });
  expect(one(trace, 'RunActivity:greet').attributes).toMatchObject({
    temporalWorkflowId: workflowId,
    temporalActivityId: '1',
  });
});
