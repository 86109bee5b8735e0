// How requests are read off the wire, with the real server's answers for what it cannot read: a message over the
// 4 MiB receive limit is RESOURCE_EXHAUSTED (refused from its length prefix, before its bytes are read), and a
// request that is not valid protobuf, holds a string that is not UTF-8, or nests messages deeper than the real
// server's recursion limit is INTERNAL, worded as the real server words it.
import { isUtf8 } from 'node:buffer';
import { Reader } from 'protobufjs/minimal';
import { staticClassFor } from '../internal/proto';
import { WireField, wireType, WireType } from './wire-schema';

/** The largest request the real server reads (gRPC's default receive limit). */
export const MAX_RECEIVE_MESSAGE_BYTES = 4 * 1024 * 1024;

/** How deep messages may nest in a request (the request itself is depth 0), as on the real server. */
export const MAX_MESSAGE_DEPTH = 10_000;

/** A request that could not be read; the handler answers INTERNAL with `message`. */
export class UnreadableRequest {
  constructor(readonly message: string) {}
}

const PREFIX = 'grpc: error unmarshalling request: ';
// The real server's protobuf library writes a no-break space after `proto:` (so that nobody matches on its text);
// matching it here keeps answers identical.
const INVALID_WIRE = `${PREFIX}proto:\u00a0cannot parse invalid wire-format data`;
const INVALID_UTF8 = `${PREFIX}string field contains invalid UTF-8`;
const TOO_DEEP = `${PREFIX}proto:\u00a0exceeded maximum recursion depth`;

let reworded = false;

/**
 * Words grpc-js's refusal of an oversized message as the real server (grpc-go) words it: `grpc: received message
 * larger than max (N vs. 4194304)`. grpc-js refuses it from the length prefix, before reading it, and sends the
 * status itself, below any interceptor, so its decoder's error is reworded where it is raised.
 */
export function rewordOversizedMessageErrors(): void {
  if (reworded) return;
  reworded = true;
  let decoderModule: { StreamDecoder?: { prototype: { write(data: Buffer): Buffer[] } } };
  try {
    decoderModule = require('@grpc/grpc-js/build/src/stream-decoder');
  } catch {
    return; // another grpc-js layout: its own wording stays
  }
  const proto = decoderModule.StreamDecoder?.prototype;
  if (!proto) return;
  const write = proto.write;
  proto.write = function (this: unknown, data: Buffer): Buffer[] {
    try {
      return write.call(this, data);
    } catch (err) {
      const m = /^Received message larger than max \((\d+) vs (\d+)\)$/.exec((err as Error).message);
      if (m) throw new Error(`grpc: received message larger than max (${m[1]} vs. ${m[2]})`);
      throw err;
    }
  };
}

interface Frame {
  type: WireType | undefined;
  /** For a map entry: the key and value types (scalar names or a message type). */
  map?: { keyType: string; valueType: WireType | string };
  end: number;
  depth: number;
  /** Where the field holding this message starts (its tag), where the message itself starts, and its field. */
  tagStart: number;
  start: number;
  field?: WireField;
  parent: number;
  /** How deep the messages below this one go (0 for a message holding none). */
  height: number;
}

/** The messages of a request as its wire format nests them (the request itself first), with their heights. */
export interface WireLayout {
  depth: number;
  frames: Frame[];
}

/**
 * Walks a request's wire format without recursion, checking what protobufjs does not: every string is UTF-8 and
 * nesting stays within the limit. Returns the problem as the real server words it, or the deepest nesting found.
 */
export function checkWireFormat(type: WireType, bytes: Uint8Array): { error: string } | WireLayout {
  const reader = Reader.create(bytes);
  const frames: Frame[] = [{ type, end: bytes.length, depth: 0, tagStart: 0, start: 0, parent: -1, height: 0 }];
  const stack: number[] = [0];
  let maxDepth = 0;
  try {
    while (stack.length > 0) {
      const index = stack[stack.length - 1];
      const frame = frames[index];
      if (reader.pos >= frame.end) {
        if (reader.pos > frame.end) return { error: INVALID_WIRE };
        stack.pop();
        if (frame.parent >= 0) frames[frame.parent].height = Math.max(frames[frame.parent].height, frame.height + 1);
        continue;
      }
      const tagStart = reader.pos;
      const tag = reader.uint32();
      const id = tag >>> 3;
      const wire = tag & 7;
      if (id === 0 || wire === 6 || wire === 7) return { error: INVALID_WIRE };
      let fieldType: WireType | string | undefined;
      let map: Frame['map'];
      let field: WireField | undefined;
      if (frame.map) {
        fieldType = id === 1 ? frame.map.keyType : id === 2 ? frame.map.valueType : undefined;
      } else {
        field = frame.type?.fieldsById.get(id);
        if (field) {
          const resolved = field.message ? wireType(field.type) : undefined;
          if (field.keyType) map = { keyType: field.keyType, valueType: resolved ?? field.type };
          fieldType = resolved ?? field.type;
        }
      }
      if (wire !== 2) {
        reader.skipType(wire);
        if (reader.pos > frame.end) return { error: INVALID_WIRE };
        continue;
      }
      const length = reader.uint32();
      const start = reader.pos;
      if (start + length > frame.end) return { error: INVALID_WIRE };
      if (map || typeof fieldType === 'object') {
        const depth = frame.depth + 1;
        if (depth >= MAX_MESSAGE_DEPTH) return { error: TOO_DEEP };
        if (depth > maxDepth) maxDepth = depth;
        frames.push({
          type: map ? undefined : (fieldType as WireType),
          map,
          end: start + length,
          depth,
          tagStart,
          start,
          field,
          parent: index,
          height: 0,
        });
        stack.push(frames.length - 1);
        continue;
      }
      if (fieldType === 'string' && !isUtf8(bytes.subarray(start, start + length))) return { error: INVALID_UTF8 };
      reader.pos = start + length;
    }
  } catch {
    return { error: INVALID_WIRE };
  }
  return { depth: maxDepth, frames };
}

