/**
 * Replaying histories: the workflow code is run against recorded histories through a replay core, and any
 * difference between the commands it produces and the history is reported.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { HistoryAndWorkflowId } from '@kairos/client';
import { type DataConverter, SdkComponent } from '@kairos/common';
import { loadDataConverter } from '@kairos/common/lib/internal-non-workflow';
import { historyFromJSON } from '@kairos/common/lib/proto-utils';
import * as bridge from '@kairos/core-bridge';
import { kairos, temporal } from '@kairos/proto';
import { DeterminismViolationError } from '@kairos/workflow';
import { ShutdownError } from './errors';
import { Runtime } from './runtime';
import { compileWorkerOptions, type ReplayWorkerOptions } from './worker-options';
import { WorkflowActivationProcessor } from './workflow/activation-processor';
import { createIsolatePool, loadWorkflowBundle, nativeWorkerOptions } from './worker';

/** Why the core evicted a run (values of `kairos.core.activation.EvictionReason`). */
export const EvictionReason = kairos.core.activation.EvictionReason;
export type EvictionReason = kairos.core.activation.EvictionReason;
/** An eviction job. */
export type RemoveFromCache = kairos.core.activation.IRemoveFromCache;

/** Replaying a history failed for a reason other than non-determinism. */
export class ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayError';
  }
}

/** The outcome of replaying one history. */
export interface ReplayResult {
  readonly workflowId: string;
  readonly runId: string;
  readonly error?: ReplayError | DeterminismViolationError;
}

/** Histories to replay, with their workflow ids. */
export type ReplayHistoriesIterable = AsyncIterable<HistoryAndWorkflowId> | Iterable<HistoryAndWorkflowId>;

/** The error an eviction stands for, if any. */
export function evictionReasonToReplayError(
  evict: RemoveFromCache,
): ReplayError | DeterminismViolationError | undefined {
  switch (evict.reason) {
    case EvictionReason.EVICTION_REASON_NONDETERMINISM:
      return new DeterminismViolationError(`Replay failed with a nondeterminism error: ${evict.message ?? ''}`);
    case EvictionReason.EVICTION_REASON_LANG_FAIL:
    case EvictionReason.EVICTION_REASON_FATAL:
    case EvictionReason.EVICTION_REASON_PAGINATION_OR_HISTORY_FETCH:
    case EvictionReason.EVICTION_REASON_TASK_NOT_FOUND:
    case EvictionReason.EVICTION_REASON_UNHANDLED_COMMAND:
      return new ReplayError(evict.message || 'Replay failed');
    default:
      return undefined;
  }
}

type HistoryInput = temporal.api.history.v1.IHistory | unknown;

/** A History message from an object or from the JSON the CLI and UI export. */
export function toHistory(history: HistoryInput): temporal.api.history.v1.IHistory {
  if (typeof history !== 'object' || history === null) {
    throw new TypeError(`Expected a history object, got ${history === null ? 'null' : typeof history}`);
  }
  const events = (history as { events?: unknown[] }).events;
  if (!Array.isArray(events)) throw new TypeError('The history has no events array');
  const first = events[0] as { eventType?: unknown; eventId?: unknown } | undefined;
  const isJson = first !== undefined && (typeof first.eventType === 'string' || typeof first.eventId === 'string');
  return isJson ? historyFromJSON(history) : (history as temporal.api.history.v1.IHistory);
}

function runIdOf(history: temporal.api.history.v1.IHistory): string {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  return started?.originalExecutionRunId ?? '';
}

/**
 * A replay worker: a replay core with its isolates, reused for a sequence of histories (`Worker.createReplay`).
 * Replay histories one at a time with {@link ReplayWorker.replay}, then {@link ReplayWorker.close} it.
 */
export class ReplayWorker {
  private constructor(
    private readonly native: bridge.Worker,
    private readonly processor: WorkflowActivationProcessor,
    private readonly destroyPool: () => void,
  ) {}

  static async create(options: ReplayWorkerOptions): Promise<ReplayWorker> {
    for (const plugin of options.plugins ?? []) {
      if (plugin.configureReplayWorker) options = await plugin.configureReplayWorker(options);
    }
    const runtime = Runtime.instance();
    const taskQueue = options.replayName ?? `replay-${randomUUID()}`;
    const compiled = compileWorkerOptions({ ...options, taskQueue, maxCachedWorkflows: 1 });
    const dataConverter = loadDataConverter(options.dataConverter as DataConverter | undefined);
    const bundle = await loadWorkflowBundle(
      options as Parameters<typeof loadWorkflowBundle>[0],
      options.dataConverter,
      runtime.logger,
    );
    if (bundle === undefined) throw new TypeError('Replaying needs workflowsPath or workflowBundle');
    const pool = createIsolatePool(compiled, bundle, undefined);
    const native = bridge.Worker.createReplay(nativeWorkerOptions(compiled, 'replay', true));
    const processor = new WorkflowActivationProcessor({
      pool,
      codecs: dataConverter.payloadCodecs,
      sinks: compiled.sinks,
      logger: runtime.logger,
      onLostRuns: (runIds) => runIds.forEach((runId) => native.requestWorkflowEviction(runId)),
    });
    return new ReplayWorker(native, processor, () => pool.destroy());
  }

  /** Replays one history to its end (or its first failure); the outcome says which. */
  async replay(workflowId: string, input: HistoryInput): Promise<ReplayResult> {
    const pushed = this.push(workflowId, input);
    const result = await this.drive(workflowId, pushed.runId);
    await pushed.done;
    return result;
  }

