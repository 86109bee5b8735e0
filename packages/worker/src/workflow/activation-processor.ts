/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
/**
 * Handles the core's workflow activations for a worker (live or replay): evictions, payload codecs around the
 * isolate, the isolate call itself, and the sink calls the activation made.
 *
 * @module
 */
import { type Logger, type PayloadCodec, SdkComponent } from '@kairos/common';
import type { kairos } from '@kairos/proto';
import type { SinkCall, WorkflowInfo } from '@kairos/workflow';
import { TypedSearchAttributes } from '@kairos/common';
import { recordWorkflowMetric } from '../metrics/workflow-metrics';
import { Runtime } from '../runtime';
import type { InjectedSinks } from '../sinks';
import {
  decodeActivation,
  decodeActivationPayloads,
  emptyCompletion,
  encodeCompletion,
  encodeCompletionPayloads,
} from './activation-codec';
import { DeadlockError, IsolateMemoryLimitError, type IsolatePool, UnhandledRejectionError } from './isolate-host';

/** Options of a {@link WorkflowActivationProcessor}. */
export interface ActivationProcessorOptions {
  pool: IsolatePool;
  codecs: PayloadCodec[];
  sinks: InjectedSinks<any>;
  logger: Logger;
  /** Called with runs whose isolate state was lost (memory limit): the worker asks the core to evict them. */
  onLostRuns(runIds: string[]): void;
}

/** What processing one activation produced. */
export interface ProcessedActivation {
  runId: string;
  completion: Uint8Array;
  /** Set when the activation evicted the run. */
  eviction?: kairos.core.activation.IRemoveFromCache;
  /** Set when the activation failed the workflow task; the message of the failure. */
  failure?: string;
}

function failureOf(err: unknown): { message: string; stackTrace?: string; applicationFailureInfo: { type: string } } {
  const e = err instanceof Error ? err : new Error(String(err));
  return { message: e.message, stackTrace: e.stack, applicationFailureInfo: { type: e.name } };
}

