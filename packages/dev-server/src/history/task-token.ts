// Task tokens, laid out as the real server lays out its own (protobuf: namespace id, workflow id, run id, scheduled
// event id, attempt, activity id, workflow and activity type), so that a well-formed token made for the real server
// reaches the same answers here: NOT_FOUND for an unknown namespace, run or activity, rather than a malformed
// token. What this server adds (which attempt of a task a token was issued for) sits in a field of its own.
import { Reader, Writer } from 'protobufjs/minimal';
import { invalidArgument } from '../errors';

/** What a task token identifies. */
export type TaskToken =
  | { k: 'w'; nsId: string; wid: string; rid: string; sid: number; attempt: number; seq: number; type: string }
  | {
      k: 'a';
      nsId: string;
      wid: string;
      rid: string;
      sid: number;
      attempt: number;
      seq: number;
      activityId: string;
      type: string;
      activityType: string;
    }
  | { k: 'q'; nsId: string; taskQueue: string; id: string };

/** The field holding this server's task sequence number (the real server's tokens do not use it). */
const SEQ_FIELD = 1000;

const TASK = { namespaceId: 1, workflowId: 2, runId: 3, scheduledEventId: 4, attempt: 5, activityId: 6 } as const;
const TASK_WORKFLOW_TYPE = 7;
const TASK_ACTIVITY_TYPE = 8;
const QUERY_TASK = { namespaceId: 1, taskQueue: 2, taskId: 3 } as const;

function str(w: Writer, field: number, value: string): void {
  if (value) w.uint32((field << 3) | 2).string(value);
}

function int(w: Writer, field: number, value: number): void {
  if (value) w.uint32(field << 3).int64(value);
}

export function encodeTaskToken(token: TaskToken): Buffer {
  const w = Writer.create();
  if (token.k === 'q') {
    str(w, QUERY_TASK.namespaceId, token.nsId);
    str(w, QUERY_TASK.taskQueue, token.taskQueue);
    str(w, QUERY_TASK.taskId, token.id);
  } else {
    str(w, TASK.namespaceId, token.nsId);
    str(w, TASK.workflowId, token.wid);
    str(w, TASK.runId, token.rid);
    int(w, TASK.scheduledEventId, token.sid);
    int(w, TASK.attempt, token.attempt);
    if (token.k === 'a') str(w, TASK.activityId, token.activityId);
    str(w, TASK_WORKFLOW_TYPE, token.type);
    if (token.k === 'a') str(w, TASK_ACTIVITY_TYPE, token.activityType);
    int(w, SEQ_FIELD, token.seq);
  }
  return Buffer.from(w.finish());
}

/** The fields of a token, by number (strings and integers); INVALID_ARGUMENT if it is not a protobuf message. */
function readFields(bytes: Uint8Array): Map<number, string | number> {
  const fields = new Map<number, string | number>();
  try {
    const r = Reader.create(bytes);
    while (r.pos < r.len) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 0) throw new Error('field 0');
      if (wire === 0) {
        const v = r.int64() as unknown as number | { toNumber(): number };
        fields.set(field, typeof v === 'number' ? v : v.toNumber());
      } else if (wire === 2) {
        const start = r.pos;
        const b = r.bytes();
        const text = Buffer.from(b).toString('utf8');
        if (!Buffer.from(text, 'utf8').equals(Buffer.from(b))) throw new Error(`field ${field} at ${start}`);
        fields.set(field, text);
      } else r.skipType(wire);
    }
  } catch {
    throw invalidArgument('Error deserializing task token.');
  }
  return fields;
}

/** Decodes a workflow or activity task token (the real server's `Task` layout). */
export function decodeTaskToken<K extends 'w' | 'a'>(
  bytes: Uint8Array | null | undefined,
  kind: K,
): Extract<TaskToken, { k: K }> {
  if (!bytes || bytes.length === 0) throw invalidArgument('Task token not set on request.');
  const f = readFields(bytes);
  const s = (n: number) => (typeof f.get(n) === 'string' ? (f.get(n) as string) : '');
  const i = (n: number) => (typeof f.get(n) === 'number' ? (f.get(n) as number) : 0);
  const base = {
    nsId: s(TASK.namespaceId),
    wid: s(TASK.workflowId),
    rid: s(TASK.runId),
    sid: i(TASK.scheduledEventId),
    attempt: i(TASK.attempt),
    seq: i(SEQ_FIELD),
    type: s(TASK_WORKFLOW_TYPE),
  };
  const token: TaskToken =
    kind === 'w'
      ? { k: 'w', ...base }
      : { k: 'a', ...base, activityId: s(TASK.activityId), activityType: s(TASK_ACTIVITY_TYPE) };
  return token as Extract<TaskToken, { k: K }>;
}

/** Decodes a query task token (the real server's `QueryTask` layout). */
export function decodeQueryTaskToken(bytes: Uint8Array | null | undefined): TaskToken & { k: 'q' } {
  if (!bytes || bytes.length === 0) throw invalidArgument('Task token not set on request.');
  const f = readFields(bytes);
  const s = (n: number) => (typeof f.get(n) === 'string' ? (f.get(n) as string) : '');
  return { k: 'q', nsId: s(QUERY_TASK.namespaceId), taskQueue: s(QUERY_TASK.taskQueue), id: s(QUERY_TASK.taskId) };
}
