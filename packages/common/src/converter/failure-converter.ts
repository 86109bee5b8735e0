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

// The proto enum cannot be imported into workflow code, so its numbers are written here.
const NexusHandlerErrorRetryBehavior = {
  RETRYABLE: 'RETRYABLE',
  NON_RETRYABLE: 'NON_RETRYABLE',
} as const;
const [encodeNexusHandlerErrorRetryBehavior, decodeNexusHandlerErrorRetryBehavior] = makeProtoEnumConverters<
  temporal.api.enums.v1.NexusHandlerErrorRetryBehavior,
  typeof NexusHandlerErrorRetryBehavior,
  'NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_'
>({ RETRYABLE: 1, NON_RETRYABLE: 2, UNSPECIFIED: 0 }, 'NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_');

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
 * Converts errors to `temporal.api.failure.v1.Failure` messages and back. Prefer {@link DefaultFailureConverter},
 * which every Temporal SDK understands.
 */
export interface FailureConverter {
  /** Converts a caught error (or any thrown value) to a `Failure`. */
  errorToFailure(err: unknown, payloadConverter: PayloadConverter, context?: SerializationContext): ProtoFailure;

  /** Converts a `Failure` to an error, which must be a {@link TemporalFailure}. */
  failureToError(err: ProtoFailure, payloadConverter: PayloadConverter, context?: SerializationContext): Error;
}

/**
 * The payload stored in `Failure.encodedAttributes` when {@link DefaultFailureConverterOptions.encodeCommonAttributes}
 * is on.
 */
export interface DefaultEncodedFailureAttributes {
  /** The error message. */
  message: string;
  /** The stack trace. */
  stack_trace: string;
}

/** Options of {@link DefaultFailureConverter}. */
export interface DefaultFailureConverterOptions {
  /**
   * Whether to move error messages and stack traces into an encoded payload (`encodedAttributes`) so a
   * {@link PayloadCodec} can encrypt them; the plain `message` becomes `'Encoded failure'`.
   *
   * @default false
   */
  encodeCommonAttributes: boolean;
}

type ProtoPayloads = temporal.api.common.v1.IPayloads;

function longToNumber(value: number | Long | string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return value;
  return Long.fromValue(value).toNumber();
}

/**
 * The failure converter every Temporal SDK understands: messages, stack traces, `cause` chains and the details of
 * each failure type map to the matching fields of `temporal.api.failure.v1.Failure`. Messages and stack traces are
 * plain text unless `encodeCommonAttributes` is set (then encrypt them with a {@link PayloadCodec} on both the
 * worker and the client).
 */
export class DefaultFailureConverter implements FailureConverter {
  /** The options in effect. */
  public readonly options: DefaultFailureConverterOptions;

  constructor(options?: Partial<DefaultFailureConverterOptions>) {
    this.options = { encodeCommonAttributes: options?.encodeCommonAttributes ?? false };
  }

