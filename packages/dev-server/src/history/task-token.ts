import { invalidArgument } from '../frontend/errors';

/** What a task token identifies. Opaque to clients; JSON inside. */
export type TaskToken =
  | { k: 'w'; ns: string; wid: string; rid: string; seq: number }
  | { k: 'a'; ns: string; wid: string; rid: string; sid: number; seq: number }
  | { k: 'q'; ns: string; id: string };

export function encodeTaskToken(token: TaskToken): Buffer {
  return Buffer.from(JSON.stringify(token));
}

export function decodeTaskToken(bytes: Uint8Array | null | undefined): TaskToken {
  if (!bytes || bytes.length === 0) throw invalidArgument('task_token is not set');
  try {
    const t = JSON.parse(Buffer.from(bytes).toString()) as TaskToken;
    if (t && (t.k === 'w' || t.k === 'a' || t.k === 'q')) return t;
  } catch {
    // fall through
  }
  throw invalidArgument('task_token is malformed');
}
