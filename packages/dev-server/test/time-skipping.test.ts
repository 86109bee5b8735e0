// Time skipping: the official @temporalio/testing time-skipping environment launches the Kairos CLI as
// its test server executable and skips a one-day timer at once.
import * as path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import * as activities from './activities';
import { temporal } from '@kairos/proto';
import { DevServer } from '../src';
import { startServer, uniqueId, workflowsPath } from './helpers';
import { RawClient, rejection } from './raw-client';

Runtime.install({ logger: new DefaultLogger('ERROR') });

const cliPath = path.join(__dirname, '..', 'lib', 'cli.js');
const DAY = 24 * 3600 * 1000;

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: cliPath } },
  });
}, 60_000);

afterAll(async () => {
  await env?.teardown();
});

test('skips a one-day timer at once in the official time-skipping environment', async () => {
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') });
  const taskQueue = uniqueId('tq');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    workflowBundle: bundle,
    activities,
    taskQueue,
  });
  const before = await env.currentTimeMs();
  const workflowId = uniqueId();
  const result = await worker.runUntil(env.client.workflow.execute('sleeper', { taskQueue, workflowId, args: [DAY] }));
  expect(result).toBe('slept');
  expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(before + DAY);
  // The history's own clock shows the day passing between the timer's start and its firing.
  const events = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events!;
  const seconds = (type: string) =>
    Number(
      events.find((e) =>
        e.timerStartedEventAttributes && type === 'started' ? true : !!e.timerFiredEventAttributes && type === 'fired',
      )!.eventTime!.seconds,
    );
  expect(seconds('fired') - seconds('started')).toBeGreaterThanOrEqual(DAY / 1000);
}, 30_000);

test('env.sleep advances the virtual clock', async () => {
  const before = await env.currentTimeMs();
  await env.sleep('2 hours');
  expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(before + 2 * 3600 * 1000);
});

describe('TestService over raw gRPC', () => {
  let server: DevServer;
  let raw: RawClient;
  const ET = temporal.api.enums.v1.EventType;
  const now = async () => {
    const t = (await raw.call('TestService', 'GetCurrentTime', {})).time;
    return Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6);
  };

  beforeAll(async () => {
    server = await startServer({ timeSkipping: true });
    raw = new RawClient(server.address);
  });
  afterAll(async () => {
    raw?.close();
    await server?.shutdown();
  });

  test('starts locked; unlocking below zero is an error', async () => {
    await raw.call('TestService', 'UnlockTimeSkipping', {});
    const err = await rejection(raw.call('TestService', 'UnlockTimeSkipping', {}));
    expect(err.code).toBe(9 /* FAILED_PRECONDITION */);
    await raw.call('TestService', 'LockTimeSkipping', {});
  });

  test('UnlockTimeSkippingWithSleep jumps the clock while nothing is outstanding', async () => {
    const before = await now();
    await raw.call('TestService', 'UnlockTimeSkippingWithSleep', { duration: { seconds: 3 * 3600 } });
    expect((await now()) - before).toBeGreaterThanOrEqual(3 * 3600 * 1000);
  });

  test('the clock jumps to a timer once its workflow task is done, and not while a task is outstanding', async () => {
    const workflowId = `ts-${Date.now()}`;
    const tq = `ts-tq-${Date.now()}`;
    await raw.wf('StartWorkflowExecution', {
      workflowId,
      workflowType: { name: 'W' },
      taskQueue: { name: tq },
      requestId: workflowId,
    });
    await raw.call('TestService', 'UnlockTimeSkipping', {});
    // The first workflow task is outstanding: a sleep of an hour must wait in real time, so it is still pending.
    const before = await now();
    const sleeping = raw.call('TestService', 'SleepUntil', {
      timestamp: { seconds: Math.floor(before / 1000) + 3600 },
    });
    const poll = await raw.wf('PollWorkflowTaskQueue', { taskQueue: { name: tq } });
    expect((await now()) - before).toBeLessThan(3600 * 1000);
    await raw.wf('RespondWorkflowTaskCompleted', {
      taskToken: poll.taskToken,
      commands: [
        {
          commandType: temporal.api.enums.v1.CommandType.COMMAND_TYPE_START_TIMER,
          startTimerCommandAttributes: { timerId: 't', startToFireTimeout: { seconds: 24 * 3600 } },
        },
      ],
    });
    await sleeping;
    // With the task done, the clock skips to the day-long timer, which fires and schedules a task.
    const fired = await raw.wf('PollWorkflowTaskQueue', { taskQueue: { name: tq } });
    expect(fired.history.events.map((e: { eventType: number }) => e.eventType)).toContain(ET.EVENT_TYPE_TIMER_FIRED);
    expect((await now()) - before).toBeGreaterThanOrEqual(24 * 3600 * 1000);
    await raw.call('TestService', 'LockTimeSkipping', {});
  });
});
