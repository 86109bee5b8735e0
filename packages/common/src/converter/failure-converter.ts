import Long from 'long';
import * as nexus from 'nexus-rpc';
import type { temporal } from '@kairos/proto';
import { encode } from '../encoding';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  decodeApplicationFailureCategory,
  decodeRetryState,
  decodeTimeoutType,
  encodeApplicationFailureCategory,
  encodeRetryState,
  encodeTimeoutType,
  FAILURE_SOURCE,
  NexusOperationFailure,
  type ProtoFailure,
  ServerFailure,
  TemporalFailure,
  TerminatedFailure,
  TimeoutFailure,
  type TimeoutType,
} from '../failure';
import { makeProtoEnumConverters } from '../internal-workflow/enums-helpers';
import { msOptionalToTs } from '../time';
import { isError } from '../type-helpers';
import {
  arrayFromPayloads,
  fromPayloadsAtIndex,
  type PayloadConverter,
  toPayloadsWithContext,
} from './payload-converter';
import type { SerializationContext } from './serialization-context';
import { encodingTypes } from './types';
import type { Payload } from '../interfaces';

/**
 * Retry behaviour of a Nexus handler error. The generated proto enum is not importable from workflow code, so the
 * string names are mapped to its numbers here.
 */
const NexusRetryBehavior = {
  RETRYABLE: 'RETRYABLE',
  NON_RETRYABLE: 'NON_RETRYABLE',
} as const;
const [encodeNexusRetryBehavior, decodeNexusRetryBehavior] = makeProtoEnumConverters<
  temporal.api.enums.v1.NexusHandlerErrorRetryBehavior,
  typeof NexusRetryBehavior,
  'NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_'
>({ UNSPECIFIED: 0, RETRYABLE: 1, NON_RETRYABLE: 2 }, 'NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_');

/** `HandlerError.retryableOverride` as carried on the wire; `undefined` leaves the decision to the error type. */
function retryOverrideToProto(
  override: boolean | undefined,
): temporal.api.enums.v1.NexusHandlerErrorRetryBehavior | undefined {
  if (override !== true && override !== false) return undefined;
  return encodeNexusRetryBehavior(override ? NexusRetryBehavior.RETRYABLE : NexusRetryBehavior.NON_RETRYABLE);
}

/** Inverse of {@link retryOverrideToProto}; unspecified or unknown values give `undefined`. */
function retryOverrideFromProto(
  behavior: temporal.api.enums.v1.NexusHandlerErrorRetryBehavior | null | undefined,
): boolean | undefined {
  const name = decodeNexusRetryBehavior(behavior);
  if (name === NexusRetryBehavior.RETRYABLE) return true;
  if (name === NexusRetryBehavior.NON_RETRYABLE) return false;
  return undefined;
}

/** A known `nexus.HandlerErrorType` for the wire name, else `'UNKNOWN'`. */
function handlerErrorTypeOf(wireName: string): nexus.HandlerErrorType {
  const known: Record<string, nexus.HandlerErrorType> = nexus.HandlerErrorType;
  return Object.prototype.hasOwnProperty.call(known, wireName) ? known[wireName]! : 'UNKNOWN';
}

// The Nexus metadata type under which a whole Temporal failure travels inside a Nexus failure.
const NEXUS_TEMPORAL_FAILURE_TYPE = 'temporal.api.failure.v1.Failure';

/**
 * Frames where SDK code starts calling user code: everything from the first match down is SDK internals.
 * They follow the worker's file layout: the activity executor's `execute` in `worker/{src,lib}/activity.{ts,js}`,
 * the Nexus handler's `invokeUserCode` in `worker/{src,lib}/nexus/index.{ts,js}`, the workflow activator's
 * inbound `...NextHandler` methods, and the sandbox entry (`runInContext`).
 */
