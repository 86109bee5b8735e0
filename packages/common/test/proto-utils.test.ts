import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as officialProtoUtils from '@temporalio/common/lib/proto-utils';
import * as officialProto from '@temporalio/proto';
import { temporal } from '@kairos/proto';
import { historyFromJSON, historyToJSON, JSONToPayload, payloadToJSON } from '../src/proto-utils';

const GENERATOR = path.join(__dirname, '..', '..', '..', 'tools', 'gen-timer-history.js');

function generateHistory(timers: number): string {
  return execFileSync(process.execPath, [GENERATOR, String(timers)], { encoding: 'utf8' });
}

function historyBytes(history: temporal.api.history.v1.IHistory): Buffer {
  return Buffer.from(temporal.api.history.v1.History.encode(history).finish());
}

const timerHistoryJSON = generateHistory(3);

describe('historyFromJSON', () => {
  test('parses the 20 events of a three-timer history exported as JSON text', () => {
    const history = historyFromJSON(timerHistoryJSON);
    expect(history.events).toHaveLength(20);
    const types = history.events!.map((event) => temporal.api.enums.v1.EventType[event.eventType!]);
    expect(types[0]).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
    expect(types.filter((type) => type === 'EVENT_TYPE_TIMER_FIRED')).toHaveLength(3);
    expect(types[19]).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
    expect(started.workflowType?.name).toBe('timerLoop');
    expect(Buffer.from(started.input!.payloads![0]!.data!).toString()).toBe('3');
    expect(Number(history.events![4]!.timerStartedEventAttributes!.startToFireTimeout!.seconds)).toBe(1);
  });

  test('accepts the parsed object as well as the text', () => {
    const fromText = historyFromJSON(timerHistoryJSON);
    const fromObject = historyFromJSON(JSON.parse(timerHistoryJSON));
    expect(historyBytes(fromObject).equals(historyBytes(fromText))).toBe(true);
  });

  test('produces the same history bytes as the official historyFromJSON', () => {
    const ours = historyFromJSON(JSON.parse(timerHistoryJSON));
    const theirs = officialProtoUtils.historyFromJSON(JSON.parse(timerHistoryJSON));
    const theirBytes = Buffer.from(officialProto.temporal.api.history.v1.History.encode(theirs).finish());
    expect(historyBytes(ours).equals(theirBytes)).toBe(true);
  });

  test('round trips through historyToJSON', () => {
    const history = historyFromJSON(timerHistoryJSON);
    const json = historyToJSON(history);
    expect(json).toContain('\n  "events": [');
    const again = historyFromJSON(json);
    expect(again.events).toHaveLength(20);
    expect(historyBytes(again).equals(historyBytes(history))).toBe(true);
  });

  test('writes JSON the official historyFromJSON reads back to the same history', () => {
    const history = historyFromJSON(timerHistoryJSON);
    const theirs = officialProtoUtils.historyFromJSON(JSON.parse(historyToJSON(history)));
    const theirBytes = Buffer.from(officialProto.temporal.api.history.v1.History.encode(theirs).finish());
    expect(theirBytes.equals(historyBytes(history))).toBe(true);
  });

  test('accepts the PascalCase enum spellings of older exports', () => {
    const modern = JSON.parse(timerHistoryJSON);
    const older = JSON.parse(
      timerHistoryJSON
        .replace(/"EVENT_TYPE_([A-Z_]+)"/g, (_, name: string) => `"${toPascalCase(name)}"`)
        .replace(/"TASK_QUEUE_KIND_NORMAL"/g, '"Normal"'),
    );
    expect(older.events[0].eventType).toBe('WorkflowExecutionStarted');
    expect(historyBytes(historyFromJSON(older)).equals(historyBytes(historyFromJSON(modern)))).toBe(true);
  });

  test('ignores fields it does not know, as histories from newer servers have them', () => {
    const history = JSON.parse(timerHistoryJSON);
    history.events[0].someFutureField = { nested: true };
    history.events[0].workflowExecutionStartedEventAttributes.anotherNewField = 'x';
    history.events[0].workflowExecutionStartedEventAttributes.taskQueue.futureFlag = true;
    const expected = historyFromJSON(timerHistoryJSON);
    expect(historyBytes(historyFromJSON(history)).equals(historyBytes(expected))).toBe(true);
  });

  test('rejects input that is not a history', () => {
    expect(() => historyFromJSON({})).toThrow(
      new TypeError('Invalid history, expected an object with an array of events'),
    );
    expect(() => historyFromJSON('null')).toThrow(TypeError);
    expect(() => historyFromJSON({ events: [{ eventId: '1' }] })).toThrow(/Missing attributes in history event/);
  });

  test('names the path of a value that does not fit the schema', () => {
    const history = JSON.parse(timerHistoryJSON);
    history.events[1].workflowTaskScheduledEventAttributes.attempt = 'first';
    expect(() => historyFromJSON(history)).toThrow(/events\[1\]\.workflowTaskScheduledEventAttributes\.attempt/);
  });
});

describe('payload JSON', () => {
  const payload = {
    metadata: { encoding: new TextEncoder().encode('json/plain'), custom: new Uint8Array([0, 255]) },
    data: new TextEncoder().encode('{"hello":"wörld"}'),
  };

  test('payloadToJSON writes base64 metadata and data like the official SDK', () => {
    const json = payloadToJSON(payload);
    expect(json).toEqual({
      metadata: { encoding: Buffer.from('json/plain').toString('base64'), custom: 'AP8=' },
      data: Buffer.from('{"hello":"wörld"}').toString('base64'),
    });
    expect(json).toEqual(officialProtoUtils.payloadToJSON(payload));
  });

  test('JSONToPayload reads it back, including JSON written by the official SDK', () => {
    const back = JSONToPayload(officialProtoUtils.payloadToJSON(payload));
    expect(Buffer.from(back.data!).toString()).toBe('{"hello":"wörld"}');
    expect([...back.metadata!.custom!]).toEqual([0, 255]);
    expect(JSONToPayload(payloadToJSON(payload))).toEqual(JSONToPayload(officialProtoUtils.payloadToJSON(payload)));
  });

  test('JSONToPayload ignores unknown fields', () => {
    const json = { ...payloadToJSON(payload), futureField: 1 } as unknown as Parameters<typeof JSONToPayload>[0];
    expect(Buffer.from(JSONToPayload(json).data!).toString()).toBe('{"hello":"wörld"}');
  });
});

function toPascalCase(screaming: string): string {
  return screaming
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
