/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
/**
 * The per-run state of the workflow runtime: the `Activator` applies activation jobs, keeps the pending
 * operations of the run, and collects the commands the workflow code produces. The signal, query and update
 * jobs are applied by `message-jobs.ts`.
 *
 * @module
 */
import {
  defaultFailureConverter,
  defaultPayloadConverter,
  type FailureConverter,
  fromPayloadsAtIndex,
  HandlerUnfinishedPolicy,
  IllegalStateError,
  type Payload,
  type PayloadConverter,
  TemporalFailure,
  type Workflow,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowDefinitionOptions,
} from '@kairos/common';
import { arrayFromPayloads } from '@kairos/common/lib/converter/payload-converter';
import { composeInterceptors } from '@kairos/common/lib/interceptors';
import type { kairos, temporal } from '@kairos/proto';
import { Alea, type RNG, uuid4From } from './alea';
import { RootCancellationScope } from './cancellation-scope';
import { isCancellation, LocalActivityDoBackoff } from './errors';
import { type SdkFlag, flagById } from './flags';
import type { WorkflowExecuteInput, WorkflowInterceptors } from './interceptors';
import {
  ContinueAsNew,
  type DefaultQueryHandler,
  type DefaultSignalHandler,
  type DefaultUpdateHandler,
  type WorkflowInfo,
} from './interfaces';
import {
  type QueryHandlerEntry,
  type RunningHandler,
  type SignalHandlerEntry,
  type UpdateHandlerEntry,
  warnIfUnfinishedHandlers,
} from './message-jobs';
import type { SinkCall } from './sinks';
import { untrackPromise } from './stack-helpers';
import { captureStack, type StackHolder } from './stack-traces';

type Command = kairos.core.commands.IWorkflowCommand;

/**
 * A map of pending operations that remembers where each was started, for the stack trace queries. Stacks are
 * captured as structured frames and formatted only if a query reads them.
 */
export class StackTrackedMap<V> extends Map<number, V> {
  readonly stacks = new Map<number, StackHolder>();
  enabled = true;

  /** `callSite` gives the stack the workflow API captured where the operation was started, if any. */
  constructor(private readonly callSite: () => StackHolder | undefined = () => undefined) {
    super();
  }

  override set(key: number, value: V): this {
    if (this.enabled) this.stacks.set(key, this.callSite() ?? captureStack(StackTrackedMap.prototype.set, 40));
    return super.set(key, value);
  }

  override delete(key: number): boolean {
    this.stacks.delete(key);
    return super.delete(key);
  }
}

/** How a pending operation is settled when its job arrives. */
export interface Completion {
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

/** A condition the workflow waits on. */
export interface Condition {
  fn(): boolean;
  resolve(): void;
}

/** Everything the runtime needs to create a run's activator. */
export interface ActivatorOptions {
  info: WorkflowInfo;
  randomnessSeed: number[];
  now: number;
  workflowFn: Workflow | undefined;
  workflowDefinitionOptions?: WorkflowDefinitionOptions;
  interceptors: Required<WorkflowInterceptors>;
  payloadConverter: PayloadConverter;
  failureConverter: FailureConverter;
  registeredActivityNames: Set<string> | undefined;
  failureExceptionTypeNames: string[];
  sdkVersion: string;
  wallClockNow: () => number;
  unsafeRandom: () => number;
}

/** The kinds of operations numbered by sequence, each with its own counter. */
type SeqKind =
  | 'timer'
  | 'activity'
  | 'childWorkflow'
  | 'signalWorkflow'
  | 'cancelWorkflow'
  | 'condition'
  | 'nexusOperation'
  | 'stack';

type CompletionKind =
  | 'timer'
  | 'activity'
  | 'childWorkflowStart'
  | 'childWorkflowComplete'
  | 'signalWorkflow'
  | 'cancelWorkflow'
  | 'nexusOperationStart'
  | 'nexusOperationComplete';

/** The state of one workflow run inside the isolate. */
export class Activator {
  info: WorkflowInfo;
  /** Workflow time of the current activation, in milliseconds. */
  now: number;
  /** Whether the current activation replays history. */
  isReplaying = false;