const CUTOFF_FRAMES = [
  /\s+at (?:Activity\.)?execute \(.*[\\/]worker[\\/](?:src|lib)[\\/]activity\.[jt]s:\d+:\d+\)/,
  /\s+at(?: async)? (?:NexusHandler\.)?invokeUserCode \(.*[\\/]worker[\\/](?:src|lib)[\\/]nexus[\\/]index\.[jt]s:\d+:\d+\)/,
  /\s+at(?: async)? (?:Activator\.)?(?:startWorkflow|queryWorkflow|signalWorkflow|update|validateUpdate)NextHandler \(.*\.[jt]s:\d+:\d+\)/,
  /\s+at (?:Script\.)?runInContext \((?:native|unknown|(?:node:vm|vm\.js):\d+:\d+)\)/,
];

/** Frames of SDK plumbing between interceptors, dropped wherever they appear. */
const DROPPED_FRAMES = [
  /\s+at (?:null\.)?next \(.*[\\/]common[\\/](?:src|lib)[\\/]interceptors\.[jt]s:\d+:\d+\)/,
  /\s+at (?:null\.)?executeNextHandler \(.*[\\/]worker[\\/](?:src|lib)[\\/]activity\.[jt]s:\d+:\d+\)/,
];

/** Removes the SDK's own frames from a stack trace, keeping the frames of user code. */
export function cutoffStackTrace(stack?: string): string {
  const kept: string[] = [];
  for (const line of (stack ?? '').split(/\r?\n/)) {
    if (CUTOFF_FRAMES.some((pattern) => pattern.test(line))) break;
    if (!DROPPED_FRAMES.some((pattern) => pattern.test(line))) kept.push(line);
  }
  return kept.join('\n');
}

/**
 * Translates between errors and `temporal.api.failure.v1.Failure` messages in both directions. Unless there is a
 * reason not to, use {@link DefaultFailureConverter}: its output is what all Temporal SDKs expect.
 */
export interface FailureConverter {
  /** Builds the `Failure` for something that was thrown. */
  errorToFailure(err: unknown, payloadConverter: PayloadConverter, context?: SerializationContext): ProtoFailure;

  /** Rebuilds an error from a `Failure`; the result has to be a {@link TemporalFailure}. */
  failureToError(err: ProtoFailure, payloadConverter: PayloadConverter, context?: SerializationContext): Error;
}

/**
 * Shape of the value stored in `Failure.encodedAttributes` when
 * {@link DefaultFailureConverterOptions.encodeCommonAttributes} is enabled.
 */
export interface DefaultEncodedFailureAttributes {
  /** Text of the error. */
  message: string;
  /** Stack trace of the error. */
  stack_trace: string;
}

/** Settings of {@link DefaultFailureConverter}. */
export interface DefaultFailureConverterOptions {
  /**
   * When `true`, each failure's message and stack trace are written to `encodedAttributes` (a payload, which a
   * {@link PayloadCodec} can then encrypt) and the visible `message` is replaced by `'Encoded failure'`.
   *
   * @default false
   */
  encodeCommonAttributes: boolean;
}

type ProtoPayloads = temporal.api.common.v1.IPayloads;

/** Placeholder message of a failure whose real message lives in `encodedAttributes`. */
const ENCODED_FAILURE_MESSAGE = 'Encoded failure';

/** Appended to the message when user code throws something that is not an `Error`. */
const NON_ERROR_HINT =
  ' [A non-Error value was thrown from your code. We recommend throwing Error objects so that we can provide a stack trace]';

function toOptionalNumber(value: number | Long | string | null | undefined): number | undefined {
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'number':
      return value;
    default:
      return value === null ? undefined : Long.fromValue(value).toNumber();
  }
}

/** Message of a `Failure` built from a thrown value that is not an `Error`. */
function describeNonError(thrown: unknown): string {
  let text: string | undefined;
  if (typeof thrown === 'string') {
    text = thrown;
  } else if (typeof thrown === 'object') {
    try {
      text = JSON.stringify(thrown);
    } catch {
      text = String(thrown);
    }
  } else {
    text = String(thrown);
  }
  return `${text}${NON_ERROR_HINT}`;
}

