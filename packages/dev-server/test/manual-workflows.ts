// Workflows driven by hand over raw gRPC, as a worker would drive them: start a run, poll its workflow and activity
// tasks, answer them with commands, read its history. Shared by the suites that test the history engine feature by
// feature; each suite starts its own server and passes its RawClient in.
import { temporal } from '@kairos/proto';
import { uniqueId, waitUntil } from './helpers';
import type { RawClient } from './raw-client';

const E = temporal.api.enums.v1;
const ET = E.EventType;
const CT = E.CommandType;

export type Event = temporal.api.history.v1.IHistoryEvent;

/** A `json/plain` payload of `v`. */
export const payload = (v: unknown) => ({
  metadata: { encoding: Buffer.from('json/plain') },
  data: Buffer.from(JSON.stringify(v)),
});

/** The value of a `json/plain` payload. */
export const decode = (p: temporal.api.common.v1.IPayload) => JSON.parse(Buffer.from(p.data!).toString());

/** Event type names without the `EVENT_TYPE_` prefix. */
export const names = (events: Event[]) => events.map((e) => ET[e.eventType!].replace('EVENT_TYPE_', ''));

/** A StartTimer command. */
export const timer = (id: string, ms: number) => ({
  commandType: CT.COMMAND_TYPE_START_TIMER,
  startTimerCommandAttributes: {
    timerId: id,
    startToFireTimeout: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 },
  },
});

/** A CompleteWorkflowExecution command returning `v`. */
export const completeWf = (v: unknown) => ({
  commandType: CT.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
  completeWorkflowExecutionCommandAttributes: { result: { payloads: [payload(v)] } },
});

/** A ScheduleActivityTask command for an `Act` activity with a 10 s start-to-close timeout. */
export const activity = (id: string, taskQueue: string, extra: object = {}) => ({
  commandType: CT.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
  scheduleActivityTaskCommandAttributes: {
    activityId: id,
    activityType: { name: 'Act' },
    taskQueue: { name: taskQueue },
    startToCloseTimeout: { seconds: 10 },
    ...extra,
  },
});

/** The calls a suite makes on the server behind `raw` (a getter, as the client exists only once `beforeAll` ran). */
export function manualWorkflows(raw: () => RawClient) {
  /** Starts a `Wf` run on `tq-frontend`, which no worker polls: for tests of the frontend alone. */
  function start(workflowId: string, extra: object = {}) {
    return raw().wf('StartWorkflowExecution', {
      workflowId,
      workflowType: { name: 'Wf' },
      taskQueue: { name: 'tq-frontend' },
      requestId: uniqueId('req'),
      ...extra,
    });
  }

  async function eventTypes(workflowId: string, runId = ''): Promise<number[]> {
    const r = await raw().wf('GetWorkflowExecutionHistory', { execution: { workflowId, runId } });
    return r.history.events.map((e: Event) => e.eventType);
  }

  /** Starts a `Manual` run on `taskQueue` with a fresh id. */
  async function startWf(taskQueue: string, extra: object = {}): Promise<{ workflowId: string; runId: string }> {
    const workflowId = uniqueId();
    const r = await raw().wf('StartWorkflowExecution', {
      workflowId,
      workflowType: { name: 'Manual' },
      taskQueue: { name: taskQueue },
      requestId: uniqueId('req'),
      ...extra,
    });
    return { workflowId, runId: r.runId };
  }

  /** Polls until a task arrives (polls end empty after the server's short long-poll timeout). */
  async function pollWft(
    taskQueue: string,
    kind = E.TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
  ): Promise<temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse> {
    return waitUntil(
      async () => {
        const r = await raw().wf('PollWorkflowTaskQueue', { taskQueue: { name: taskQueue, kind }, identity: 'manual' });
        return r.taskToken?.length ? r : undefined;
      },
      10_000,
      `workflow task on ${taskQueue}`,
    );
  }

  async function pollActivity(
    taskQueue: string,
  ): Promise<temporal.api.workflowservice.v1.PollActivityTaskQueueResponse> {
    return waitUntil(
      async () => {
        const r = await raw().wf('PollActivityTaskQueue', { taskQueue: { name: taskQueue }, identity: 'manual' });
        return r.taskToken?.length ? r : undefined;
      },
      10_000,
      `activity task on ${taskQueue}`,
    );
  }

  function complete(taskToken: Uint8Array, commands: object[], extra: object = {}) {
    return raw().wf('RespondWorkflowTaskCompleted', { taskToken, commands, identity: 'manual', ...extra });
  }

  async function history(workflowId: string, runId = ''): Promise<Event[]> {
    return (await raw().wf('GetWorkflowExecutionHistory', { execution: { workflowId, runId } })).history.events;
  }

  return { start, eventTypes, startWf, pollWft, pollActivity, complete, history };
}
