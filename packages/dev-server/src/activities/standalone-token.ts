// Task tokens of standalone activity attempts. They share the field layout of the workflow activity tokens
// (history/task-token.ts: namespace id in field 1, activity id in field 6, attempt in field 5, this server's task
// sequence in field 1000) and add the activity's run id in a field of their own, which is how an activity RPC
// (RespondActivityTaskCompleted, RecordActivityTaskHeartbeat, ...) tells a standalone attempt from one of a workflow.
import { Reader, Writer } from 'protobufjs/minimal';

/** What a standalone activity task token identifies. */
export interface StandaloneToken {
  namespaceId: string;
  activityId: string;
  runId: string;
  attempt: number;
  seq: number;
}

const FIELD = { namespaceId: 1, attempt: 5, activityId: 6, seq: 1000, runId: 1001 } as const;

export function encodeStandaloneToken(t: StandaloneToken): Buffer {
  const w = Writer.create();
  w.uint32((FIELD.namespaceId << 3) | 2).string(t.namespaceId);
  w.uint32(FIELD.attempt << 3).int64(t.attempt);
  w.uint32((FIELD.activityId << 3) | 2).string(t.activityId);
  w.uint32(FIELD.seq << 3).int64(t.seq);
  w.uint32((FIELD.runId << 3) | 2).string(t.runId);
  return Buffer.from(w.finish());
}

/**
 * The standalone attempt a token names, or undefined when the token is not a standalone one (a workflow activity
 * token, or bytes that are not a token at all: the workflow path reports those).
 */
export function decodeStandaloneToken(bytes: Uint8Array | null | undefined): StandaloneToken | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  const fields = new Map<number, string | number>();
  try {
    const r = Reader.create(bytes);
    while (r.pos < r.len) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire === 0) {
        const v = r.int64() as unknown as number | { toNumber(): number };
        fields.set(field, typeof v === 'number' ? v : v.toNumber());
      } else if (wire === 2) {
        fields.set(field, Buffer.from(r.bytes()).toString('utf8'));
      } else r.skipType(wire);
    }
  } catch {
    return undefined;
  }
  const runId = fields.get(FIELD.runId);
  if (typeof runId !== 'string' || !runId) return undefined;
  const str = (n: number) => (typeof fields.get(n) === 'string' ? (fields.get(n) as string) : '');
  const int = (n: number) => (typeof fields.get(n) === 'number' ? (fields.get(n) as number) : 0);
  return {
    namespaceId: str(FIELD.namespaceId),
    activityId: str(FIELD.activityId),
    runId,
    attempt: int(FIELD.attempt),
    seq: int(FIELD.seq),
  };
}