/**
 * The Nexus form of a Temporal `Failure`: the whole message rides along as details, tagged with
 * {@link NEXUS_TEMPORAL_FAILURE_TYPE}, so it can be restored exactly.
 */
function wrapAsNexusFailure(failure: ProtoFailure): nexus.Failure {
  const details = { ...failure };
  return { message: failure.message ?? '', metadata: { type: NEXUS_TEMPORAL_FAILURE_TYPE }, details };
}

/**
 * The Temporal form of a Nexus failure. A wrapped Temporal `Failure` is unwrapped; anything else becomes an
 * application failure of type `NexusFailure` whose single JSON detail is the Nexus failure (message blanked).
 */
function unwrapNexusFailure(nexusFailure: nexus.Failure, retryable: boolean): ProtoFailure {
  if (nexusFailure.metadata?.type === NEXUS_TEMPORAL_FAILURE_TYPE) {
    const embedded = nexusFailure.details;
    if (embedded === null || embedded === undefined) {
      throw new TypeError(`missing details for Nexus Failure of type '${NEXUS_TEMPORAL_FAILURE_TYPE}'`);
    }
    return embedded as ProtoFailure;
  }
  const asJson: Payload = {
    metadata: { encoding: encode(encodingTypes.METADATA_ENCODING_JSON) },
    data: encode(JSON.stringify({ ...nexusFailure, message: '' })),
  };
  return {
    applicationFailureInfo: { type: 'NexusFailure', nonRetryable: !retryable, details: { payloads: [asJson] } },
    message: nexusFailure.message,
    stackTrace: nexusFailure.stackTrace ?? '',
  };
}

/**
 * A copy of `failure` with message and stack trace taken from its `encodedAttributes`, when those decode to an
 * object; otherwise `failure` itself. The caller's message is never modified.
 */
function withDecodedAttributes(
  failure: ProtoFailure,
  payloadConverter: PayloadConverter,
  context: SerializationContext | undefined,
): ProtoFailure {
  if (!failure.encodedAttributes) return failure;
  const decoded = payloadConverter.fromPayload<unknown>(failure.encodedAttributes, context);
  if (decoded === null || typeof decoded !== 'object') return failure;
  const attributes = decoded as Partial<Record<keyof DefaultEncodedFailureAttributes, unknown>>;
  const copy: ProtoFailure = { ...failure };
  if (typeof attributes.message === 'string') copy.message = attributes.message;
  if (typeof attributes.stack_trace === 'string') copy.stackTrace = attributes.stack_trace;
  return copy;
}

/** What the per-kind decoders below need to know about the failure being decoded. */
interface DecodeInput {
  failure: ProtoFailure;
  /** `failure.message`, with `null` turned into `undefined`. */
  message: string | undefined;
  /** Decodes `failure.cause`; called only by the decoders whose error class takes a cause. */
  cause(): Error | undefined;
  /** Decodes a list of detail payloads. */
  values(payloads: ProtoPayloads | null | undefined): unknown[];
  /** Decodes the first payload of a list. */
  firstValue(payloads: ProtoPayloads | null | undefined): unknown;
}

type FailureInfoDecoder = (input: DecodeInput) => Error;

/**
 * One decoder per `*FailureInfo` field of a `Failure`. The first field present (in this order) picks the error
 * class; a failure with none of them becomes a plain {@link TemporalFailure}.
 */
