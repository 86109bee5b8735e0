// Page tokens of List (workflows, schedules, batch operations): opaque to clients, the offset of the next page. A
// token this server did not issue is an internal error on the real server (UNKNOWN), so it is here too.
import { unexplainedError } from '../errors';

const PREFIX = 'kairos-page:';

export function encodePageToken(offset: number): Buffer {
  return Buffer.from(`${PREFIX}${offset}`);
}

/** The offset a page token stands for (0 without a token). */
export function decodePageToken(token: Uint8Array | null | undefined): number {
  if (!token || token.length === 0) return 0;
  const text = Buffer.from(token).toString();
  const n = text.startsWith(PREFIX) ? Number(text.slice(PREFIX.length)) : NaN;
  if (!Number.isInteger(n) || n < 0) throw unexplainedError(`unable to decode page token: ${text}`);
  return n;
}