/** Nesting protobufjs decodes (its limit is 100); deeper requests are decoded a piece at a time. */
const PROTOBUFJS_DEPTH = 90;
/** How deep the pieces of a deeper request go (the JS stack would give out before 5000 levels). */
const SHALLOW_DEPTH = 48;

/**
 * Decodes a request nested deeper than protobufjs decodes in one go, without recursion: each message is decoded
 * with the messages below it that go deep cut out (by their bytes), and those are decoded in turn and put back.
 */
function decodeDeep(bytes: Uint8Array, layout: WireLayout): unknown {
  const { frames } = layout;
  const children = new Map<number, number[]>();
  frames.forEach((f, i) => {
    if (f.parent >= 0 && f.height >= SHALLOW_DEPTH && f.field && !f.field.keyType && f.type) {
      const list = children.get(f.parent) ?? [];
      list.push(i);
      children.set(f.parent, list);
    }
  });
  let root: unknown;
  const work: Array<{ frame: number; assign: (v: unknown) => void }> = [{ frame: 0, assign: (v) => (root = v) }];
  while (work.length > 0) {
    const { frame, assign } = work.pop()!;
    const f = frames[frame];
    const cut = children.get(frame) ?? [];
    // The message's bytes without the fields of the deep messages below it.
    const parts: Uint8Array[] = [];
    let at = f.start;
    for (const c of cut) {
      parts.push(bytes.subarray(at, frames[c].tagStart));
      at = frames[c].end;
    }
    parts.push(bytes.subarray(at, f.end));
    const codec = staticClassFor(f.type!.fullName) as unknown as {
      decode(b: Uint8Array): Record<string, unknown>;
    };
    const message = codec.decode(Buffer.concat(parts));
    assign(message);
    for (const c of cut) {
      const field = frames[c].field!;
      work.push({
        frame: c,
        assign: field.repeated
          ? (v) => {
              const list = (message[field.name] as unknown[] | undefined) ?? [];
              list.push(v);
              message[field.name] = list;
            }
          : (v) => (message[field.name] = v),
      });
    }
  }
  return root;
}

/** The longest failure cause chain the server keeps; deeper causes are summed up in the last one. */
const MAX_KEPT_CAUSES = 64;

/**
 * Shortens failure cause chains longer than the server keeps (the rest of the server walks messages recursively):
 * the last cause kept says how many were dropped. Without recursion, so any depth will do.
 */
function shortenCauseChains(message: unknown): void {
  const stack: unknown[] = [message];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v) || ArrayBuffer.isView(v)) continue;
    seen.add(v);
    const o = v as Record<string, unknown>;
    if (o.cause && typeof o.cause === 'object') {
      let last = o;
      let kept = 0;
      while (kept < MAX_KEPT_CAUSES && last.cause && typeof last.cause === 'object') {
        last = last.cause as Record<string, unknown>;
        kept++;
      }
      let dropped = 0;
      for (let x = last.cause as Record<string, unknown> | undefined; x; x = x.cause as typeof x) dropped++;
      if (dropped > 0) {
        last.cause = { message: `${dropped} deeper causes were dropped by the Kairos dev server` };
      }
    }
    for (const child of Object.values(o)) stack.push(child);
  }
}

/** Decodes a request, or describes why it cannot be read. */
export function decodeRequest(type: WireType, decode: (bytes: Uint8Array) => unknown, bytes: Uint8Array): unknown {
  const checked = checkWireFormat(type, bytes);
  if ('error' in checked) return new UnreadableRequest(checked.error);
  try {
    if (checked.depth >= PROTOBUFJS_DEPTH) {
      const message = decodeDeep(bytes, checked);
      shortenCauseChains(message);
      return message;
    }
    return decode(bytes);
  } catch (err) {
    // Deeper than protobufjs decodes (its recursion limit, or the JS stack): refused as too deep.
    if (err instanceof RangeError || /max depth exceeded/.test((err as Error).message)) {
      return new UnreadableRequest(TOO_DEEP);
    }
    return new UnreadableRequest(INVALID_WIRE);
  }
}
