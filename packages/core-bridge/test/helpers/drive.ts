/**
 * Drives the Kairos core with a scripted workflow: through a replay worker fed one history, or
 * live against a server (also running the activities, remote and local, the workflow schedules).
 */
import { kairos, temporal } from '@kairos/proto';
import { ShutdownError, Worker } from '../../src';
import { Script, ScriptContext } from './scripted';
import { Activation, decodeActivation, fromPayload, jsonPayload, success } from './workflows';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EvictionReason } = kairos.core.activation;
const { ActivityTask, ActivityTaskCompletion } = kairos.core.activity;

/** What a replay through the core produced. */
export interface ReplayResult {
  ctx: ScriptContext;
  /** Every job the core sent, described (see `describeJob`), activations concatenated. */
  jobs: string[];
  /** Each activation's jobs. */
  activations: string[][];
  /** The activations themselves (evictions left out). */
  raw: Activation[];
  /** The run's eviction at the end (WORKFLOW_EXECUTION_ENDING when history was used up cleanly). */
  eviction: kairos.core.activation.IRemoveFromCache | undefined;
  /** `availableInternalFlags` of the last activation. */
  langFlags: number[];
  /** `lastSdkVersion` of every activation. */
  lastSdkVersions: string[];
  allReplaying: boolean;
}

/** Replays one history through a Kairos replay worker, answering each activation with `script`. */
export async function replayThroughCore(
  workflowId: string,
  events: HistoryEvent[],
  script: Script,
): Promise<ReplayResult> {
  const ctx = new ScriptContext(script);
  const worker = Worker.createReplay({ namespace: 'default', taskQueue: 'official-replay', identity: 'replayer' });
  const bytes = temporal.api.history.v1.History.encode({ events }).finish();
  const pushed = (async () => {
    await worker.pushHistory(workflowId, bytes);
    worker.closeHistoryStream();
  })();
  let eviction: kairos.core.activation.IRemoveFromCache | undefined;
  let langFlags: number[] = [];
  const lastSdkVersions: string[] = [];
  let allReplaying = true;
  const raw: Activation[] = [];
  for (;;) {
    const polled = await worker.pollWorkflowActivation().catch((e: unknown) => e);
    if (polled instanceof ShutdownError) break;
    if (!(polled instanceof Buffer)) throw polled;
    const a = decodeActivation(polled);
    const evict = a.jobs.find((j) => j.removeFromCache)?.removeFromCache;
    if (evict) {
      eviction = evict;
      await worker.completeWorkflowActivation(success(a.runId, []));
      continue;
    }
    raw.push(a);
    allReplaying &&= a.isReplaying;
    langFlags = a.availableInternalFlags ?? [];
    lastSdkVersions.push(a.lastSdkVersion ?? '');
    const commands = await ctx.activate(a);
    await worker.completeWorkflowActivation(success(a.runId, commands));
  }
  await pushed;
  return {
    ctx,
    jobs: ctx.activations.flat(),
    activations: ctx.activations,
    raw,
    eviction,
    langFlags,
    lastSdkVersions,
    allReplaying,
  };
}

/** The activities the live driver runs (the same behaviour as `../official/activities.ts`). */
function runActivity(type: string, args: unknown[], attempt: number): { ok: unknown } | { error: string } {
  switch (type) {
    case 'greet':
      return { ok: `Hello, ${String(args[0])}!` };
    case 'echo':
      return { ok: args[0] };
    case 'flaky':
      return attempt < 2
        ? { error: `${String(args[0])}: attempt ${attempt} fails` }
        : { ok: `${String(args[0])} ok on attempt ${attempt}` };
    default:
      return { error: `unknown activity ${type}` };
  }
}

/**
 * Runs the workflow `runId` live on `worker` with `script` until the run ends, executing the
 * activity tasks it schedules, then shuts the worker down.
 */
export async function driveLive(worker: Worker, runId: string, script: Script): Promise<ScriptContext> {
  const ctx = new ScriptContext(script);
  let done = false;
  const activities = (async () => {
    for (;;) {
      const polled = await worker.pollActivityTask().catch((e: unknown) => e);
      if (polled instanceof ShutdownError) return;
      if (!(polled instanceof Buffer)) throw polled;
      const task = ActivityTask.decode(polled);
      if (!task.start) {
        await worker.completeActivityTask(
          ActivityTaskCompletion.encode({
            taskToken: task.taskToken,
            result: { cancelled: { failure: { message: 'cancelled', canceledFailureInfo: {} } } },
          }).finish(),
        );
        continue;
      }
      const outcome = runActivity(
        task.start.activityType ?? '',
        (task.start.input ?? []).map(fromPayload),
        task.start.attempt ?? 1,
      );
      const result =
        'ok' in outcome
          ? { completed: { result: jsonPayload(outcome.ok) } }
          : { failed: { failure: { message: outcome.error, applicationFailureInfo: { type: 'Flaky' } } } };
      await worker.completeActivityTask(ActivityTaskCompletion.encode({ taskToken: task.taskToken, result }).finish());
    }
  })();
  while (!done) {
    const a = decodeActivation(await worker.pollWorkflowActivation());
    if (a.runId !== runId) throw new Error(`unexpected activation for run ${a.runId}`);
    const evict = a.jobs.find((j) => j.removeFromCache)?.removeFromCache;
    if (evict) {
      if (evict.reason !== EvictionReason.EVICTION_REASON_WORKFLOW_EXECUTION_ENDING) {
        throw new Error(`run evicted: ${EvictionReason[evict.reason ?? 0]} ${evict.message}`);
      }
      done = true;
      await worker.completeWorkflowActivation(success(a.runId, []));
      continue;
    }
    await worker.completeWorkflowActivation(success(a.runId, await ctx.activate(a)));
  }
  worker.initiateShutdown();
  for (;;) {
    const polled = await worker.pollWorkflowActivation().catch((e: unknown) => e);
    if (polled instanceof ShutdownError) break;
    if (!(polled instanceof Buffer)) throw polled;
    await worker.completeWorkflowActivation(success(decodeActivation(polled).runId, []));
  }
  await activities;
  await worker.finalizeShutdown();
  return ctx;
}