  /**
   * Converts a `Failure` to the matching error class, without the properties common to all failures (stack trace,
   * `failure`); {@link failureToError} sets those.
   */
  failureToErrorInner(
    failure: ProtoFailure,
    payloadConverter: PayloadConverter,
    context?: SerializationContext,
  ): Error {
    const message = failure.message ?? undefined;
    const cause = (): Error | undefined =>
      this.optionalFailureToOptionalError(failure.cause, payloadConverter, context);
    const details = (payloads: ProtoPayloads | null | undefined): unknown[] =>
      arrayFromPayloads(payloadConverter, payloads?.payloads, context);

    if (failure.applicationFailureInfo) {
      const info = failure.applicationFailureInfo;
      return new ApplicationFailure(
        message,
        info.type,
        Boolean(info.nonRetryable),
        details(info.details),
        cause(),
        undefined,
        decodeApplicationFailureCategory(info.category),
      );
    }
    if (failure.serverFailureInfo) {
      return new ServerFailure(message, Boolean(failure.serverFailureInfo.nonRetryable), cause());
    }
    if (failure.timeoutFailureInfo) {
      const info = failure.timeoutFailureInfo;
      return new TimeoutFailure(
        message,
        fromPayloadsAtIndex(payloadConverter, 0, info.lastHeartbeatDetails?.payloads, context),
        decodeTimeoutType(info.timeoutType) as TimeoutFailure['timeoutType'],
      );
    }
    if (failure.terminatedFailureInfo) {
      return new TerminatedFailure(message, cause());
    }
    if (failure.canceledFailureInfo) {
      return new CancelledFailure(message, details(failure.canceledFailureInfo.details), cause());
    }
    if (failure.resetWorkflowFailureInfo) {
      return new ApplicationFailure(
        message,
        'ResetWorkflow',
        false,
        details(failure.resetWorkflowFailureInfo.lastHeartbeatDetails),
        cause(),
      );
    }
    if (failure.childWorkflowExecutionFailureInfo) {
      const { namespace, workflowType, workflowExecution, retryState } = failure.childWorkflowExecutionFailureInfo;
      if (!(workflowType?.name && workflowExecution)) {
        throw new TypeError('Missing attributes on childWorkflowExecutionFailureInfo');
      }
      return new ChildWorkflowFailure(
        namespace ?? undefined,
        workflowExecution,
        workflowType.name,
        decodeRetryState(retryState) as ChildWorkflowFailure['retryState'],
        cause(),
      );
    }
    if (failure.activityFailureInfo) {
      const info = failure.activityFailureInfo;
      if (!info.activityType?.name) {
        throw new TypeError('Missing activityType?.name on activityFailureInfo');
      }
      return new ActivityFailure(
        message,
        info.activityType.name,
        info.activityId ?? undefined,
        decodeRetryState(info.retryState) as ActivityFailure['retryState'],
        info.identity ?? undefined,
        cause(),
      );
    }
    if (failure.nexusHandlerFailureInfo) {
      const info = failure.nexusHandlerFailureInfo;
      const retryBehavior = decodeNexusHandlerErrorRetryBehavior(info.retryBehavior);
      const retryableOverride =
        retryBehavior === NexusHandlerErrorRetryBehavior.RETRYABLE
          ? true
          : retryBehavior === NexusHandlerErrorRetryBehavior.NON_RETRYABLE
            ? false
            : undefined;
      const rawErrorType = info.type || '';
      const type: nexus.HandlerErrorType = Object.hasOwn(nexus.HandlerErrorType, rawErrorType)
        ? nexus.HandlerErrorType[rawErrorType as keyof typeof nexus.HandlerErrorType]
        : 'UNKNOWN';
      return new nexus.HandlerError(type, failure.message ?? 'Nexus handler error', {
        cause: cause(),
        retryableOverride,
        rawErrorType,
        originalFailure: this.temporalFailureToNexusFailure(failure),
      });
    }
    if (failure.nexusOperationExecutionFailureInfo) {
      const info = failure.nexusOperationExecutionFailureInfo;
      return new NexusOperationFailure(
        message,
        longToNumber(info.scheduledEventId),
        info.endpoint ?? '',
        info.service ?? '',
        info.operation ?? '',
        info.operationToken ?? undefined,
        cause(),
      );
    }
    return new TemporalFailure(message, cause());
  }

