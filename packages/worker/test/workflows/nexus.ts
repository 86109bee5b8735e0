/**
 * Workflows of the Nexus tests: a generic caller that runs one operation (and reports how it ended), and the
 * workflow that backs the workflow-run operation of the handler side.
 */
import * as nexus from 'nexus-rpc';
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  createNexusServiceClient,
  defineSignal,
  isCancellation,
  NexusOperationCancellationType,
  setHandler,
  sleep,
  workflowInfo,
} from '@kairos/workflow';

/** The service the tests call and handle. */
export const nexusTestService = nexus.service('nexusTestService', {
  /** Sync: answers with its input, the operation info and the request headers it saw. */
  echo: nexus.operation<string, { input: string; info: unknown; headers: Record<string, string> }>(),
  /** Sync: fails as told (`handler-error`, `operation-failed`, `operation-canceled`, `crash`). */
  fail: nexus.operation<{ kind: string; key?: string }, string>(),
  /** Workflow-run: runs {@link nexusHandlerWorkflow} with the given action. */
  runWorkflow: nexus.operation<{ workflowId: string; action: string }, string>(),
  /** Sync: sleeps past its request deadline (respecting the abort signal). */
  slow: nexus.operation<number, string>(),
});

/** What a caller saw of the operation: its token, and its result or the error's chain. */
export interface CallOutcome {
  token?: string;
  result?: unknown;
  error?: Array<{ name: string; message: string; type?: string; extra?: Record<string, unknown> }>;
}

function errorChain(err: unknown): NonNullable<CallOutcome['error']> {
  const chain: NonNullable<CallOutcome['error']> = [];
  let current: unknown = err;
  while (current instanceof Error && chain.length < 6) {
    const e = current as Error & Record<string, unknown>;
    const extra: Record<string, unknown> = {};
    for (const key of ['endpoint', 'service', 'operation', 'operationToken', 'scheduledEventId', 'timeoutType']) {
      if (e[key] !== undefined) extra[key] = e[key];
    }
    if (e.name === 'HandlerError') extra.handlerType = e.type;
    if (e.name === 'HandlerError') extra.retryable = e.retryable;
    chain.push({ name: e.name, message: e.message, type: e.type as string | undefined, extra });
    current = e.cause;
  }
  return chain;
}

export interface NexusCallOptions {
  scheduleToCloseTimeout?: string | number;
  cancellationType?: NexusOperationCancellationType;
  /** Cancel the operation once it has started (async operations). */
  cancelAfterStart?: boolean;
  /** Throw instead of reporting a failure in the outcome. */
  rethrow?: boolean;
  summary?: string;
}

/** Lets a caller that cancelled its operation finish. */
export const releaseCaller = defineSignal('releaseCaller');
/** Lets a handler workflow that was asked to cancel finish (as cancelled). */
export const finishCancel = defineSignal('finishCancel');

/** Runs one operation of {@link nexusTestService} through `endpoint`. */
export async function nexusCaller(
  endpoint: string,
  operation: keyof (typeof nexusTestService)['operations'],
  input: unknown,
  options: NexusCallOptions = {},
): Promise<CallOutcome> {
  const client = createNexusServiceClient({ endpoint, service: nexusTestService });
  const startOptions = {
    scheduleToCloseTimeout: options.scheduleToCloseTimeout,
    cancellationType: options.cancellationType,
    summary: options.summary,
  };
  const outcome: CallOutcome = {};
  try {
    if (options.cancelAfterStart) {
      await CancellationScope.cancellable(async () => {
        const handle = await client.startOperation(operation as any, input as any, startOptions);
        outcome.token = handle.token;
        CancellationScope.current().cancel();
        outcome.result = await handle.result();
      });
    } else {
      const handle = await client.startOperation(operation as any, input as any, startOptions);
      outcome.token = handle.token;
      outcome.result = await handle.result();
    }
  } catch (err) {
    if (options.rethrow) throw err;
    outcome.error = errorChain(err);
    if (options.cancelAfterStart) {
      if (!isCancellation(err)) throw err;
      // A timer marks in history when the cancelled operation's result settled; then wait to be released.
      let released = false;
      setHandler(releaseCaller, () => void (released = true));
      await sleep(1);
      await condition(() => released);
    }
  }
  return outcome;
}

/** Calls `echo` with `executeOperation`, by operation definition rather than by name. */
export async function nexusEchoByDefinition(endpoint: string, input: string): Promise<string> {
  const client = createNexusServiceClient({ endpoint, service: nexusTestService });
  const answer = await client.executeOperation(nexusTestService.operations.echo, input, {
    scheduleToCloseTimeout: '30s',
  });
  return answer.input;
}

/**
 * Backs the workflow-run operation: `complete` returns, `fail` fails, `wait` waits until it is cancelled, `continue`
 * continues as new (then completes).
 */
export async function nexusHandlerWorkflow(action: string): Promise<string> {
  if (action === 'continue') await continueAsNew<typeof nexusHandlerWorkflow>('complete');
  if (action === 'fail') throw ApplicationFailure.nonRetryable('the handler workflow failed', 'HandlerWorkflowFailure');
  if (action === 'wait') {
    let finish = false;
    setHandler(finishCancel, () => void (finish = true));
    try {
      await condition(() => false);
    } catch (err) {
      // Asked to cancel: finish only when the test says so, so it can look at the caller in between.
      if (isCancellation(err)) await CancellationScope.nonCancellable(() => condition(() => finish));
      throw err;
    }
  }
  if (action === 'sleep') await sleep(60_000);
  return `done:${action}:${workflowInfo().workflowId}`;
}

/**
 * Starts `slow` (a sync operation whose handler takes `handlerMs`) and cancels it `cancelAfterMs` later, while the
 * handler is still working; reports how the call ended.
 */
export async function nexusCancelBeforeStart(
  endpoint: string,
  handlerMs: number,
  cancelAfterMs: number,
): Promise<CallOutcome> {
  const client = createNexusServiceClient({ endpoint, service: nexusTestService });
  const outcome: CallOutcome = {};
  try {
    await CancellationScope.cancellable(async () => {
      const started = client.startOperation('slow', handlerMs, { scheduleToCloseTimeout: '30s' });
      await sleep(cancelAfterMs);
      CancellationScope.current().cancel();
      const handle = await started;
      outcome.token = handle.token;
      outcome.result = await handle.result();
    });
  } catch (err) {
    outcome.error = errorChain(err);
  }
  return outcome;
}
