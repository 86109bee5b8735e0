// The real server's limits on the size of what a request carries (`limit.blobSize.*`, `limit.memoSize.*`):
// past the error limit the request is refused (or, for what a worker reports, the workflow or activity fails);
// past the warning limit the server logs a warning, as the real server does.
import { temporal } from './proto';
import { invalidArgument } from '../errors';
import type { DynamicConfig } from '../config/dynamic-config';
import type { Logger } from '../logger';

type IPayloads = temporal.api.common.v1.IPayloads;
type IMemo = temporal.api.common.v1.IMemo;
type IFailure = temporal.api.failure.v1.IFailure;

/** Where a blob came from, for the warning the server logs. */
export interface BlobContext {
  namespace: string;
  workflowId?: string;
  runId?: string;
  /** The RPC or command, as the real server names it (`StartWorkflowExecution`, `CompleteWorkflowExecution`). */
  operation: string;
}

/** The encoded size of a Payloads message (what the real server measures). */
export function payloadsSize(p: IPayloads | null | undefined): number {
  return p ? temporal.api.common.v1.Payloads.encode(p).finish().length : 0;
}

export function memoSize(m: IMemo | null | undefined): number {
  return m ? temporal.api.common.v1.Memo.encode(m).finish().length : 0;
}

export function failureSize(f: IFailure | null | undefined): number {
  return f ? temporal.api.failure.v1.Failure.encode(f).finish().length : 0;
}

export class BlobLimits {
  constructor(
    private readonly config: DynamicConfig,
    private readonly log: Logger,
  ) {}

  get errorLimit(): number {
    return this.config.number('limit.blobSize.error');
  }

  get memoErrorLimit(): number {
    return this.config.number('limit.memoSize.error');
  }

  /**
   * Whether a blob of `size` bytes is over the error limit; one over the warning limit is logged, as on the real
   * server.
   */
  exceeds(size: number, ctx: BlobContext): boolean {
    if (size > this.config.number('limit.blobSize.warn')) {
      this.log.warn(
        `Blob data size exceeds the warning limit. wf-namespace=${ctx.namespace} wf-id=${ctx.workflowId ?? ''} ` +
          `wf-run-id=${ctx.runId ?? ''} wf-size=${size} blob-size-violation-operation=${ctx.operation}`,
      );
    }
    return size > this.errorLimit;
  }

  /** INVALID_ARGUMENT `Blob data size exceeds limit.` for payloads over the limit. */
  check(p: IPayloads | null | undefined, ctx: BlobContext): void {
    if (p && this.exceeds(payloadsSize(p), ctx)) throw invalidArgument('Blob data size exceeds limit.');
  }

  /** INVALID_ARGUMENT `Memo size exceeds limit.` for a memo over the memo limit. */
  checkMemo(m: IMemo | null | undefined, ctx: BlobContext): void {
    if (!m) return;
    const size = memoSize(m);
    if (size > this.config.number('limit.memoSize.warn')) {
      this.log.warn(
        `Memo size exceeds the warning limit. wf-namespace=${ctx.namespace} wf-id=${ctx.workflowId ?? ''} ` +
          `wf-run-id=${ctx.runId ?? ''} wf-size=${size} blob-size-violation-operation=${ctx.operation}`,
      );
    }
    if (size > this.memoErrorLimit) throw invalidArgument('Memo size exceeds limit.');
  }

  /**
   * A failure cut down to fit the warning limit, as the real server keeps a failure that was too large: messages
   * and stack traces are shortened from the deepest cause up, and causes that do not fit are dropped.
   */
  truncateFailure(f: IFailure): IFailure {
    const budget = this.config.number('limit.blobSize.warn');
    const copy = (x: IFailure | null | undefined, depth: number): IFailure | null => {
      if (!x || depth > 20) return null;
      return {
        ...x,
        stackTrace: '',
        encodedAttributes: null,
        cause: copy(x.cause, depth + 1),
      };
    };
    const out = copy(f, 0)!;
    // Shorten the longest text until the whole fits.
    for (let guard = 0; guard < 64 && failureSize(out) > budget; guard++) {
      const over = failureSize(out) - budget;
      let longest: IFailure | undefined;
      for (let x: IFailure | null | undefined = out; x; x = x.cause) {
        if (!longest || (x.message ?? '').length > (longest.message ?? '').length) longest = x;
      }
      if (!longest || !longest.message) {
        // Nothing left to shorten: drop the deepest cause.
        let parent: IFailure = out;
        while (parent.cause?.cause) parent = parent.cause;
        if (!parent.cause) break;
        parent.cause = null;
        continue;
      }
      longest.message = longest.message.slice(0, Math.max(0, longest.message.length - over));
    }
    return out;
  }
}
