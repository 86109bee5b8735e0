import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { defaultPayloadConverter, type Payload } from '@kairos/common';
import type { temporal } from '@kairos/proto';
import { TestWorkflowEnvironment } from '@kairos/testing';
import { DefaultLogger, Runtime } from '@kairos/worker';
import { run } from '../src/client';
import { EncryptionCodec } from '../src/encryption-codec';
import { createEncryptionPlugin, createTracingPlugin } from '../src/plugins';
import { spanTree } from '../src/span-tree';
import { createWorker } from '../src/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });

const SSN = '078-05-1120';
const taskQueue = 'test-plugins-tracing-encryption';
const workflowId = 'test-register-patient';
const spans = new InMemorySpanExporter();
const tracing = createTracingPlugin(new SimpleSpanProcessor(spans));

let env: TestWorkflowEnvironment;
let result: string;
beforeAll(async () => {
  // The plugins go to the environment's connections: its client and the worker built on its native connection.
  env = await TestWorkflowEnvironment.createLocal({ plugins: [tracing.plugin, createEncryptionPlugin()] });
  const worker = await createWorker(env.nativeConnection, taskQueue);
  result = await worker.runUntil(run(env.client, taskQueue, workflowId));
});
afterAll(async () => {
  await env?.teardown();
  await tracing.provider.shutdown();
});

test('the workflow registers the patient through the activity', () => {
  expect(result).toBe('Registered Ada Lovelace as record-1120');
});

test('every payload in the history is encrypted', async () => {
  const { events } = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const payloadsOf = (p: temporal.api.common.v1.IPayloads | null | undefined) => (p?.payloads ?? []) as Payload[];
  const payloads = (events ?? []).flatMap((e) => [
    ...payloadsOf(e.workflowExecutionStartedEventAttributes?.input),
    ...payloadsOf(e.activityTaskScheduledEventAttributes?.input),
    ...payloadsOf(e.activityTaskCompletedEventAttributes?.result),
    ...payloadsOf(e.workflowExecutionCompletedEventAttributes?.result),
  ]);
  // The patient goes in twice (workflow and activity input), the record id and the confirmation come out.
  expect(payloads).toHaveLength(4);
  for (const payload of payloads) {
    expect(new TextDecoder().decode(payload.metadata?.encoding)).toBe('binary/encrypted');
    expect(new TextDecoder().decode(payload.metadata?.['encryption-key-id'])).toBe('key-1');
    expect(Buffer.from(payload.data ?? []).includes(SSN)).toBe(false);
  }
  // The key turns them back into the values.
  const codec = new EncryptionCodec(new Map([['key-1', Buffer.from('ab'.repeat(32), 'hex')]]), 'key-1');
  const values = (await codec.decode(payloads)).map((p) => defaultPayloadConverter.fromPayload(p));
  expect(values).toEqual([
    { name: 'Ada Lovelace', ssn: SSN },
    { name: 'Ada Lovelace', ssn: SSN },
    'record-1120',
    'Registered Ada Lovelace as record-1120',
  ]);
});

test('one trace goes from the client through the workflow to the activity', () => {
  const finished = spans.getFinishedSpans();
  expect(spanTree(finished)).toEqual([
    'StartWorkflow:registerPatient',
    '  RunWorkflow:registerPatient',
    '    StartActivity:storeRecord',
    '      RunActivity:storeRecord',
  ]);
  expect(new Set(finished.map((s) => s.spanContext().traceId)).size).toBe(1);
  const byName = new Map(finished.map((s) => [s.name, s]));
  const parentOf = (name: string) => byName.get(name)?.parentSpanContext?.spanId;
  const idOf = (name: string) => byName.get(name)?.spanContext().spanId;
  expect(parentOf('StartWorkflow:registerPatient')).toBeUndefined();
  expect(parentOf('RunWorkflow:registerPatient')).toBe(idOf('StartWorkflow:registerPatient'));
  expect(parentOf('StartActivity:storeRecord')).toBe(idOf('RunWorkflow:registerPatient'));
  expect(parentOf('RunActivity:storeRecord')).toBe(idOf('StartActivity:storeRecord'));
  expect(byName.get('RunWorkflow:registerPatient')?.attributes).toMatchObject({ temporalWorkflowId: workflowId });
});
