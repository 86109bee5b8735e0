// Paging of a run's history, as the real server pages it: by batches of events (the events one change wrote),
// so a page can hold more events than its size, and with an opaque continuation token.
import { invalidArgument } from '../errors';
import { IHistoryEvent, num } from '../internal/proto';

/**
 * The most batches a history page holds, and the page size when a request leaves it at 0 (the real server's
 * `frontend.historyMaxPageSize`). Polls use the server's `workflowTaskHistoryPageSize`, 256 by default too.
 */
export const MAX_HISTORY_PAGE_SIZE = 256;

/** Where the next page of a history starts. */
export interface HistoryToken {
  /** The run. */
  rid: string;
  /** The first event id of the next page. */
  next: number;
  /**
   * For the pages that follow a workflow task's first page: the event id the task's history stops before, so
   * that later pages end where the task's history ended (its transient events, if any, follow the last page).
   */
  end?: number;
}

export function encodeHistoryToken(t: HistoryToken): Buffer {
  return Buffer.from(JSON.stringify(t));
}

export function decodeHistoryToken(b: Uint8Array | null | undefined): HistoryToken | undefined {
  if (!b || b.length === 0) return undefined;
  let t: HistoryToken;
  try {
    t = JSON.parse(Buffer.from(b).toString()) as HistoryToken;
  } catch {
    throw invalidArgument('Invalid NextPageToken.');
  }
  if (typeof t?.rid !== 'string' || typeof t.next !== 'number') throw invalidArgument('Invalid NextPageToken.');
  return t;
}

/** A request's page size in batches: 0 (unset) means the largest, and larger sizes are cut to it. */
export function historyPageSize(requested: number | null | undefined, max = MAX_HISTORY_PAGE_SIZE): number {
  return requested && requested > 0 ? Math.min(requested, max) : max;
}

/**
 * Whether `events[i]` opens a batch. The engine gives the events of a batch consecutive task ids and leaves a gap
 * before each batch, so a batch is a run of consecutive task ids.
 */
function opensBatch(events: IHistoryEvent[], i: number): boolean {
  return i === 0 || num(events[i].taskId) !== num(events[i - 1].taskId) + 1;
}

/** The index just past `batches` batches of `events` that start at index `from`, stopping at index `end`. */
export function forwardPageEnd(events: IHistoryEvent[], from: number, end: number, batches: number): number {
  let taken = 0;
  let i = from;
  while (i < end) {
    if (i === from || opensBatch(events, i)) {
      if (taken === batches) break;
      taken += 1;
    }
    i += 1;
  }
  return i;
}

/** The index where `batches` batches of `events` that end just before index `upTo` start (reverse paging). */
export function reversePageStart(events: IHistoryEvent[], upTo: number, batches: number): number {
  let i = upTo;
  for (let taken = 0; taken < batches && i > 0; taken += 1) {
    i -= 1;
    while (i > 0 && !opensBatch(events, i)) i -= 1;
  }
  return i;
}
