import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { fromProto3JSON, toProto3JSON, temporal, Proto3JSONError, type JSONValue } from '../src';

const GEN_HISTORY = path.join(__dirname, '..', '..', '..', 'tools', 'gen-timer-history.js');

function generatedHistory(timers: number): { [key: string]: JSONValue } {
  return JSON.parse(execFileSync(process.execPath, [GEN_HISTORY, String(timers)], { encoding: 'utf8' }));
}

/** Same document modulo the spellings proto3 JSON allows for one value (".000Z" vs "Z"). */
function normalise(doc: unknown): unknown {
  return JSON.parse(JSON.stringify(doc).replace(/\.000Z"/g, 'Z"'));
}

describe('proto3 JSON of histories', () => {
  it('parses an exported history into generated classes with decoded enums, durations and payloads', () => {
    const history = fromProto3JSON<temporal.api.history.v1.History>(
      'temporal.api.history.v1.History',
      generatedHistory(3),
    );
    expect(history).toBeInstanceOf(temporal.api.history.v1.History);
    expect(history.events).toHaveLength(20);
    const started = history.events[0];
    expect(started.eventType).toBe(temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
    expect(Number(started.eventId)).toBe(1);
    const attrs = started.workflowExecutionStartedEventAttributes!;
    expect(Number(attrs.workflowTaskTimeout!.seconds)).toBe(10);
    expect(attrs.taskQueue!.kind).toBe(temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL);
    const payload = attrs.input!.payloads![0];
    expect(Buffer.from(payload.metadata!.encoding).toString()).toBe('json/plain');
    expect(Buffer.from(payload.data!).toString()).toBe('3');
    expect(Number(started.eventTime!.seconds) * 1000).toBe(Date.parse('2026-01-01T00:00:00Z'));
  });

  it('prints a parsed history back to the same JSON document', () => {
    const doc = generatedHistory(3);
    const history = fromProto3JSON('temporal.api.history.v1.History', doc);
    expect(normalise(toProto3JSON('temporal.api.history.v1.History', history as object))).toEqual(normalise(doc));
  });

  it('survives a binary round trip between JSON parse and print', () => {
    const doc = generatedHistory(2);
    const parsed = fromProto3JSON<temporal.api.history.v1.History>('temporal.api.history.v1.History', doc);
    const bytes = temporal.api.history.v1.History.encode(parsed).finish();
    const decoded = temporal.api.history.v1.History.decode(bytes);
    expect(normalise(toProto3JSON('temporal.api.history.v1.History', decoded))).toEqual(normalise(doc));
  });

  it('accepts the short PascalCase enum spellings and snake_case field names of older exports', () => {
    const event = fromProto3JSON<temporal.api.history.v1.HistoryEvent>('temporal.api.history.v1.HistoryEvent', {
      event_id: '7',
      eventType: 'TimerStarted',
      timerStartedEventAttributes: { timerId: '1', startToFireTimeout: '1.500s', workflow_task_completed_event_id: 4 },
    });
    expect(event.eventType).toBe(temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_STARTED);
    expect(Number(event.eventId)).toBe(7);
    expect(Number(event.timerStartedEventAttributes!.startToFireTimeout!.seconds)).toBe(1);
    expect(event.timerStartedEventAttributes!.startToFireTimeout!.nanos).toBe(500_000_000);
    expect(toProto3JSON('temporal.api.history.v1.HistoryEvent', event)).toEqual({
      eventId: '7',
      eventType: 'EVENT_TYPE_TIMER_STARTED',
      timerStartedEventAttributes: { timerId: '1', startToFireTimeout: '1.500s', workflowTaskCompletedEventId: '4' },
    });
  });

  it('omits proto3 default values when printing', () => {
    const msg = temporal.api.common.v1.WorkflowExecution.create({ workflowId: 'wf', runId: '' });
    expect(toProto3JSON('temporal.api.common.v1.WorkflowExecution', msg)).toEqual({ workflowId: 'wf' });
  });

  it('names the JSON path and the value when a document does not fit the schema', () => {
    expect(() =>
      fromProto3JSON('temporal.api.history.v1.History', { events: [{ eventId: '1', eventType: 'NoSuchEvent' }] }),
    ).toThrow(
      new Proto3JSONError(
        '$.events[0].eventType: invalid value "NoSuchEvent" for enum temporal.api.enums.v1.EventType',
      ),
    );
    expect(() => fromProto3JSON('temporal.api.history.v1.History', { evnts: [] })).toThrow(
      '$.evnts: temporal.api.history.v1.History has no field named "evnts"',
    );
    expect(() =>
      fromProto3JSON('temporal.api.history.v1.HistoryEvent', {
        timerStartedEventAttributes: { startToFireTimeout: '5 minutes' },
      }),
    ).toThrow('$.timerStartedEventAttributes.startToFireTimeout: invalid duration "5 minutes"');
  });

  it('prints google.protobuf.Any with its type URL and the inner message fields', () => {
    const inner = temporal.api.errordetails.v1.NotFoundFailure.encode({ currentCluster: 'active' }).finish();
    const status = {
      code: 5,
      message: 'not found',
      details: [{ typeUrl: 'type.googleapis.com/temporal.api.errordetails.v1.NotFoundFailure', value: inner }],
    };
    const json = toProto3JSON('google.rpc.Status', status);
    expect(json).toEqual({
      code: 5,
      message: 'not found',
      details: [
        { '@type': 'type.googleapis.com/temporal.api.errordetails.v1.NotFoundFailure', currentCluster: 'active' },
      ],
    });
    const back = fromProto3JSON<{ details: { typeUrl: string; value: Uint8Array }[] }>('google.rpc.Status', json);
    expect(temporal.api.errordetails.v1.NotFoundFailure.decode(back.details[0].value).currentCluster).toBe('active');
  });
});