  readonly nextSeqs: Record<SeqKind, number> = {
    timer: 1,
    activity: 1,
    childWorkflow: 1,
    signalWorkflow: 1,
    cancelWorkflow: 1,
    condition: 1,
    nexusOperation: 1,
    stack: 1,
  };
  private callSiteStack?: StackHolder;
  private readonly takeCallSite = (): StackHolder | undefined => {
    const stack = this.callSiteStack;
    this.callSiteStack = undefined;
    return stack;
  };
  readonly completions: Record<CompletionKind, StackTrackedMap<Completion>> = {
    timer: new StackTrackedMap(this.takeCallSite),
    activity: new StackTrackedMap(this.takeCallSite),
    childWorkflowStart: new StackTrackedMap(this.takeCallSite),
    childWorkflowComplete: new StackTrackedMap(),
    signalWorkflow: new StackTrackedMap(this.takeCallSite),
    cancelWorkflow: new StackTrackedMap(this.takeCallSite),
    nexusOperationStart: new StackTrackedMap(this.takeCallSite),
    nexusOperationComplete: new StackTrackedMap(),
  };
  readonly blockedConditions = new StackTrackedMap<Condition>(this.takeCallSite);

  /**
   * Records where the workflow called `api` (skipping the SDK frames above it); the next pending operation
   * takes this stack for the stack trace queries.
   */
  noteCallSite(api: (...args: any[]) => any): void {
    if (this.blockedConditions.enabled) this.callSiteStack = captureStack(api);
  }

  /** Where each pending operation was started (for the stack trace queries). */
  *pendingStacks(): Iterable<StackHolder> {
    for (const map of Object.values(this.completions)) yield* map.stacks.values();
    yield* this.blockedConditions.stacks.values();
  }

  /** Turns stack capture on or off (the `stackTracesEnabled` option). */
  setStackTracking(enabled: boolean): void {
    for (const map of Object.values(this.completions)) map.enabled = enabled;
    this.blockedConditions.enabled = enabled;
  }

  commands: Command[] = [];
  /** The first error that must fail the workflow task (not the workflow); reported at the end of the activation. */
  workflowTaskError: unknown = undefined;
  /** A terminal command was produced. */
  completed = false;
  /** The workflow was asked to cancel. */
  cancelled = false;

  readonly signalHandlers = new Map<string, SignalHandlerEntry>();
  defaultSignalHandler?: DefaultSignalHandler;
  readonly queryHandlers = new Map<string, QueryHandlerEntry>();
  defaultQueryHandler?: DefaultQueryHandler;
  readonly updateHandlers = new Map<string, UpdateHandlerEntry>();
  defaultUpdateHandler?: {
    handler: DefaultUpdateHandler;
    validator?: undefined;
    unfinishedPolicy: HandlerUnfinishedPolicy;
  };
  readonly bufferedSignals: kairos.core.activation.ISignalWorkflow[] = [];
  readonly bufferedUpdates: kairos.core.activation.IDoUpdate[] = [];
  readonly inProgressSignals = new Map<number, RunningHandler>();
  readonly inProgressUpdates = new Map<string, RunningHandler>();
  /** Numbers the running signal handlers (`inProgressSignals`). */
  nextSignalHandlerId = 1;

  readonly knownPresentPatches = new Set<string>();
  readonly sentPatches = new Set<string>();
  readonly knownFlags = new Set<number>();
  private readonly newFlags = new Set<number>();

  sinkCalls: SinkCall[] = [];
  currentDetails = '';

  readonly rootScope: RootCancellationScope;
  private random: Alea;
  readonly unsafeRandom: () => number;
  readonly wallClockNow: () => number;
  payloadConverter: PayloadConverter;
  failureConverter: FailureConverter;
  interceptors: Required<WorkflowInterceptors>;
  readonly registeredActivityNames: Set<string> | undefined;
  readonly failureExceptionTypeNames: string[];
  readonly sdkVersion: string;
  workflowFn: Workflow | undefined;
  workflowDefinitionOptions?: WorkflowDefinitionOptions;
  /** Whether the workflow function has been called. */
  started = false;
  /** Timer scopes of `setTimeout` calls, by the handle returned. */
  readonly timeoutScopes = new Map<number, { cancel(): void }>();

  constructor(options: ActivatorOptions) {
    this.info = options.info;
    this.now = options.now;
    this.random = new Alea(options.randomnessSeed);
    this.workflowFn = options.workflowFn;
    this.workflowDefinitionOptions = options.workflowDefinitionOptions;
    this.interceptors = options.interceptors;
    this.payloadConverter = options.payloadConverter;
    this.failureConverter = options.failureConverter;
    this.registeredActivityNames = options.registeredActivityNames;
    this.failureExceptionTypeNames = options.failureExceptionTypeNames;
    this.sdkVersion = options.sdkVersion;
    this.wallClockNow = options.wallClockNow;
    this.unsafeRandom = options.unsafeRandom;
    this.rootScope = new RootCancellationScope();
  }

