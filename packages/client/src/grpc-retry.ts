/**
 * Automatic retries of transient gRPC failures for {@link Connection}.
 *
 * The interceptor made by {@link makeGrpcRetryInterceptor} re-sends a unary call whose status is
 * judged retryable, after a delay computed per attempt. {@link defaultGrpcRetryOptions} gives the
 * default policy: up to 10 attempts, exponential backoff (factor 1.7) starting at 100 ms (1 s for
 * `RESOURCE_EXHAUSTED`), capped at 5 s, with ±20% jitter.
 *
 * @module
 */
import * as grpc from '@grpc/grpc-js';
import type { Interceptor, StatusObject } from '@grpc/grpc-js';

/** How a retrying interceptor decides whether and when to retry. */
export interface GrpcRetryOptions {
  /**
   * Returns the number of milliseconds to wait before the next attempt, given the attempt that just
   * failed (the first attempt is 1) and its status.
   */
  delayFunction: (attempt: number, status: StatusObject) => number;
  /** Returns true if a call whose attempt number `attempt` failed with `status` should be tried again. */
  retryableDecider: (attempt: number, status: StatusObject) => boolean;
}

/**
 * Parameters of the default backoff: the delay after attempt `n` is
 * `min(maxIntervalMs(status), factor ^ n * initialIntervalMs(status))`, multiplied by a random
 * jitter factor in `[1 - maxJitter, 1 + maxJitter)`.
 */
export interface BackoffOptions {
  /**
   * Exponential growth factor of the delay.
   *
   * @default 1.7
   */
  factor: number;
  /**
   * Maximum number of attempts, the first one included.
   *
   * @default 10
   */
  maxAttempts: number;
  /**
   * Maximum relative jitter applied to each delay.
   *
   * @default 0.2
   */
  maxJitter: number;
  /**
   * Base delay for a failed status.
   *
   * Defaults to 1000 ms for `RESOURCE_EXHAUSTED` (the server asks clients to slow down) and 100 ms for
   * every other retryable status.
   */
  initialIntervalMs(status: StatusObject): number;
  /**
   * Upper bound of the delay for a failed status.
   *
   * Defaults to 5000 ms for every status.
   */
  maxIntervalMs(status: StatusObject): number;
}

/** The policy {@link defaultGrpcRetryOptions} starts from. */
const STANDARD_BACKOFF: BackoffOptions = {
  factor: 1.7,
  maxAttempts: 10,
  maxJitter: 0.2,
  // A server that reports exhausted resources wants clients to back off harder.
  initialIntervalMs: (status) => (status.code === grpc.status.RESOURCE_EXHAUSTED ? 1000 : 100),
  maxIntervalMs: () => 5000,
};

/**
 * Builds the default retry policy, overriding any of the {@link BackoffOptions} given.
 */
export function defaultGrpcRetryOptions(options: Partial<BackoffOptions> = {}): GrpcRetryOptions {
  const setting = <K extends keyof BackoffOptions>(key: K): BackoffOptions[K] => options[key] ?? STANDARD_BACKOFF[key];
  const factor = setting('factor');
  const maxAttempts = setting('maxAttempts');
  const maxJitter = setting('maxJitter');
  const firstDelay = setting('initialIntervalMs');
  const longestDelay = setting('maxIntervalMs');
  return {
    delayFunction(attempt, status) {
      const ceiling = longestDelay(status);
      const grown = factor ** attempt * firstDelay(status);
      const spread = 2 * maxJitter;
      return Math.min(ceiling, grown) * (1 - maxJitter + Math.random() * spread);
    },
    retryableDecider: (attempt, status) => attempt < maxAttempts && isRetryableError(status),
  };
}

/** Status codes that describe a transient condition on the server or the network. */
const TRANSIENT_STATUS_CODES: ReadonlySet<grpc.status> = new Set(
  (['UNAVAILABLE', 'RESOURCE_EXHAUSTED', 'ABORTED', 'UNKNOWN', 'OUT_OF_RANGE', 'DATA_LOSS'] as const).map(
    (name) => grpc.status[name],
  ),
);

/**
 * Whether an `INTERNAL` status looks transient: a stream reset without error (code 0), a response that
 * ended without a gRPC status (typically a proxy that is not gRPC-aware), or an internal-error stream
 * reset (code 2) that does not come from a TLS alert.
 */
function isTransientInternalError(details: string): boolean {
  const resetOrUnterminated = /Call ended without gRPC status|RST_STREAM with code 0/i;
  if (resetOrUnterminated.test(details)) return true;
  return /RST_STREAM with code 2/i.test(details) && !/SSL alert number/i.test(details);
}

/**
 * Returns true if a call that ended with `status` is worth retrying.
 *
 * `INTERNAL` is ambiguous (protocol violations, TLS failures, decoding errors, and transient HTTP/2
 * stream resets all surface as `INTERNAL`), so only some `INTERNAL` messages count as retryable.
 */
export function isRetryableError(status: StatusObject): boolean {
  return status.code === grpc.status.INTERNAL
    ? isTransientInternalError(status.details ?? '')
    : TRANSIENT_STATUS_CODES.has(status.code);
}

/**
 * Returns a gRPC client interceptor that retries unary calls according to `retryOptions`.
 *
 * Each attempt is a fresh call with the same request message and a copy of the same metadata. The
 * caller only sees the response (or status) of the last attempt. Retrying stops when the call is
 * cancelled (for instance through {@link Connection.withAbortSignal}); the wait between attempts never
 * extends past the call's deadline. Streaming calls pass through untouched.
 */
