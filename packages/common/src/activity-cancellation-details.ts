/** Holds the cancellation details of an activity once they are known. */
export interface ActivityCancellationDetailsHolder {
  /** The details, set when the activity is cancelled. */
  details?: ActivityCancellationDetails;
}

/** Options of {@link ActivityCancellationDetails}; every flag defaults to `false`. */
export interface ActivityCancellationDetailsOptions {
  /** The server no longer knows the activity. */
  notFound?: boolean;
  /** Cancellation was requested. */
  cancelRequested?: boolean;
  /** The activity was paused. */
  paused?: boolean;
  /** The activity timed out. */
  timedOut?: boolean;
  /** The worker is shutting down. */
  workerShutdown?: boolean;
  /** The activity was reset. */
  reset?: boolean;
}

/** The protobuf form of cancellation details, as the core reports them. */
export interface ProtoActivityCancellationDetails {
  /** The server no longer knows the activity. */
  isNotFound?: boolean | null;
  /** Cancellation was requested. */
  isCancelled?: boolean | null;
  /** The activity was paused. */
  isPaused?: boolean | null;
  /** The activity timed out. */
  isTimedOut?: boolean | null;
  /** The worker is shutting down. */
  isWorkerShutdown?: boolean | null;
  /** The activity was reset. */
  isReset?: boolean | null;
}

/** Why an activity was cancelled. Set once, never changed. */
export class ActivityCancellationDetails {
  /** The server no longer knows the activity. */
  readonly notFound: boolean;
  /** Cancellation was requested. */
  readonly cancelRequested: boolean;
  /** The activity was paused. */
  readonly paused: boolean;
  /** The activity timed out. */
  readonly timedOut: boolean;
  /** The worker is shutting down. */
  readonly workerShutdown: boolean;
  /** The activity was reset. */
  readonly reset: boolean;

  constructor(options: ActivityCancellationDetailsOptions = {}) {
    this.notFound = options.notFound ?? false;
    this.cancelRequested = options.cancelRequested ?? false;
    this.paused = options.paused ?? false;
    this.timedOut = options.timedOut ?? false;
    this.workerShutdown = options.workerShutdown ?? false;
    this.reset = options.reset ?? false;
  }

  /** Builds the details from their protobuf form (all flags `false` when it is missing). */
  static fromProto(proto: ProtoActivityCancellationDetails | null | undefined): ActivityCancellationDetails {
    if (proto === null || proto === undefined) return new ActivityCancellationDetails();
    return new ActivityCancellationDetails({
      notFound: proto.isNotFound ?? false,
      cancelRequested: proto.isCancelled ?? false,
      paused: proto.isPaused ?? false,
      timedOut: proto.isTimedOut ?? false,
      workerShutdown: proto.isWorkerShutdown ?? false,
      reset: proto.isReset ?? false,
    });
  }
}