  /** The deterministic random number generator (what `Math.random` returns). */
  nextRandom(): number {
    return this.random.next();
  }

  /** A deterministic UUID from the run's random stream. */
  uuid4(): string {
    return uuid4From(() => this.nextRandom());
  }

  mutateWorkflowInfo(fn: (info: WorkflowInfo) => WorkflowInfo): void {
    this.info = fn(this.info);
  }

  /** Takes the next sequence number of a kind. */
  nextSeq(kind: SeqKind): number {
    return this.nextSeqs[kind]++;
  }

  pushCommand(command: Command, complete = false): void {
    this.commands.push(command);
    if (complete) this.completed = true;
  }

  /** Removes and returns the pending completion of `seq`; a missing one means the core and the runtime disagree. */
  consumeCompletion(kind: CompletionKind, seq: number): Completion {
    const completion = this.completions[kind].get(seq);
    if (completion === undefined) {
      throw new IllegalStateError(`No completion for ${kind} with seq ${seq}`);
    }
    this.completions[kind].delete(seq);
    return completion;
  }

  /**
   * Whether the run uses an SDK flag. New work uses every flag that is on by default and records it;
   * replayed work uses a flag only if history recorded it.
   */
  hasFlag(flag: SdkFlag): boolean {
    if (this.knownFlags.has(flag.id)) return true;
    if (!this.isReplaying && flag.default) {
      this.knownFlags.add(flag.id);
      this.newFlags.add(flag.id);
      return true;
    }
    return false;
  }

  /** Flags recorded in history so far. */
  addKnownFlags(flags: number[]): void {
    for (const id of flags) {
      if (flagById(id) !== undefined) this.knownFlags.add(id);
    }
  }

  /** Flags first used since the last call. */
  takeNewFlags(): number[] {
    const flags = [...this.newFlags];
    this.newFlags.clear();
    return flags;
  }

  // Conversions -------------------------------------------------------------------------------------------

  toPayload(value: unknown): Payload {
    return this.payloadConverter.toPayload(value);
  }

  fromPayload<T>(payload: Payload | null | undefined): T {
    if (payload === null || payload === undefined) return undefined as T;
    return this.payloadConverter.fromPayload<T>(payload);
  }

  errorToFailure(err: unknown): temporal.api.failure.v1.IFailure {
    return this.failureConverter.errorToFailure(err, this.payloadConverter);
  }

  failureToError(failure: temporal.api.failure.v1.IFailure): Error {
    return this.failureConverter.failureToError(failure, this.payloadConverter);
  }

  // Workflow lifecycle --------------------------------------------------------------------------------------

  /** Calls the workflow function through the inbound interceptors; its outcome becomes the terminal command. */
  startWorkflow(init: kairos.core.activation.IInitializeWorkflow): void {
    this.started = true;
    const workflowFn = this.workflowFn;
    if (workflowFn === undefined) {
      throw new TypeError(
        `Failed to initialize workflow of type '${this.info.workflowType}': no such function is exported by the workflow bundle`,
      );
    }
    const execute = composeInterceptors(this.interceptors.inbound, 'execute', async (input: WorkflowExecuteInput) =>
      workflowFn(...input.args),
    );
    const args = arrayFromPayloads(this.payloadConverter, init.arguments ?? []);
    const run = async (): Promise<unknown> => execute({ args, headers: init.headers ?? {} });
    untrackPromise(
      run().then(
        (result) => this.completeWorkflow(result),
        (err) => this.handleWorkflowFailure(err),
      ),
    );
  }

  completeWorkflow(result: unknown): void {
    warnIfUnfinishedHandlers(this);
    this.pushCommand({ completeWorkflowExecution: { result: this.toPayload(result) } }, true);
  }