const INFO_DECODERS: readonly (readonly [keyof ProtoFailure, FailureInfoDecoder])[] = [
  [
    'applicationFailureInfo',
    ({ failure, message, cause, values }) => {
      const info = failure.applicationFailureInfo!;
      const details = values(info.details);
      const wrapped = cause();
      const category = decodeApplicationFailureCategory(info.category);
      return new ApplicationFailure(
        message,
        info.type,
        Boolean(info.nonRetryable),
        details,
        wrapped,
        undefined,
        category,
      );
    },
  ],
  [
    'serverFailureInfo',
    ({ failure, message, cause }) =>
      new ServerFailure(message, Boolean(failure.serverFailureInfo!.nonRetryable), cause()),
  ],
  [
    'timeoutFailureInfo',
    ({ failure, message, firstValue }) => {
      const info = failure.timeoutFailureInfo!;
      const lastHeartbeat = firstValue(info.lastHeartbeatDetails);
      return new TimeoutFailure(message, lastHeartbeat, decodeTimeoutType(info.timeoutType) as TimeoutType);
    },
  ],
  ['terminatedFailureInfo', ({ message, cause }) => new TerminatedFailure(message, cause())],
  [
    'canceledFailureInfo',
    ({ failure, message, cause, values }) =>
      new CancelledFailure(message, values(failure.canceledFailureInfo!.details), cause()),
  ],
  [
    'resetWorkflowFailureInfo',
    ({ failure, message, cause, values }) => {
      const heartbeat = values(failure.resetWorkflowFailureInfo!.lastHeartbeatDetails);
      return new ApplicationFailure(message, 'ResetWorkflow', false, heartbeat, cause());
    },
  ],
  [
    'childWorkflowExecutionFailureInfo',
    ({ failure, cause }) => {
      const info = failure.childWorkflowExecutionFailureInfo!;
      const typeName = info.workflowType?.name;
      if (!typeName || !info.workflowExecution) {
        throw new TypeError('Missing attributes on childWorkflowExecutionFailureInfo');
      }
      const retryState = decodeRetryState(info.retryState) as ChildWorkflowFailure['retryState'];
      return new ChildWorkflowFailure(
        info.namespace ?? undefined,
        info.workflowExecution,
        typeName,
        retryState,
        cause(),
      );
    },
  ],
  [
    'activityFailureInfo',
    ({ failure, message, cause }) => {
      const info = failure.activityFailureInfo!;
      const typeName = info.activityType?.name;
      if (!typeName) {
        throw new TypeError('Missing activityType?.name on activityFailureInfo');
      }
      const retryState = decodeRetryState(info.retryState) as ActivityFailure['retryState'];
      return new ActivityFailure(
        message,
        typeName,
        info.activityId ?? undefined,
        retryState,
        info.identity ?? undefined,
        cause(),
      );
    },
  ],
  [
    'nexusHandlerFailureInfo',
    ({ failure, cause }) => {
      const info = failure.nexusHandlerFailureInfo!;
      const retryableOverride = retryOverrideFromProto(info.retryBehavior);
      const rawErrorType = info.type || '';
      return new nexus.HandlerError(handlerErrorTypeOf(rawErrorType), failure.message ?? 'Nexus handler error', {
        cause: cause(),
        retryableOverride,
        rawErrorType,
        originalFailure: wrapAsNexusFailure(failure),
      });
    },
  ],
  [
    'nexusOperationExecutionFailureInfo',
    ({ failure, message, cause }) => {
      const info = failure.nexusOperationExecutionFailureInfo!;
      return new NexusOperationFailure(
        message,
        toOptionalNumber(info.scheduledEventId),
        info.endpoint ?? '',
        info.service ?? '',
        info.operation ?? '',
        info.operationToken ?? undefined,
        cause(),
      );
    },
  ],
];

/** Turns a list of values into `Payloads`; an empty or missing list is left out of the `Failure`. */
type DetailsEncoder = (values: unknown[] | null | undefined) => ProtoPayloads | undefined;

/** Fills in the `*FailureInfo` field of one {@link TemporalFailure} subclass. */
interface InfoEncoder {
  matches(err: unknown): boolean;
  encode(err: never, details: DetailsEncoder): ProtoFailure;
}