  /**
   * Converts a `Failure` to an error. Encoded attributes (message and stack trace) are decoded first; the error's
   * `stack` is the failure's stack trace, and a {@link TemporalFailure} keeps the `Failure` in its `failure`
   * property so converting it back gives the same message.
   */
  failureToError(failure: ProtoFailure, payloadConverter: PayloadConverter, context?: SerializationContext): Error {
    if (failure.encodedAttributes) {
      const attributes = payloadConverter.fromPayload<unknown>(failure.encodedAttributes, context);
      // Only apply attributes of the expected shape.
      if (typeof attributes === 'object' && attributes !== null) {
        const { message, stack_trace } = attributes as Partial<Record<keyof DefaultEncodedFailureAttributes, unknown>>;
        failure = { ...failure }; // do not modify the caller's message
        if (typeof message === 'string') failure.message = message;
        if (typeof stack_trace === 'string') failure.stackTrace = stack_trace;
      }
    }
    const err = this.failureToErrorInner(failure, payloadConverter, context);
    err.stack = failure.stackTrace ?? '';
    if (err instanceof TemporalFailure) {
      err.failure = failure;
    }
    return err;
  }

  /**
   * Converts an error (or any thrown value) to a `Failure`, including its `cause` chain. With
   * `encodeCommonAttributes`, the message and stack trace of each failure move into `encodedAttributes`.
   */
  errorToFailure(err: unknown, payloadConverter: PayloadConverter, context?: SerializationContext): ProtoFailure {
    const failure = this.errorToFailureInner(err, payloadConverter, context);
    if (!this.options.encodeCommonAttributes) return failure;
    const { message, stackTrace } = failure;
    return {
      ...failure,
      message: 'Encoded failure',
      stackTrace: '',
      encodedAttributes: payloadConverter.toPayload({ message, stack_trace: stackTrace }, context),
    };
  }

  /** Converts an error to a `Failure` without encoding the common attributes. */
  errorToFailureInner(err: unknown, payloadConverter: PayloadConverter, context?: SerializationContext): ProtoFailure {
    if (err instanceof TemporalFailure || err instanceof nexus.HandlerError) {
      if (err instanceof TemporalFailure && err.failure) return err.failure;
      const base: ProtoFailure = {
        message: err.message,
        stackTrace: cutoffStackTrace(err.stack),
        cause: this.optionalErrorToOptionalFailure(err.cause, payloadConverter, context),
        source: FAILURE_SOURCE,
      };
      const toPayloads = (values: unknown[] | null | undefined): ProtoPayloads | undefined =>
        values && values.length ? { payloads: toPayloadsWithContext(payloadConverter, context, values) } : undefined;

      if (err instanceof ActivityFailure) {
        return {
          ...base,
          activityFailureInfo: {
            activityId: err.activityId,
            identity: err.identity,
            retryState: encodeRetryState(err.retryState),
            activityType: { name: err.activityType },
          },
        };
      }
      if (err instanceof ChildWorkflowFailure) {
        return {
          ...base,
          childWorkflowExecutionFailureInfo: {
            namespace: err.namespace,
            retryState: encodeRetryState(err.retryState),
            workflowExecution: err.execution,
            workflowType: { name: err.workflowType },
          },
        };
      }
      if (err instanceof ApplicationFailure) {
        return {
          ...base,
          applicationFailureInfo: {
            type: err.type,
            nonRetryable: err.nonRetryable,
            details: toPayloads(err.details),
            nextRetryDelay: msOptionalToTs(err.nextRetryDelay),
            category: encodeApplicationFailureCategory(err.category),
          },
        };
      }
      if (err instanceof CancelledFailure) {
        return { ...base, canceledFailureInfo: { details: toPayloads(err.details) } };
      }
      if (err instanceof TimeoutFailure) {
        return {
          ...base,
          timeoutFailureInfo: {
            timeoutType: encodeTimeoutType(err.timeoutType),
            lastHeartbeatDetails: err.lastHeartbeatDetails ? toPayloads([err.lastHeartbeatDetails]) : undefined,
          },
        };
      }
      if (err instanceof ServerFailure) {
        return { ...base, serverFailureInfo: { nonRetryable: err.nonRetryable } };
      }
      if (err instanceof TerminatedFailure) {
        return { ...base, terminatedFailureInfo: {} };
      }
      if (err instanceof nexus.HandlerError) {
        if (err.originalFailure) {
          return this.nexusFailureToTemporalFailure(err.originalFailure, err.retryable);
        }
        const retryBehavior =
          err.retryableOverride === true
            ? encodeNexusHandlerErrorRetryBehavior(NexusHandlerErrorRetryBehavior.RETRYABLE)
            : err.retryableOverride === false
              ? encodeNexusHandlerErrorRetryBehavior(NexusHandlerErrorRetryBehavior.NON_RETRYABLE)
              : undefined;
        return { ...base, nexusHandlerFailureInfo: { type: err.type, retryBehavior } };
      }
      if (err instanceof NexusOperationFailure) {
        return {
          ...base,
          nexusOperationExecutionFailureInfo: {
            scheduledEventId: err.scheduledEventId ? Long.fromNumber(err.scheduledEventId) : undefined,
            endpoint: err.endpoint,
            service: err.service,
            operation: err.operation,
            operationToken: err.operationToken,
          },
        };
      }
      return base;
    }

    const base: ProtoFailure = { source: FAILURE_SOURCE };
    if (isError(err)) {
      return {
        ...base,
        message: String(err.message ?? ''),
        stackTrace: cutoffStackTrace(err.stack),
        cause: this.optionalErrorToOptionalFailure(err.cause, payloadConverter, context),
      };
    }
    const recommendation =
      ' [A non-Error value was thrown from your code. We recommend throwing Error objects so that we can provide a stack trace]';
    if (typeof err === 'string') {
      return { ...base, message: err + recommendation };
    }
    if (typeof err === 'object') {
      let message: string;
      try {
        message = JSON.stringify(err);
      } catch {
        message = String(err);
      }
      return { ...base, message: message + recommendation };
    }
    return { ...base, message: String(err) + recommendation };
  }