  /**
   * Decides what an error thrown by the workflow function or a handler means: cancelled, continued as new, a
   * failed workflow, or (any other error) a failed workflow task that the server retries.
   */
  handleWorkflowFailure(error: unknown): void {
    if (this.cancelled && isCancellation(error)) {
      warnIfUnfinishedHandlers(this);
      this.pushCommand({ cancelWorkflowExecution: {} }, true);
    } else if (error instanceof ContinueAsNew) {
      warnIfUnfinishedHandlers(this);
      this.pushCommand({ continueAsNewWorkflowExecution: error.command }, true);
    } else if (error instanceof TemporalFailure || this.isWorkflowFailureError(error)) {
      warnIfUnfinishedHandlers(this);
      this.pushCommand({ failWorkflowExecution: { failure: this.errorToFailure(error) } }, true);
    } else {
      this.recordWorkflowTaskError(error);
    }
  }

  /** Whether a non-Temporal error fails the workflow (`workflowFailureErrorTypes`, `failureExceptionTypes`). */
  private isWorkflowFailureError(error: unknown): boolean {
    if (!(error instanceof Error)) return false;
    const types = this.workflowDefinitionOptions?.failureExceptionTypes ?? [];
    if (types.some((type) => error instanceof type)) return true;
    if (this.failureExceptionTypeNames.length === 0) return false;
    for (let proto = Object.getPrototypeOf(error); proto !== null; proto = Object.getPrototypeOf(proto)) {
      const name = (proto.constructor as { name?: string } | undefined)?.name;
      if (name !== undefined && this.failureExceptionTypeNames.includes(name)) return true;
    }
    return false;
  }

  recordWorkflowTaskError(error: unknown): void {
    if (this.workflowTaskError === undefined) this.workflowTaskError = error;
  }

  // Jobs ------------------------------------------------------------------------------------------------------

  fireTimer(job: kairos.core.activation.IFireTimer): void {
    // A timer cancelled in this same activation may still fire: nothing waits for it any more.
    const completion = this.completions.timer.get(job.seq ?? 0);
    if (completion === undefined) return;
    this.completions.timer.delete(job.seq ?? 0);
    completion.resolve(undefined);
  }

  resolveActivity(job: kairos.core.activation.IResolveActivity): void {
    const result = job.result;
    if (!result) throw new TypeError('Got ResolveActivity job without result');
    const { resolve, reject } = this.consumeCompletion('activity', job.seq ?? 0);
    if (result.completed) {
      resolve(this.fromPayload(result.completed.result));
    } else if (result.failed) {
      reject(this.failureToError(result.failed.failure ?? {}));
    } else if (result.cancelled) {
      reject(this.failureToError(result.cancelled.failure ?? {}));
    } else if (result.backoff) {
      reject(new LocalActivityDoBackoff(result.backoff));
    }
  }

  resolveChildWorkflowExecutionStart(job: kairos.core.activation.IResolveChildWorkflowExecutionStart): void {
    const seq = job.seq ?? 0;
    const { resolve, reject } = this.consumeCompletion('childWorkflowStart', seq);
    if (job.succeeded) {
      resolve(job.succeeded.runId);
    } else if (job.failed) {
      const ALREADY_EXISTS = 1; // START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS
      if (job.failed.cause !== ALREADY_EXISTS) {
        throw new IllegalStateError(`Got unknown StartChildWorkflowExecutionFailedCause: ${job.failed.cause}`);
      }
      this.completions.childWorkflowComplete.delete(seq);
      reject(
        new WorkflowExecutionAlreadyStartedError(
          'Workflow execution already started',
          job.failed.workflowId ?? '',
          job.failed.workflowType ?? '',
        ),
      );
    } else if (job.cancelled) {
      this.completions.childWorkflowComplete.delete(seq);
      reject(this.failureToError(job.cancelled.failure ?? {}));
    } else {
      throw new TypeError('Got ResolveChildWorkflowExecutionStart with no status set');
    }
  }

  resolveChildWorkflowExecution(job: kairos.core.activation.IResolveChildWorkflowExecution): void {
    const result = job.result;
    if (!result) throw new TypeError('Got ResolveChildWorkflowExecution job without result');
    const { resolve, reject } = this.consumeCompletion('childWorkflowComplete', job.seq ?? 0);
    if (result.completed) {
      resolve(this.fromPayload(result.completed.result));
    } else if (result.failed) {
      reject(this.failureToError(result.failed.failure ?? {}));
    } else if (result.cancelled) {
      reject(this.failureToError(result.cancelled.failure ?? {}));
    }
  }

  resolveSignalExternalWorkflow(job: kairos.core.activation.IResolveSignalExternalWorkflow): void {
    const { resolve, reject } = this.consumeCompletion('signalWorkflow', job.seq ?? 0);
    if (job.failure) reject(this.failureToError(job.failure));
    else resolve(undefined);
  }

