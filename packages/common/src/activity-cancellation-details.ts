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

/** An absent flag is an unset flag. */
function flagOrFalse(flag: boolean | null | undefined): boolean {
  return flag ?? false;
}

/** Which protobuf field carries each flag. */
const PROTO_FIELD_BY_OPTION: readonly (readonly [
  keyof ActivityCancellationDetailsOptions,
  keyof ProtoActivityCancellationDetails,
])[] = [
  ['notFound', 'isNotFound'],
  ['cancelRequested', 'isCancelled'],
  ['paused', 'isPaused'],
  ['timedOut', 'isTimedOut'],
  ['workerShutdown', 'isWorkerShutdown'],
  ['reset', 'isReset'],
];

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
    const { notFound, cancelRequested, paused, timedOut, workerShutdown, reset } = options;
    this.notFound = flagOrFalse(notFound);
    this.cancelRequested = flagOrFalse(cancelRequested);
    this.paused = flagOrFalse(paused);
    this.timedOut = flagOrFalse(timedOut);
    this.workerShutdown = flagOrFalse(workerShutdown);
    this.reset = flagOrFalse(reset);
  }

  /** Reads the protobuf form; a missing message means that no flag is set. */
  static fromProto(proto: ProtoActivityCancellationDetails | null | undefined): ActivityCancellationDetails {
    const options: ActivityCancellationDetailsOptions = {};
    if (proto !== null && proto !== undefined) {
      for (const [option, field] of PROTO_FIELD_BY_OPTION) options[option] = flagOrFalse(proto[field]);
    }
    return new ActivityCancellationDetails(options);
  }
}