function infoEncoder<E>(
  errorClass: abstract new (...args: never[]) => E,
  encode: (err: E, details: DetailsEncoder) => ProtoFailure,
): InfoEncoder {
  return { matches: (err) => err instanceof errorClass, encode: encode as InfoEncoder['encode'] };
}

/** Tried in order; a {@link TemporalFailure} that none of them matches gets no `*FailureInfo` at all. */
const INFO_ENCODERS: readonly InfoEncoder[] = [
  infoEncoder(ActivityFailure, (err) => ({
    activityFailureInfo: {
      activityId: err.activityId,
      identity: err.identity,
      retryState: encodeRetryState(err.retryState),
      activityType: { name: err.activityType },
    },
  })),
  infoEncoder(ChildWorkflowFailure, ({ namespace, retryState, execution, workflowType }) => ({
    childWorkflowExecutionFailureInfo: {
      namespace,
      retryState: encodeRetryState(retryState),
      workflowExecution: execution,
      workflowType: { name: workflowType },
    },
  })),
  infoEncoder(ApplicationFailure, (err, details) => ({
    applicationFailureInfo: {
      type: err.type,
      nonRetryable: err.nonRetryable,
      details: details(err.details),
      nextRetryDelay: msOptionalToTs(err.nextRetryDelay),
      category: encodeApplicationFailureCategory(err.category),
    },
  })),
  infoEncoder(CancelledFailure, (err, details) => ({ canceledFailureInfo: { details: details(err.details) } })),
  infoEncoder(TimeoutFailure, (err, details) => ({
    timeoutFailureInfo: {
      timeoutType: encodeTimeoutType(err.timeoutType),
      lastHeartbeatDetails: err.lastHeartbeatDetails ? details([err.lastHeartbeatDetails]) : undefined,
    },
  })),
  infoEncoder(ServerFailure, (err) => ({ serverFailureInfo: { nonRetryable: err.nonRetryable } })),
  infoEncoder(TerminatedFailure, () => ({ terminatedFailureInfo: {} })),
  infoEncoder(nexus.HandlerError, (err) => ({
    nexusHandlerFailureInfo: { type: err.type, retryBehavior: retryOverrideToProto(err.retryableOverride) },
  })),
  infoEncoder(NexusOperationFailure, ({ scheduledEventId, endpoint, service, operation, operationToken }) => ({
    nexusOperationExecutionFailureInfo: {
      // Event ids are int64 on the wire; 0 (never a real event id) is left unset.
      scheduledEventId: scheduledEventId ? Long.fromNumber(scheduledEventId) : undefined,
      endpoint,
      service,
      operation,
      operationToken,
    },
  })),
];

/**
 * The standard failure converter, compatible with every Temporal SDK. Message, stack trace, cause chain and the
 * type-specific fields of each failure class go to the matching `Failure` fields. Messages and stack traces are
 * sent in clear text; enable `encodeCommonAttributes` (with a {@link PayloadCodec} configured on workers and
 * clients alike) to have them encrypted.
 */
export class DefaultFailureConverter implements FailureConverter {
  /** Effective settings, defaults applied. */
  public readonly options: DefaultFailureConverterOptions;

  constructor(options?: Partial<DefaultFailureConverterOptions>) {
    this.options = { encodeCommonAttributes: options?.encodeCommonAttributes ?? false };
  }

  /**
   * Builds the error for a `Failure`, choosing the class from its `*FailureInfo` field. The stack trace and the
   * `failure` back-reference are not set here but by {@link failureToError}.
   */
  failureToErrorInner(
    failure: ProtoFailure,
    payloadConverter: PayloadConverter,
    context?: SerializationContext,
  ): Error {
    const input: DecodeInput = {
      failure,
      message: failure.message === null ? undefined : failure.message,
      cause: () => this.optionalFailureToOptionalError(failure.cause, payloadConverter, context),
      values: (payloads) => arrayFromPayloads(payloadConverter, payloads?.payloads, context),
      firstValue: (payloads) => fromPayloadsAtIndex(payloadConverter, 0, payloads?.payloads, context),
    };
    const entry = INFO_DECODERS.find(([field]) => Boolean(failure[field]));
    return entry ? entry[1](input) : new TemporalFailure(input.message, input.cause());
  }