  /** {@link failureToError} for an optional `Failure`: `null` and `undefined` give `undefined`. */
  optionalFailureToOptionalError(
    failure: ProtoFailure | undefined | null,
    payloadConverter: PayloadConverter,
    context?: SerializationContext,
  ): Error | undefined {
    return failure ? this.failureToError(failure, payloadConverter, context) : undefined;
  }

  /** {@link errorToFailure} for an optional error: falsy values give `undefined`. */
  optionalErrorToOptionalFailure(
    err: unknown,
    payloadConverter: PayloadConverter,
    context?: SerializationContext,
  ): ProtoFailure | undefined {
    return err ? this.errorToFailure(err, payloadConverter, context) : undefined;
  }

  /**
   * A Nexus failure back to a Temporal `Failure`: the embedded `Failure` when there is one, otherwise an
   * application failure of type `NexusFailure` carrying the Nexus failure as JSON details.
   */
  private nexusFailureToTemporalFailure(failure: nexus.Failure, retryable: boolean): ProtoFailure {
    if (failure.metadata?.type === NEXUS_TEMPORAL_FAILURE_TYPE) {
      if (failure.details === null || failure.details === undefined) {
        throw new TypeError(`missing details for Nexus Failure of type '${NEXUS_TEMPORAL_FAILURE_TYPE}'`);
      }
      return failure.details as ProtoFailure;
    }
    return {
      applicationFailureInfo: {
        type: 'NexusFailure',
        nonRetryable: !retryable,
        details: {
          payloads: [
            {
              metadata: { encoding: encode(encodingTypes.METADATA_ENCODING_JSON) },
              data: encode(JSON.stringify({ ...failure, message: '' })),
            },
          ],
        },
      },
      message: failure.message,
      stackTrace: failure.stackTrace ?? '',
    };
  }

  /** Wraps a whole Temporal `Failure` in a Nexus failure, so it can be turned back without loss. */
  private temporalFailureToNexusFailure(failure: ProtoFailure): nexus.Failure {
    return {
      message: failure.message ?? '',
      metadata: { type: NEXUS_TEMPORAL_FAILURE_TYPE },
      details: { ...failure },
    };
  }
}