export function makeGrpcRetryInterceptor(retryOptions: GrpcRetryOptions): Interceptor {
  return (options, nextCall) => {
    const definition = options.method_definition;
    if (definition.requestStream || definition.responseStream) {
      return new grpc.InterceptingCall(nextCall(options));
    }
    return new grpc.InterceptingCall(new RetryingUnaryCall(options, nextCall, retryOptions));
  };
}

type NextCall = Parameters<Interceptor>[1];
type CallInterface = ReturnType<NextCall>;
type InterceptingListener = grpc.InterceptingListener;
type MessageContext = Parameters<CallInterface['sendMessageWithContext']>[0];

/**
 * A unary call made of one or more attempts. It presents the `InterceptingCallInterface` grpc-js
 * expects from the next layer and replays the request on each new attempt.
 */
class RetryingUnaryCall implements CallInterface {
  private attempt = 0;
  private current?: CallInterface;
  private listener?: InterceptingListener;
  private metadata?: grpc.Metadata;
  private message?: { context: MessageContext; value: unknown };
  private halfClosed = false;
  private readStarted = false;
  private cancelled = false;
  private finished = false;
  private backoffTimer?: NodeJS.Timeout;

  constructor(
    private readonly options: grpc.InterceptorOptions,
    private readonly nextCall: NextCall,
    private readonly retryOptions: GrpcRetryOptions,
  ) {}

  start(metadata: grpc.Metadata, listener?: Partial<InterceptingListener>): void {
    this.metadata = metadata;
    this.listener = completeListener(listener);
    this.startAttempt();
  }

  sendMessageWithContext(context: MessageContext, message: unknown): void {
    this.message = { context, value: message };
    this.current?.sendMessageWithContext(context, message);
  }

  sendMessage(message: unknown): void {
    this.sendMessageWithContext({}, message);
  }

  startRead(): void {
    this.readStarted = true;
    this.current?.startRead();
  }

  halfClose(): void {
    this.halfClosed = true;
    this.current?.halfClose();
  }

  cancelWithStatus(status: grpc.status, details: string): void {
    this.cancelled = true;
    if (this.backoffTimer !== undefined) {
      clearTimeout(this.backoffTimer);
      this.backoffTimer = undefined;
      this.finish({ code: status, details, metadata: new grpc.Metadata() });
      return;
    }
    this.current?.cancelWithStatus(status, details);
  }

  getPeer(): string {
    return this.current?.getPeer() ?? '';
  }

  getAuthContext(): ReturnType<CallInterface['getAuthContext']> {
    return this.current?.getAuthContext() ?? null;
  }

  private startAttempt(): void {
    this.attempt++;
    const attempt = this.attempt;
    let call: CallInterface;
    try {
      call = this.nextCall(this.options);
    } catch (err) {
      // For instance, the channel was closed while waiting between attempts.
      this.finish({ code: grpc.status.UNAVAILABLE, details: (err as Error).message, metadata: new grpc.Metadata() });
      return;
    }
    this.current = call;
    let responseMetadata: grpc.Metadata | undefined;
    let responseMessage: { value: unknown } | undefined;
    call.start((this.metadata as grpc.Metadata).clone(), {
      onReceiveMetadata: (md) => {
        responseMetadata = md;
      },
      onReceiveMessage: (msg) => {
        responseMessage = { value: msg };
      },
      onReceiveStatus: (status) => {
        if (status.code !== grpc.status.OK && !this.cancelled && this.retryOptions.retryableDecider(attempt, status)) {
          this.scheduleRetry(attempt, status);
          return;
        }
        this.finish(status, responseMetadata, responseMessage);
      },
    });
    if (this.message !== undefined) call.sendMessageWithContext(this.message.context, this.message.value);
    if (this.halfClosed) call.halfClose();
    if (this.readStarted) call.startRead();
  }

  private scheduleRetry(attempt: number, status: StatusObject): void {
    const delay = Math.max(0, this.retryOptions.delayFunction(attempt, status));
    const deadlineMs = deadlineToMs(this.options.deadline);
    if (deadlineMs !== undefined && Date.now() + delay >= deadlineMs) {
      // The next attempt would start past the deadline: fail when the deadline passes, as a call would.
      this.backoffTimer = setTimeout(
        () => {
          this.backoffTimer = undefined;
          this.finish({
            code: grpc.status.DEADLINE_EXCEEDED,
            details: `Deadline exceeded while retrying (attempt ${attempt} failed with ${grpc.status[status.code]}: ${status.details})`,
            metadata: new grpc.Metadata(),
          });
        },
        Math.max(0, deadlineMs - Date.now()),
      );
      return;
    }
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      this.startAttempt();
    }, delay);
  }

  private finish(status: StatusObject, metadata?: grpc.Metadata, message?: { value: unknown }): void {
    if (this.finished) return;
    this.finished = true;
    const listener = this.listener as InterceptingListener;
    if (metadata !== undefined) listener.onReceiveMetadata(metadata);
    if (message !== undefined) listener.onReceiveMessage(message.value);
    listener.onReceiveStatus(status);
  }
}

function deadlineToMs(deadline: grpc.Deadline | undefined): number | undefined {
  if (deadline === undefined) return undefined;
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) ? ms : undefined;
}

function completeListener(listener: Partial<InterceptingListener> | undefined): InterceptingListener {
  return {
    onReceiveMetadata: (md) => listener?.onReceiveMetadata?.(md),
    onReceiveMessage: (msg) => listener?.onReceiveMessage?.(msg),
    onReceiveStatus: (status) => listener?.onReceiveStatus?.(status),
  };
}