  /**
   * Rebuilds the error for a `Failure`. If the failure has `encodedAttributes`, they supply the message and stack
   * trace. The result's `stack` is the failure's stack trace, and a {@link TemporalFailure} remembers the (decoded)
   * `Failure` in its `failure` property, which lets {@link errorToFailure} return it unchanged later.
   */
  failureToError(failure: ProtoFailure, payloadConverter: PayloadConverter, context?: SerializationContext): Error {
    const effective = withDecodedAttributes(failure, payloadConverter, context);
    const error = this.failureToErrorInner(effective, payloadConverter, context);
    error.stack = effective.stackTrace ?? '';
    if (error instanceof TemporalFailure) error.failure = effective;
    return error;
  }

  /**
   * Builds the `Failure` for a thrown value, cause chain included. With `encodeCommonAttributes`, the message and
   * stack trace are then moved into `encodedAttributes`.
   */
  errorToFailure(err: unknown, payloadConverter: PayloadConverter, context?: SerializationContext): ProtoFailure {
    const plain = this.errorToFailureInner(err, payloadConverter, context);
    if (!this.options.encodeCommonAttributes) return plain;
    const hidden: DefaultEncodedFailureAttributes = { message: plain.message!, stack_trace: plain.stackTrace! };
    return {
      ...plain,
      message: ENCODED_FAILURE_MESSAGE,
      stackTrace: '',
      encodedAttributes: payloadConverter.toPayload(hidden, context),
    };
  }

  /** {@link errorToFailure} minus the encoding of message and stack trace. */
  errorToFailureInner(err: unknown, payloadConverter: PayloadConverter, context?: SerializationContext): ProtoFailure {
    const isTemporal = err instanceof TemporalFailure;
    if (isTemporal && err.failure) return err.failure;

    if (isTemporal || err instanceof nexus.HandlerError) {
      const common: ProtoFailure = {
        message: err.message,
        stackTrace: cutoffStackTrace(err.stack),
        cause: this.optionalErrorToOptionalFailure(err.cause, payloadConverter, context),
        source: FAILURE_SOURCE,
      };
      if (err instanceof nexus.HandlerError && err.originalFailure) {
        return unwrapNexusFailure(err.originalFailure, err.retryable);
      }
      const encoder = INFO_ENCODERS.find((candidate) => candidate.matches(err));
      if (!encoder) return common;
      const details: DetailsEncoder = (values) =>
        values && values.length > 0
          ? { payloads: toPayloadsWithContext(payloadConverter, context, values) }
          : undefined;
      return { ...common, ...encoder.encode(err as never, details) };
    }

    if (isError(err)) {
      return {
        source: FAILURE_SOURCE,
        message: String(err.message ?? ''),
        stackTrace: cutoffStackTrace(err.stack),
        cause: this.optionalErrorToOptionalFailure(err.cause, payloadConverter, context),
      };
    }
    return { source: FAILURE_SOURCE, message: describeNonError(err) };
  }

  /** Like {@link failureToError}, but passes a missing (`null` or `undefined`) failure through as `undefined`. */
  optionalFailureToOptionalError(
    failure: ProtoFailure | undefined | null,
    payloadConverter: PayloadConverter,
    context?: SerializationContext,
  ): Error | undefined {
    if (!failure) return undefined;
    return this.failureToError(failure, payloadConverter, context);
  }

  /** Like {@link errorToFailure}, but turns a falsy value (no error) into `undefined`. */
  optionalErrorToOptionalFailure(
    err: unknown,
    payloadConverter: PayloadConverter,
    context?: SerializationContext,
  ): ProtoFailure | undefined {
    if (!err) return undefined;
    return this.errorToFailure(err, payloadConverter, context);
  }
}