  /**
   * Queues a history; the core replays queued histories one after the other, so a history can be queued while
   * the previous one is still being driven (which keeps the core busy between two histories).
   */
  push(workflowId: string, input: HistoryInput): { runId: string; done: Promise<void> } {
    const history = toHistory(input);
    const bytes = temporal.api.history.v1.History.encode(history).finish();
    const done = this.native.pushHistory(workflowId, bytes);
    done.catch(() => undefined);
    return { runId: runIdOf(history), done };
  }

  /** Evictions seen while driving, in order, with the outcome they stand for. */
  private readonly evictions: { runId: string; error?: ReplayError | DeterminismViolationError }[] = [];
  /** The first failure of each run since its last eviction. */
  private readonly failures = new Map<string, string>();

  /**
   * Answers activations until the run of `expectedRunId` is evicted (an empty id takes the next eviction). When
   * histories are queued ahead, the core may start the next one before the previous run's eviction: its
   * activations are answered here too, and its eviction is kept for the call that waits for it.
   */
  async drive(workflowId: string, expectedRunId: string): Promise<ReplayResult> {
    for (;;) {
      const found = this.evictions.findIndex((e) => expectedRunId === '' || e.runId === expectedRunId);
      if (found >= 0) {
        const [eviction] = this.evictions.splice(found, 1);
        return { workflowId, runId: eviction.runId, error: eviction.error };
      }
      const activation = await this.native.pollWorkflowActivation();
      const result = await this.processor.process(activation);
      if (result.failure !== undefined && !this.failures.has(result.runId)) {
        this.failures.set(result.runId, result.failure);
      }
      await this.native.completeWorkflowActivation(result.completion);
      if (result.eviction) {
        let error = evictionReasonToReplayError(result.eviction);
        const failure = this.failures.get(result.runId);
        this.failures.delete(result.runId);
        if (error instanceof ReplayError && failure !== undefined) error = new ReplayError(failure);
        this.evictions.push({ runId: result.runId, error });
      }
    }
  }

  /** Shuts the replay core down and releases the isolates. */
  async close(): Promise<void> {
    this.native.closeHistoryStream();
    try {
      for (;;) {
        const activation = await this.native.pollWorkflowActivation();
        const result = await this.processor.process(activation);
        await this.native.completeWorkflowActivation(result.completion);
      }
    } catch (err) {
      if (!(err instanceof ShutdownError)) {
        Runtime.instance().logger.warn('Replay worker failed while shutting down', {
          sdkComponent: SdkComponent.worker,
          error: err,
        });
      }
    }
    await this.native.finalizeShutdown();
    this.destroyPool();
  }
}

/** Replays one history; throws `DeterminismViolationError` or `ReplayError` when it does not replay cleanly. */
export async function runReplayHistory(
  options: ReplayWorkerOptions,
  history: HistoryInput,
  workflowId?: string,
): Promise<void> {
  const replayer = await ReplayWorker.create(options);
  try {
    const result = await replayer.replay(workflowId ?? 'replay-workflow-id', history);
    if (result.error) throw result.error;
  } finally {
    await replayer.close();
  }
}

/**
 * How many replay cores `runReplayHistories` drives at once. While one core works on a history, the worker
 * thread answers the other's activations; results are still yielded in the order of the input.
 */
const REPLAY_LANES = 2;

/** Replays histories, yielding each outcome in input order (failures are results, not throws). */
export async function* runReplayHistories(
  options: ReplayWorkerOptions,
  histories: ReplayHistoriesIterable,
): AsyncIterableIterator<ReplayResult> {
  const lanes = await Promise.all(Array.from({ length: REPLAY_LANES }, () => ReplayWorker.create(options)));
  const items: AsyncIterator<HistoryAndWorkflowId> | Iterator<HistoryAndWorkflowId> =
    Symbol.asyncIterator in histories
      ? (histories as AsyncIterable<HistoryAndWorkflowId>)[Symbol.asyncIterator]()
      : (histories as Iterable<HistoryAndWorkflowId>)[Symbol.iterator]();
  // Each lane replays its histories in turn; a history is queued on its lane's core before the previous one is
  // driven, so the core never waits for the worker thread to move on.
  const laneTails: Promise<unknown>[] = lanes.map(() => Promise.resolve());
  const inFlight: Promise<ReplayResult>[] = [];
  const pushes: Promise<void>[] = [];
  let index = 0;
  let exhausted = false;
  const schedule = async (): Promise<void> => {
    if (exhausted) return;
    const item = await items.next();
    if (item.done) {
      exhausted = true;
      return;
    }
    const lane = lanes[index % lanes.length];
    const laneIndex = index % lanes.length;
    index++;
    const queued = lane.push(item.value.workflowId, item.value.history);
    pushes.push(queued.done);
    const { workflowId } = item.value;
    const result = laneTails[laneIndex].then(() => lane.drive(workflowId, queued.runId));
    laneTails[laneIndex] = result.catch(() => undefined);
    inFlight.push(result);
  };
  try {
    // Keep two histories queued per lane ahead of the one being yielded.
    for (let i = 0; i < lanes.length * 2; i++) await schedule();
    while (inFlight.length > 0) {
      const next = inFlight.shift() as Promise<ReplayResult>;
      await schedule();
      yield await next;
    }
  } finally {
    await Promise.allSettled([...inFlight, ...pushes]);
    await Promise.all(lanes.map((lane) => lane.close()));
  }
}
