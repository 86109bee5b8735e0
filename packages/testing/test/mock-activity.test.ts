import * as activity from '@kairos/activity';
import { Client, Connection } from '@kairos/client';
import { ActivityCancellationDetails, CancelledFailure, type LogLevel, type LogMetadata } from '@kairos/common';
import { startDevServer } from '@kairos/dev-server';
import type { ActivityInterceptorsFactory } from '@kairos/worker';
import { defaultActivityInfo, MockActivityEnvironment } from '../src';

/** A logger that keeps what it is given. */
function recordingLogger(): {
  logger: import('@kairos/common').Logger;
  entries: Array<[LogLevel, string, LogMetadata?]>;
} {
  const entries: Array<[LogLevel, string, LogMetadata?]> = [];
  const log = (level: LogLevel) => (message: string, meta?: LogMetadata) => entries.push([level, message, meta]);
  return {
    entries,
    logger: {
      log: (level, message, meta) => entries.push([level, message, meta]),
      trace: log('TRACE'),
      debug: log('DEBUG'),
      info: log('INFO'),
      warn: log('WARN'),
      error: log('ERROR'),
    },
  };
}

describe('MockActivityEnvironment', () => {
  it('runs a function in an activity context and returns its result', async () => {
    const env = new MockActivityEnvironment(undefined, { logger: recordingLogger().logger });
    const result = await env.run(
      async (a: number, b: number) => {
        expect(activity.Context.current()).toBe(env.context);
        return a + b;
      },
      2,
      3,
    );
    expect(result).toBe(5);
  });

  it('gives the default info, with the overrides it is given', async () => {
    const env = new MockActivityEnvironment({ attempt: 3, activityType: 'charge', heartbeatDetails: { step: 2 } });
    const info = await env.run(async () => activity.activityInfo());
    expect(info).toEqual({ ...defaultActivityInfo, attempt: 3, activityType: 'charge', heartbeatDetails: { step: 2 } });
    expect(defaultActivityInfo).toMatchObject({ attempt: 1, taskQueue: 'test', activityId: 'test', isLocal: false });
  });

  it("emits each heartbeat's details as a 'heartbeat' event", async () => {
    const env = new MockActivityEnvironment();
    const seen: unknown[] = [];
    env.on('heartbeat', (details: unknown) => seen.push(details));
    await env.run(async () => {
      activity.heartbeat(1);
      activity.Context.current().heartbeat({ progress: 2 });
      activity.heartbeat();
    });
    expect(seen).toEqual([1, { progress: 2 }, undefined]);
  });

  it('cancels with CANCELLED and cancel-requested details by default', async () => {
    const env = new MockActivityEnvironment(undefined, { logger: recordingLogger().logger });
    const run = env.run(async () => {
      await activity.sleep('1 day');
      return 'slept';
    });
    env.cancel();
    await expect(run).rejects.toEqual(new CancelledFailure('CANCELLED'));
    expect(env.context.cancellationSignal.aborted).toBe(true);
    expect(env.context.cancellationSignal.reason).toBeInstanceOf(CancelledFailure);
    expect(env.context.cancellationDetails).toEqual(new ActivityCancellationDetails({ cancelRequested: true }));
  });

  it('cancels with the reason and details it is given, and later runs start cancelled', async () => {
    const env = new MockActivityEnvironment(undefined, { logger: recordingLogger().logger });
    const seen: string[] = [];
    const run = env.run(async () => {
      try {
        await activity.cancelled();
      } catch (err) {
        seen.push((err as CancelledFailure).message);
        throw err;
      }
    });
    env.cancel('TIMED_OUT', new ActivityCancellationDetails({ timedOut: true }));
    env.cancel('PAUSED'); // only the first call counts
    await expect(run).rejects.toThrow(CancelledFailure);
    expect(seen).toEqual(['TIMED_OUT']);
    expect(env.context.cancellationDetails?.timedOut).toBe(true);
    expect(env.context.cancellationDetails?.paused).toBe(false);
    await expect(env.run(async () => activity.cancellationSignal().aborted)).resolves.toBe(true);
  });

  it('lets a function finish with its own result after cancellation', async () => {
    const env = new MockActivityEnvironment();
    const run = env.run(async () => {
      await activity.sleep(60_000).catch(() => undefined);
      return 'cleaned up';
    });
    env.cancel();
    await expect(run).resolves.toBe('cleaned up');
  });

  it('throws what the function throws', async () => {
    const env = new MockActivityEnvironment(undefined, { logger: recordingLogger().logger });
    await expect(
      env.run(async () => {
        throw new Error('no stock');
      }),
    ).rejects.toThrow('no stock');
  });

  it('logs through the logger it is given, with the activity attributes', async () => {
    const { logger, entries } = recordingLogger();
    const env = new MockActivityEnvironment({ activityType: 'greet' }, { logger });
    await env.run(async () => activity.log.info('hello from the activity', { extra: 1 }));
    const entry = entries.find(([, message]) => message === 'hello from the activity');
    expect(entry?.[0]).toBe('INFO');
    expect(entry?.[2]).toMatchObject({ extra: 1, activityType: 'greet', sdkComponent: 'activity', workflowId: 'test' });
  });

  it('runs the inbound and outbound interceptors it is given', async () => {
    const { logger, entries } = recordingLogger();
    const calls: string[] = [];
    const interceptor: ActivityInterceptorsFactory = (ctx) => ({
      inbound: {
        async execute(input, next) {
          calls.push(`execute ${ctx.info.activityType} ${JSON.stringify(input.args)}`);
          return `${String(await next({ ...input, args: ['intercepted'] }))}!`;
        },
      },
      outbound: {
        getLogAttributes: (attributes, next) => next({ ...attributes, tenant: 'acme' }),
      },
    });
    const env = new MockActivityEnvironment({ activityType: 'shout' }, { interceptors: [interceptor], logger });
    const result = await env.run(async (word: string) => {
      activity.log.info('shouting');
      return word.toUpperCase();
    }, 'hi');
    expect(result).toBe('INTERCEPTED!');
    expect(calls).toEqual(['execute shout ["hi"]']);
    expect(entries.find(([, message]) => message === 'shouting')?.[2]).toMatchObject({ tenant: 'acme' });
  });

  it('gives activities the client it is given, and says so when there is none', async () => {
    await expect(
      new MockActivityEnvironment(undefined, { logger: recordingLogger().logger }).run(async () =>
        activity.getClient(),
      ),
    ).rejects.toThrow('No Client available to this activity');
    const server = await startDevServer({ port: 0 });
    const connection = await Connection.connect({ address: server.address });
    try {
      const client = new Client({ connection });
      const env = new MockActivityEnvironment(undefined, { client });
      const namespace = await env.run(async () => {
        const { namespaceInfo } = await activity
          .getClient()
          .workflowService.describeNamespace({ namespace: 'default' });
        return namespaceInfo?.name;
      });
      expect(namespace).toBe('default');
    } finally {
      await connection.close();
      await server.shutdown();
    }
  });
});
