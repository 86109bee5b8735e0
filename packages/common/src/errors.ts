import { SymbolBasedInstanceOfError } from './type-helpers';

/**
 * Thrown when code receives a value it cannot handle: a bad duration string, an invalid retry policy,
 * a value no payload converter accepts, and so on. The message names the offending value.
 */
export class ValueError extends Error {
  /** The error that caused this one, if any. */
  public override readonly cause?: unknown;

  constructor(message: string | undefined, cause?: unknown) {
    super(message ?? undefined);
    this.cause = cause;
  }
}
SymbolBasedInstanceOfError('ValueError')(ValueError);

/** Thrown when a payload converter is misconfigured or meets a payload it has no converter for. */
export class PayloadConverterError extends ValueError {}
SymbolBasedInstanceOfError('PayloadConverterError')(PayloadConverterError);

/**
 * Thrown when an operation is not allowed in the current state of an object, for example using a resource
 * after it was closed.
 */
export class IllegalStateError extends Error {}
SymbolBasedInstanceOfError('IllegalStateError')(IllegalStateError);

/**
 * Thrown when the server does not know a workflow with the given id: the id is wrong, the workflow is closed
 * (for calls that need a running one), or it was deleted after its retention period.
 */
export class WorkflowNotFoundError extends Error {
  constructor(
    message: string,
    /** The workflow id that was looked up. */
    public readonly workflowId: string,
    /** The run id that was looked up, if one was given. */
    public readonly runId: string | undefined,
  ) {
    super(message);
  }
}
SymbolBasedInstanceOfError('WorkflowNotFoundError')(WorkflowNotFoundError);

/** Thrown when the server does not know the namespace a call was made in. */
export class NamespaceNotFoundError extends Error {
  constructor(
    /** The namespace that does not exist. */
    public readonly namespace: string,
  ) {
    super(`Namespace not found: '${namespace}'`);
  }
}
SymbolBasedInstanceOfError('NamespaceNotFoundError')(NamespaceNotFoundError);

/**
 * Throw this from an activity to leave it running after the function returns; complete it later from anywhere
 * with the client's async completion API.
 */
export class CompleteAsyncError extends Error {}
SymbolBasedInstanceOfError('CompleteAsyncError')(CompleteAsyncError);

/**
 * Thrown when an incoming payload refers to externally stored data but no external storage is configured.
 *
 * @experimental
 */
export class ExternalStorageNotConfiguredError extends Error {
  constructor(message = 'Detected externally stored payload(s) but external storage is not configured.') {
    super(`[TMPRL1105] ${message}`);
  }
}
SymbolBasedInstanceOfError('ExternalStorageNotConfiguredError')(ExternalStorageNotConfiguredError);