  resolveRequestCancelExternalWorkflow(job: kairos.core.activation.IResolveRequestCancelExternalWorkflow): void {
    const { resolve, reject } = this.consumeCompletion('cancelWorkflow', job.seq ?? 0);
    if (job.failure) reject(this.failureToError(job.failure));
    else resolve(undefined);
  }

  resolveNexusOperationStart(job: kairos.core.activation.IResolveNexusOperationStart): void {
    const seq = job.seq ?? 0;
    const { resolve, reject } = this.consumeCompletion('nexusOperationStart', seq);
    if (job.operationToken !== undefined && job.operationToken !== null) {
      resolve(job.operationToken);
    } else if (job.startedSync) {
      // A synchronous operation has no token: the official SDK gives the handle an empty one.
      resolve('');
    } else if (job.failed) {
      this.completions.nexusOperationComplete.delete(seq);
      reject(this.failureToError(job.failed));
    }
  }

  resolveNexusOperation(job: kairos.core.activation.IResolveNexusOperation): void {
    const seq = job.seq ?? 0;
    // A synchronous failure to start resolves the start only.
    const completion = this.completions.nexusOperationComplete.get(seq);
    if (completion === undefined) return;
    this.completions.nexusOperationComplete.delete(seq);
    const result = job.result;
    if (result?.completed) completion.resolve(this.fromPayload(result.completed));
    else if (result?.failed) completion.reject(this.failureToError(result.failed));
    else if (result?.cancelled) completion.reject(this.failureToError(result.cancelled));
    else if (result?.timedOut) completion.reject(this.failureToError(result.timedOut));
  }

  notifyHasPatch(job: kairos.core.activation.INotifyHasPatch): void {
    if (job.patchId) this.knownPresentPatches.add(job.patchId);
  }

  updateRandomSeed(seedBytes: number[]): void {
    this.random = new Alea(seedBytes);
  }

  cancelWorkflow(_job: kairos.core.activation.ICancelWorkflow): void {
    this.cancelled = true;
    this.rootScope.cancel();
  }

  // Conditions ------------------------------------------------------------------------------------------------

  /** Resolves every condition whose function now returns true; returns how many were resolved. */
  tryUnblockConditions(): number {
    let unblocked = 0;
    for (const [seq, cond] of this.blockedConditions) {
      if (cond.fn()) {
        cond.resolve();
        this.blockedConditions.delete(seq);
        unblocked++;
      }
    }
    return unblocked;
  }

  // Handlers still running --------------------------------------------------------------------------------

  allHandlersFinished(): boolean {
    return this.inProgressSignals.size === 0 && this.inProgressUpdates.size === 0;
  }

  /** Set by the logging module so the activator can log without importing it (it would be a cycle). */
  logWarning: (message: string, attrs: Record<string, unknown>) => void = () => undefined;

  // Conclusion ------------------------------------------------------------------------------------------------

  /** Takes the commands produced since the last conclusion. */
  takeCommands(): Command[] {
    const commands = this.commands;
    this.commands = [];
    return commands;
  }

  /** Takes the sink calls made since the last call. */
  takeSinkCalls(): SinkCall[] {
    const calls = this.sinkCalls;
    this.sinkCalls = [];
    return calls;
  }

  /** Random numbers outside the deterministic stream. */
  makeUnsafeRandom(): { random(): number; uuid4(): string; fillRandom(bytes: Uint8Array): Uint8Array } {
    const random: RNG = this.unsafeRandom;
    return {
      random,
      uuid4: () => uuid4From(random),
      fillRandom: (bytes) => {
        for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
        return bytes;
      },
    };
  }

  /** The last completion result of a cron or retried chain, decoded. */
  decodeLastResult(payloads: Payload[] | null | undefined): unknown {
    return payloads && payloads.length > 0 ? fromPayloadsAtIndex(this.payloadConverter, 0, payloads) : undefined;
  }
}

/** Builds a converter pair from what a bundle provides (custom converters or the defaults). */
export function convertersFrom(custom: { payloadConverter?: PayloadConverter; failureConverter?: FailureConverter }): {
  payloadConverter: PayloadConverter;
  failureConverter: FailureConverter;
} {
  return {
    payloadConverter: custom.payloadConverter ?? defaultPayloadConverter,
    failureConverter: custom.failureConverter ?? defaultFailureConverter,
  };
}