/** Rebuilds the workflow info the isolate sent with a sink call (it travels without functions). */
function infoFromIsolate(raw: WorkflowInfo): WorkflowInfo {
  const plain = raw as unknown as Omit<WorkflowInfo, 'typedSearchAttributes'> & { typedSearchAttributes: unknown };
  const pairs = Array.isArray(plain.typedSearchAttributes) ? plain.typedSearchAttributes : [];
  return {
    ...plain,
    typedSearchAttributes: new TypedSearchAttributes(pairs),
    unsafe: {
      ...plain.unsafe,
      now: () => Date.now(),
      random: {
        random: Math.random,
        uuid4: () => crypto.randomUUID(),
        fillRandom: (b: Uint8Array) => crypto.getRandomValues(b),
      },
    },
  } as WorkflowInfo;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Turns activations into completions. */
export class WorkflowActivationProcessor {
  /** Activations being processed right now. */
  inFlight = 0;

  constructor(private readonly options: ActivationProcessorOptions) {}

  /** Processes one activation (bytes from the core) and returns the completion bytes. */
  async process(bytes: Uint8Array): Promise<ProcessedActivation> {
    const { message, isolate, eviction, initializes } = decodeActivation(bytes);
    const runId = message.runId;
    if (eviction) {
      await this.options.pool.disposeConfigured(runId);
      return { runId, completion: emptyCompletion(runId), eviction };
    }
    this.inFlight++;
    try {
      if (!initializes && !this.options.pool.has(runId)) {
        const failure = failureOf(
          new Error(
            `The worker holds no state for workflow run ${runId} (its isolate was lost); it is replayed from history`,
          ),
        );
        return { runId, completion: encodeCompletion(runId, { failed: { failure } }), failure: failure.message };
      }
      // Without codecs (or sink calls) nothing waits: each skipped await is a promise fewer per activation.
      if (this.options.codecs.length > 0) await decodeActivationPayloads(isolate, this.options.codecs);
      let outcome;
      try {
        outcome = await this.options.pool.activateConfigured(isolate);
      } catch (err) {
        if (err instanceof IsolateMemoryLimitError) {
          const others = err.lostRunIds.filter((id) => id !== runId);
          if (others.length > 0) this.options.onLostRuns(others);
        }
        if (
          err instanceof IsolateMemoryLimitError ||
          err instanceof DeadlockError ||
          err instanceof UnhandledRejectionError
        ) {
          this.options.logger.warn(err.message, { sdkComponent: SdkComponent.worker, runId });
          const failure = failureOf(err);
          return { runId, completion: encodeCompletion(runId, { failed: { failure } }), failure: failure.message };
        }
        throw err;
      }
      if (outcome.sinkCalls.length > 0) await this.runSinks(outcome.sinkCalls);
      const completion = outcome.completion;
      if ('successful' in completion) {
        if (this.options.codecs.length > 0) {
          await encodeCompletionPayloads(completion.successful.commands, this.options.codecs);
        }
        return { runId, completion: encodeCompletion(runId, completion) };
      }
      const failure = completion.failed.failure as { message?: string };
      return {
        runId,
        completion: encodeCompletion(runId, completion),
        failure: failure.message ?? 'workflow task failed',
      };
    } catch (err) {
      this.options.logger.error('Failed to process a workflow activation', {
        sdkComponent: SdkComponent.worker,
        runId,
        error: err,
      });
      const failure = failureOf(err);
      return { runId, completion: encodeCompletion(runId, { failed: { failure } }), failure: failure.message };
    } finally {
      this.inFlight--;
    }
  }

  private async runSinks(calls: SinkCall[]): Promise<void> {
    // Calls of one activation mostly share one info object (see the runtime's `takeSinkCalls`).
    const infos = new Map<WorkflowInfo, WorkflowInfo>();
    for (const call of calls) {
      let info = infos.get(call.workflowInfo);
      if (info === undefined) {
        info = infoFromIsolate(call.workflowInfo);
        infos.set(call.workflowInfo, info);
      }
      const replaying = info.unsafe.isReplaying;
      if (call.ifaceName === '__temporal_logger') {
        if (replaying) continue;
        const [message, attrs] = call.args as [string, Record<string, unknown> | undefined];
        const level = call.fnName.toUpperCase() as 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
        this.options.logger.log(level, message, attrs);
        continue;
      }
      if (call.ifaceName === '__kairos_console') {
        if (replaying) continue;
        const method =
          (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).find((m) => m === call.fnName) ?? 'log';

        console[method](String(call.args[0]));
        continue;
      }
      if (call.ifaceName === '__temporal_metrics') {
        // Workflow code records nothing while replaying; checked here too, like the official worker's sink.
        if (replaying) continue;
        try {
          recordWorkflowMetric(Runtime.instance().metricMeter, call.fnName, call.args);
        } catch (error) {
          this.options.logger.error('Failed to record a workflow metric', {
            sdkComponent: SdkComponent.worker,
            fnName: call.fnName,
            error,
          });
        }
        continue;
      }
      const sink = this.options.sinks[call.ifaceName]?.[call.fnName] as
        { fn(info: WorkflowInfo, ...args: unknown[]): void | Promise<void>; callDuringReplay?: boolean } | undefined;
      if (sink === undefined) {
        this.options.logger.error('Workflow referenced an unregistered external sink', {
          sdkComponent: SdkComponent.worker,
          ifaceName: call.ifaceName,
          fnName: call.fnName,
        });
        continue;
      }
      if (replaying && !sink.callDuringReplay) continue;
      try {
        // Most sinks are synchronous: only a returned promise is waited for (one promise fewer per call).
        const returned = sink.fn(info, ...call.args);
        if (isThenable(returned)) await returned;
      } catch (error) {
        this.options.logger.error('External sink function threw an error', {
          sdkComponent: SdkComponent.worker,
          ifaceName: call.ifaceName,
          fnName: call.fnName,
          error,
          workflowInfo: info,
        });
      }
    }
  }
}
