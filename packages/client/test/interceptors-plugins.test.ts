import { defaultPayloadConverter } from '@kairos/common';
import type { temporal } from '@kairos/proto';
import {
  Client,
  Connection,
  TerminatedFailure,
  WithStartWorkflowOperation,
  WorkflowFailedError,
  type ClientPlugin,
  type ConnectionPlugin,
  type ScheduleClientInterceptor,
  type WorkflowClientInterceptor,
} from '../src';
import { addQuery, finishSignal, incrementSignal, incrementUpdate } from './helpers/definitions';
import { useTestEnv } from './helpers/env';
import { selectedServers, serverTitle, supports, type Family } from './helpers/servers';
import { counter, greet, scheduled, waitForever } from './workflows';

const FAMILIES: Family[] = ['workflow', 'signalWithStart', 'update', 'updateWithStart', 'query', 'schedule'];

function headerValue(header: temporal.api.common.v1.IHeader | null | undefined, key: string): unknown {
  const payload = header?.fields?.[key];
  return payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
}

for (const kind of selectedServers()) {
  describe(`client interceptors and plugins ${serverTitle(kind, FAMILIES)}`, () => {
    const env = useTestEnv(kind);
    const test = (family: Family, name: string, fn: () => Promise<void>) => {
      if (supports(kind, family)) it(name, fn);
    };
    const options = (prefix: string) => ({ taskQueue: env.taskQueue, workflowId: env.id(prefix) });

    /** Adds an `x-trace` header naming the call to every call that carries headers, and records the calls. */
    function tracingInterceptor(seen: string[]): WorkflowClientInterceptor {
      const trace = (name: string) => ({ 'x-trace': defaultPayloadConverter.toPayload(`trace-${name}`) });
      return {
        async startWithDetails(input, next) {
          seen.push('startWithDetails');
          return next({ ...input, headers: { ...input.headers, ...trace('start') } });
        },
        async signal(input, next) {
          seen.push('signal');
          return next({ ...input, headers: { ...input.headers, ...trace('signal') } });
        },
        async signalWithStart(input, next) {
          seen.push('signalWithStart');
          return next({ ...input, headers: { ...input.headers, ...trace('signalWithStart') } });
        },
        async startUpdate(input, next) {
          seen.push('startUpdate');
          return next({ ...input, headers: { ...input.headers, ...trace('update') } });
        },
        async startUpdateWithStart(input, next) {
          seen.push('startUpdateWithStart');
          return next({
            ...input,
            workflowStartHeaders: { ...input.workflowStartHeaders, ...trace('uws-start') },
            updateHeaders: { ...input.updateHeaders, ...trace('uws-update') },
          });
        },
        async query(input, next) {
          seen.push('query');
          // Interceptors may rewrite arguments and results.
          const result = (await next({ ...input, args: input.args.map((a) => (a as number) * 10) })) as number;
          return result + 0.5;
        },
        async terminate(input, next) {
          seen.push('terminate');
          return next({ ...input, reason: `intercepted: ${input.reason}` });
        },
        async cancel(input, next) {
          seen.push('cancel');
          return next(input);
        },
        async describe(input, next) {
          seen.push('describe');
          return next(input);
        },
      };
    }

    test('workflow', 'Workflow interceptors see every call and their headers reach the server', async () => {
      const seen: string[] = [];
      const client = env.makeClient({ interceptors: { workflow: [tracingInterceptor(seen)] } });
      const handle = await client.workflow.start(counter, options('intercept'));
      await handle.signal(incrementSignal, 1);
      expect(await handle.query(addQuery, 2)).toBe(21.5);
      await handle.describe();
      await handle.terminate('stop');
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(TerminatedFailure);
      expect((err as WorkflowFailedError).message).toBe('intercepted: stop');
      expect(seen).toEqual(['startWithDetails', 'signal', 'query', 'describe', 'terminate']);

      const events = (await handle.fetchHistory()).events ?? [];
      const started = events.find(
        (e) => e.workflowExecutionStartedEventAttributes,
      )?.workflowExecutionStartedEventAttributes;
      expect(headerValue(started?.header, 'x-trace')).toBe('trace-start');
      const signaled = events.find(
        (e) => e.workflowExecutionSignaledEventAttributes,
      )?.workflowExecutionSignaledEventAttributes;
      expect(headerValue(signaled?.header, 'x-trace')).toBe('trace-signal');

      const cancelled = await client.workflow.start(waitForever, options('intercept-cancel'));
      await cancelled.cancel();
      expect(seen.at(-1)).toBe('cancel');
    });

    test('update', 'Update interceptors add headers that reach the Workflow', async () => {
      const seen: string[] = [];
      const client = env.makeClient({ interceptors: { workflow: [tracingInterceptor(seen)] } });
      const handle = await client.workflow.start(counter, options('intercept-update'));
      expect(await handle.executeUpdate(incrementUpdate, { args: [3] })).toBe(3);
      expect(seen).toEqual(['startWithDetails', 'startUpdate']);
      const events = (await handle.fetchHistory()).events ?? [];
      const accepted = events.find(
        (e) => e.workflowExecutionUpdateAcceptedEventAttributes,
      )?.workflowExecutionUpdateAcceptedEventAttributes;
      expect(headerValue(accepted?.acceptedRequest?.input?.header, 'x-trace')).toBe('trace-update');
      await handle.terminate();
    });

    test('signalWithStart', 'signalWithStart interceptors add headers to the start and the Signal', async () => {
      const seen: string[] = [];
      const client = env.makeClient({ interceptors: { workflow: [tracingInterceptor(seen)] } });
      const handle = await client.workflow.signalWithStart(counter, {
        ...options('intercept-sws'),
        signal: incrementSignal,
        signalArgs: [1],
      });
      expect(seen).toEqual(['signalWithStart']);
      const events = (await handle.fetchHistory()).events ?? [];
      const started = events.find(
        (e) => e.workflowExecutionStartedEventAttributes,
      )?.workflowExecutionStartedEventAttributes;
      expect(headerValue(started?.header, 'x-trace')).toBe('trace-signalWithStart');
      await handle.terminate();
    });

    test('updateWithStart', 'update-with-start interceptors add headers to both operations', async () => {
      const seen: string[] = [];
      const client = env.makeClient({ interceptors: { workflow: [tracingInterceptor(seen)] } });
      const op = new WithStartWorkflowOperation(counter, {
        ...options('intercept-uws'),
        workflowIdConflictPolicy: 'FAIL',
      });
      expect(
        await client.workflow.executeUpdateWithStart(incrementUpdate, { args: [2], startWorkflowOperation: op }),
      ).toBe(2);
      expect(seen).toEqual(['startUpdateWithStart']);
      const handle = await op.workflowHandle();
      const events = (await handle.fetchHistory()).events ?? [];
      const started = events.find(
        (e) => e.workflowExecutionStartedEventAttributes,
      )?.workflowExecutionStartedEventAttributes;
      expect(headerValue(started?.header, 'x-trace')).toBe('trace-uws-start');
      const accepted = events.find(
        (e) => e.workflowExecutionUpdateAcceptedEventAttributes,
      )?.workflowExecutionUpdateAcceptedEventAttributes;
      expect(headerValue(accepted?.acceptedRequest?.input?.header, 'x-trace')).toBe('trace-uws-update');
      await handle.signal(finishSignal);
      expect(await handle.result()).toBe(2);
    });

    test('workflow', 'interceptors run in order, each wrapping the next', async () => {
      const order: string[] = [];
      const named = (name: string): WorkflowClientInterceptor => ({
        async startWithDetails(input, next) {
          order.push(`${name}:before`);
          const out = await next(input);
          order.push(`${name}:after`);
          return out;
        },
      });
      const client = env.makeClient({ interceptors: { workflow: [named('outer'), named('inner')] } });
      await client.workflow.execute(greet, { ...options('order'), args: ['order'] });
      expect(order).toEqual(['outer:before', 'inner:before', 'inner:after', 'outer:after']);
    });

    test('workflow', 'legacy `start` interceptors and interceptor factories still work', async () => {
      const legacy: string[] = [];
      const startOnly: WorkflowClientInterceptor = {
        async start(input, next) {
          legacy.push(`start:${input.workflowType}`);
          return next(input);
        },
      };
      const client = env.makeClient({ interceptors: { workflow: [startOnly] } });
      const handle = await client.workflow.start(greet, { ...options('legacy'), args: ['legacy'] });
      expect(handle.firstExecutionRunId).toMatch(/^[0-9a-f-]{36}$/);
      expect(legacy).toEqual(['start:greet']);

      const factoryInputs: unknown[] = [];
      const factoryClient = env.makeClient({
        interceptors: {
          workflow: {
            calls: [
              (input) => {
                factoryInputs.push(input);
                return {};
              },
            ],
          },
        },
      });
      const workflowId = env.id('factory');
      await factoryClient.workflow.execute(greet, { taskQueue: env.taskQueue, workflowId, args: ['f'] });
      expect(factoryInputs).toEqual([{ workflowId, runId: undefined }]);
    });

    test('schedule', 'Schedule interceptors add headers to the Workflows the Schedule starts', async () => {
      const created: string[] = [];
      const scheduleInterceptor: ScheduleClientInterceptor = {
        async create(input, next) {
          created.push(input.options.scheduleId);
          return next({
            ...input,
            headers: { ...input.headers, 'x-trace': defaultPayloadConverter.toPayload('sched') },
          });
        },
      };
      const client = env.makeClient({ interceptors: { schedule: [scheduleInterceptor] } });
      const scheduleId = env.id('sched-intercept');
      const handle = await client.schedule.create({
        scheduleId,
        spec: { intervals: [{ every: '1 hour' }] },
        action: { type: 'startWorkflow', workflowType: scheduled, args: ['x'], taskQueue: env.taskQueue },
        state: { paused: true },
      });
      expect(created).toEqual([scheduleId]);
      const description = await handle.describe();
      expect(headerValue(description.raw.schedule?.action?.startWorkflow?.header, 'x-trace')).toBe('sched');
      // update() keeps the headers the Schedule was created with.
      await handle.update((previous) => ({ ...previous, state: { paused: true, note: 'updated' } }));
      const updated = await handle.describe();
      expect(headerValue(updated.raw.schedule?.action?.startWorkflow?.header, 'x-trace')).toBe('sched');
      await handle.delete();
    });

    test(
      'workflow',
      'client plugins configure the client, after connection plugins that are also client plugins',
      async () => {
        const order: string[] = [];
        const clientPlugin: ClientPlugin = {
          name: 'client-plugin',
          configureClient(options) {
            order.push('client-plugin');
            return { ...options, identity: 'plugin-identity' };
          },
        };
        const bothPlugin: ConnectionPlugin & ClientPlugin = {
          name: 'both-plugin',
          configureConnection(options) {
            order.push('both-plugin:connection');
            return { ...options, metadata: { ...options.metadata, 'x-plugin': 'yes' } };
          },
          configureClient(options) {
            order.push('both-plugin:client');
            return { ...options, namespace: 'kairos-test-other' };
          },
        };
        const connection = await Connection.connect({ address: env.server.address, plugins: [bothPlugin] });
        try {
          const client = new Client({ connection, plugins: [clientPlugin] });
          expect(order).toEqual(['both-plugin:connection', 'client-plugin', 'both-plugin:client']);
          expect(client.options.identity).toBe('plugin-identity');
          expect(client.options.namespace).toBe('kairos-test-other');
          expect(client.options.plugins.map((p) => p.name)).toEqual(['client-plugin', 'both-plugin']);
          expect(client.workflow.options.namespace).toBe('kairos-test-other');
          const handle = await client.workflow.start(waitForever, options('plugin'));
          const started = (await handle.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
          expect(started?.identity).toBe('plugin-identity');
          await handle.terminate();
        } finally {
          await connection.close();
        }
      },
    );
  });
}
