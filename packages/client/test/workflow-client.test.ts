import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { defineSearchAttributeKey, RetryState, SearchAttributeType } from '@kairos/common';
import {
  ApplicationFailure,
  CancelledFailure,
  NamespaceNotFoundError,
  QueryNotRegisteredError,
  QueryRejectedError,
  TerminatedFailure,
  TimeoutFailure,
  WithStartWorkflowOperation,
  WorkflowContinuedAsNewError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  historyFromJSON,
  historyToJSON,
} from '../src';
import { useTestEnv } from './helpers/env';
import { selectedServers, serverTitle, supports, type Family } from './helpers/servers';
import { eventually } from './helpers/wait';
import {
  addQuery,
  failingQuery,
  failingUpdate,
  finishSignal,
  incrementSignal,
  incrementUpdate,
  releaseSignal,
  slowUpdate,
  valueQuery,
} from './helpers/definitions';
import {
  countdown,
  counter,
  echo,
  failWithCause,
  greet,
  noArgs,
  sleepFor,
  succeedOnSecondAttempt,
  waitForever,
} from './workflows';

const FAMILIES: Family[] = [
  'workflow',
  'legacySearchAttributes',
  'retriedRunCloseEvent',
  'signal',
  'signalWithStart',
  'query',
  'update',
  'updateWithStart',
  'visibility',
];
const keywordKey = defineSearchAttributeKey('CustomKeywordField', SearchAttributeType.KEYWORD);
const intKey = defineSearchAttributeKey('CustomIntField', SearchAttributeType.INT);

for (const kind of selectedServers()) {
  describe(`WorkflowClient ${serverTitle(kind, FAMILIES)}`, () => {
    const env = useTestEnv(kind);
    const test = (family: Family, name: string, fn: () => Promise<void>, timeout?: number) => {
      if (supports(kind, family)) it(name, fn, timeout);
    };
    const options = (prefix: string) => ({ taskQueue: env.taskQueue, workflowId: env.id(prefix) });

    describe('start and result', () => {
      test('workflow', 'execute() runs a Workflow given as a function and returns its typed result', async () => {
        const result: string = await env.client.workflow.execute(greet, { ...options('greet'), args: ['Kairos'] });
        expect(result).toBe('Hello, Kairos!');
      });

      test('workflow', 'start() by type name returns a handle whose result() waits for the Workflow', async () => {
        const handle = await env.client.workflow.start('echo', {
          ...options('echo'),
          args: [1, 'two', { three: 3 }, null],
        });
        expect(handle.firstExecutionRunId).toMatch(/^[0-9a-f-]{36}$/);
        expect(handle.eagerlyStarted).toBe(false);
        expect(await handle.result()).toEqual([1, 'two', { three: 3 }, null]);
        expect(await env.client.workflow.getHandle(handle.workflowId).result()).toEqual([1, 'two', { three: 3 }, null]);
        expect(await env.client.workflow.result(handle.workflowId, handle.firstExecutionRunId)).toEqual([
          1,
          'two',
          { three: 3 },
          null,
        ]);
      });

      test('workflow', 'start() without args for a Workflow without parameters', async () => {
        expect(await env.client.workflow.execute(noArgs, options('no-args'))).toBe('none');
      });

      test('workflow', 'result() follows continue-as-new runs unless followRuns is false', async () => {
        const handle = await env.client.workflow.start(countdown, { ...options('countdown'), args: [3] });
        expect(await handle.result()).toBe(4);
        const first = env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId, {
          followRuns: false,
        });
        const err = await first.result().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WorkflowContinuedAsNewError);
        expect((err as WorkflowContinuedAsNewError).newExecutionRunId).toMatch(/^[0-9a-f-]{36}$/);
      });

      test('workflow', 'result() follows Workflow retries to the successful attempt', async () => {
        const result = await env.client.workflow.execute(succeedOnSecondAttempt, {
          ...options('retry'),
          retry: { maximumAttempts: 3, initialInterval: '100ms' },
        });
        expect(result).toBe(2);
      });
      test(
        'retriedRunCloseEvent',
        'with followRuns false, the result of a retried run reports the next run',
        async () => {
          const handle = await env.client.workflow.start(succeedOnSecondAttempt, {
            ...options('retry-no-follow'),
            retry: { maximumAttempts: 3, initialInterval: '100ms' },
            followRuns: false,
          });
          // The real server reports a run that failed and was retried as continued-as-new in the
          // close-event poll (with the failure attached), so the official client throws this error too.
          const err = await handle.result().catch((e: unknown) => e);
          expect(err).toBeInstanceOf(WorkflowContinuedAsNewError);
          const next = (err as WorkflowContinuedAsNewError).newExecutionRunId;
          expect(await env.client.workflow.getHandle(handle.workflowId, next).result()).toBe(2);
        },
      );

      test('workflow', 'a failed Workflow throws WorkflowFailedError with the converted cause chain', async () => {
        const err = await env.client.workflow
          .execute(failWithCause, { ...options('fail'), args: ['it broke'] })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WorkflowFailedError);
        const failed = err as WorkflowFailedError;
        expect(failed.message).toBe('Workflow execution failed');
        expect(failed.retryState).toBe(RetryState.RETRY_POLICY_NOT_SET);
        expect(failed.cause).toBeInstanceOf(ApplicationFailure);
        const cause = failed.cause as ApplicationFailure;
        expect(cause.message).toBe('it broke');
        expect(cause.type).toBe('WorkflowError');
        expect(cause.nonRetryable).toBe(true);
        expect(cause.details).toEqual([{ code: 42 }]);
        expect(cause.cause).toBeInstanceOf(ApplicationFailure);
        expect((cause.cause as ApplicationFailure).message).toBe('root cause');
        expect((cause.cause as ApplicationFailure).type).toBe('RootError');
      });

      test('workflow', 'cancel() makes result() throw WorkflowFailedError caused by CancelledFailure', async () => {
        const handle = await env.client.workflow.start(waitForever, options('cancel'));
        await handle.cancel();
        const err = await handle.result().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WorkflowFailedError);
        expect((err as WorkflowFailedError).message).toBe('Workflow execution cancelled');
        expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
        expect((await handle.describe()).status.name).toBe('CANCELLED');
      });

      test('workflow', 'terminate() makes result() throw WorkflowFailedError caused by TerminatedFailure', async () => {
        const handle = await env.client.workflow.start(waitForever, options('terminate'));
        await handle.terminate('enough');
        const err = await handle.result().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WorkflowFailedError);
        expect((err as WorkflowFailedError).message).toBe('enough');
        expect((err as WorkflowFailedError).cause).toBeInstanceOf(TerminatedFailure);
        expect((await handle.describe()).status.name).toBe('TERMINATED');
        await expect(handle.terminate()).rejects.toBeInstanceOf(WorkflowNotFoundError);
      });

      test('workflow', 'a run timeout makes result() throw WorkflowFailedError caused by TimeoutFailure', async () => {
        const err = await env.client.workflow
          .execute(sleepFor, { ...options('timeout'), args: [60_000], workflowRunTimeout: '1s' })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WorkflowFailedError);
        expect((err as WorkflowFailedError).message).toBe('Workflow execution timed out');
        expect((err as WorkflowFailedError).cause).toBeInstanceOf(TimeoutFailure);
      });

      test('workflow', 'a second start with the same id throws WorkflowExecutionAlreadyStartedError', async () => {
        const opts = options('dup');
        const handle = await env.client.workflow.start(waitForever, opts);
        const err = await env.client.workflow.start(waitForever, opts).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
        expect(err).toMatchObject({ workflowId: opts.workflowId, workflowType: 'waitForever' });
        const existing = await env.client.workflow.start(waitForever, {
          ...opts,
          workflowIdConflictPolicy: 'USE_EXISTING',
        });
        expect(existing.firstExecutionRunId).toBe(handle.firstExecutionRunId);
        const replaced = await env.client.workflow.start(waitForever, {
          ...opts,
          workflowIdConflictPolicy: 'TERMINATE_EXISTING',
        });
        expect(replaced.firstExecutionRunId).not.toBe(handle.firstExecutionRunId);
        expect(
          (await env.client.workflow.getHandle(opts.workflowId, handle.firstExecutionRunId).describe()).status.name,
        ).toBe('TERMINATED');
        await replaced.terminate();
      });

      test('workflow', 'REJECT_DUPLICATE refuses to reuse the id of a closed Workflow', async () => {
        const opts = { ...options('reject'), args: ['x'] as [string] };
        await env.client.workflow.execute(greet, opts);
        await expect(
          env.client.workflow.start(greet, { ...opts, workflowIdReusePolicy: 'REJECT_DUPLICATE' }),
        ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
      });

      test(
        'workflow',
        'start options reach the server: memo, search attributes, timeouts, summary, details',
        async () => {
          const handle = await env.client.workflow.start(waitForever, {
            ...options('opts'),
            memo: { owner: 'team-a', nested: { n: 1 } },
            typedSearchAttributes: [
              { key: keywordKey, value: 'kw-value' },
              { key: intKey, value: 7 },
            ],
            workflowExecutionTimeout: '1 hour',
            workflowRunTimeout: '30 minutes',
            workflowTaskTimeout: '20s',
            staticSummary: 'A summary',
            staticDetails: 'Some **details**',
            retry: {
              maximumAttempts: 2,
              initialInterval: '2s',
              backoffCoefficient: 3,
              nonRetryableErrorTypes: ['Bad'],
            },
          });
          const description = await handle.describe();
          expect(description.workflowId).toBe(handle.workflowId);
          expect(description.runId).toBe(handle.firstExecutionRunId);
          expect(description.type).toBe('waitForever');
          expect(description.taskQueue).toBe(env.taskQueue);
          expect(description.status.name).toBe('RUNNING');
          expect(description.memo).toEqual({ owner: 'team-a', nested: { n: 1 } });
          expect(description.typedSearchAttributes.get(keywordKey)).toBe('kw-value');
          expect(description.typedSearchAttributes.get(intKey)).toBe(7);
          expect(description.searchAttributes.CustomKeywordField).toEqual(['kw-value']);
          expect(description.searchAttributes.CustomIntField).toEqual([7]);
          expect(await description.staticSummary()).toBe('A summary');
          expect(await description.staticDetails()).toBe('Some **details**');
          expect(description.startTime).toBeInstanceOf(Date);
          expect(description.historyLength).toBeGreaterThan(0);
          const config = description.raw.executionConfig;
          expect(Number(config?.workflowRunTimeout?.seconds)).toBe(1800);
          expect(Number(config?.workflowExecutionTimeout?.seconds)).toBe(3600);
          expect(Number(config?.defaultWorkflowTaskTimeout?.seconds)).toBe(20);
          const history = await handle.fetchHistory();
          const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
          expect(started?.retryPolicy?.maximumAttempts).toBe(2);
          expect(started?.retryPolicy?.backoffCoefficient).toBe(3);
          expect(Number(started?.retryPolicy?.initialInterval?.seconds)).toBe(2);
          expect(started?.retryPolicy?.nonRetryableErrorTypes).toEqual(['Bad']);
          await handle.terminate();
        },
      );

      test(
        'legacySearchAttributes',
        'untyped search attributes are stored with the type the server registered',
        async () => {
          const handle = await env.client.workflow.start(waitForever, {
            ...options('legacy-sa'),
            searchAttributes: { CustomIntField: [7], CustomKeywordField: ['a'] },
          });
          const description = await handle.describe();
          expect(description.searchAttributes).toMatchObject({ CustomIntField: [7], CustomKeywordField: ['a'] });
          expect(description.typedSearchAttributes.get(intKey)).toBe(7);
          expect(description.typedSearchAttributes.get(keywordKey)).toBe('a');
          await handle.terminate();
        },
      );

      test('workflow', 'startDelay and cronSchedule postpone the first Workflow task', async () => {
        const delayed = await env.client.workflow.start(greet, {
          ...options('delay'),
          args: ['later'],
          startDelay: '1 hour',
        });
        const description = await delayed.describe();
        expect(description.executionTime!.getTime() - description.startTime.getTime()).toBeGreaterThanOrEqual(
          3_599_000,
        );
        const started = (await delayed.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
        expect(Number(started?.firstWorkflowTaskBackoff?.seconds)).toBeGreaterThanOrEqual(3599);
        await delayed.terminate();

        const cron = await env.client.workflow.start(greet, {
          ...options('cron'),
          args: ['cron'],
          cronSchedule: '0 0 1 1 *',
        });
        const cronStarted = (await cron.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
        expect(cronStarted?.cronSchedule).toBe('0 0 1 1 *');
        expect(Number(cronStarted?.firstWorkflowTaskBackoff?.seconds)).toBeGreaterThan(0);
        await cron.terminate();
      });

      test('workflow', 'handles of unknown Workflows throw WorkflowNotFoundError', async () => {
        const handle = env.client.workflow.getHandle(env.id('missing'));
        const err = await handle.describe().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WorkflowNotFoundError);
        expect((err as WorkflowNotFoundError).workflowId).toBe(handle.workflowId);
        await expect(handle.result()).rejects.toBeInstanceOf(WorkflowNotFoundError);
        await expect(handle.cancel()).rejects.toBeInstanceOf(WorkflowNotFoundError);
        await expect(handle.signal(finishSignal)).rejects.toBeInstanceOf(WorkflowNotFoundError);
      });

      test('workflow', 'an unknown namespace throws NamespaceNotFoundError', async () => {
        const client = env.makeClient({ namespace: 'no-such-namespace' });
        const err = await client.workflow.start(greet, { ...options('ns'), args: ['x'] }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(NamespaceNotFoundError);
        expect((err as NamespaceNotFoundError).namespace).toBe('no-such-namespace');
        await expect(client.workflow.getHandle('x').describe()).rejects.toBeInstanceOf(NamespaceNotFoundError);
      });

      test('workflow', 'a client works in the namespace it is given', async () => {
        const client = env.makeClient({ namespace: 'kairos-test-other' });
        const handle = await client.workflow.start(waitForever, options('other-ns'));
        expect((await handle.describe()).status.name).toBe('RUNNING');
        await expect(env.client.workflow.getHandle(handle.workflowId).describe()).rejects.toBeInstanceOf(
          WorkflowNotFoundError,
        );
        await handle.terminate();
      });

      test('workflow', 'bad input is rejected before any call to the server', async () => {
        const before = env.calls.length;
        const wf = env.client.workflow;
        await expect(wf.start(greet, { taskQueue: env.taskQueue, workflowId: '', args: ['x'] })).rejects.toThrow(
          'Missing WorkflowOptions.workflowId',
        );
        await expect(wf.start(greet, { taskQueue: '', workflowId: 'id', args: ['x'] })).rejects.toThrow(
          'Missing WorkflowOptions.taskQueue',
        );
        await expect(
          wf.start(greet, { ...options('bad-duration'), args: ['x'], workflowRunTimeout: 'soonish' as '1s' }),
        ).rejects.toThrow(/soonish/);
        await expect(wf.start(echo, { ...options('bigint'), args: [10n] })).rejects.toThrow();
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        await expect(wf.start(echo, { ...options('circular'), args: [circular] })).rejects.toThrow();
        expect(() => wf.getHandle('')).toThrow(TypeError);
        await expect(wf.execute(greet, { ...options('no-args'), args: 'x' as unknown as [string] })).rejects.toThrow(
          TypeError,
        );
        expect(env.calls.slice(before)).toEqual([]);
      });
    });

    describe('describe and history', () => {
      test('workflow', 'fetchHistory() returns the events, and history JSON round-trips', async () => {
        const handle = await env.client.workflow.start(greet, { ...options('history'), args: ['history'] });
        await handle.result();
        const history = await handle.fetchHistory();
        const types = history.events?.map((e) => e.eventType);
        expect(types?.[0]).toBe(1); // WORKFLOW_EXECUTION_STARTED
        expect(types?.[types.length - 1]).toBe(2); // WORKFLOW_EXECUTION_COMPLETED
        const json = historyToJSON(history);
        expect(JSON.parse(json).events[0].eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
        const parsed = historyFromJSON(JSON.parse(json));
        expect(historyToJSON(parsed)).toBe(json);
        const described = await handle.describe();
        expect(described.status.name).toBe('COMPLETED');
        expect(described.closeTime).toBeInstanceOf(Date);
        expect(described.historyLength).toBe(history.events?.length);
      });

      test('workflow', 'historyFromJSON reads what `temporal workflow show --output json` exports', async () => {
        const handle = await env.client.workflow.start(greet, { ...options('cli-json'), args: ['cli'] });
        await handle.result();
        const { stdout } = await promisify(execFile)(process.env.TEMPORAL_CLI ?? 'temporal', [
          'workflow',
          'show',
          '--address',
          env.server.address,
          '--workflow-id',
          handle.workflowId,
          '--output',
          'json',
        ]);
        const fromCli = historyFromJSON(JSON.parse(stdout));
        const fetched = await handle.fetchHistory();
        expect(fromCli.events?.map((e) => Number(e.eventId))).toEqual(fetched.events?.map((e) => Number(e.eventId)));
        expect(fromCli.events?.map((e) => e.eventType)).toEqual(fetched.events?.map((e) => e.eventType));
        const completed = fromCli.events?.at(-1)?.workflowExecutionCompletedEventAttributes;
        expect(Buffer.from(completed?.result?.payloads?.[0]?.data ?? []).toString()).toBe('"Hello, cli!"');
      });
    });

    describe('signals and queries', () => {
      test('signal', 'signal() delivers Signals by definition and by name', async () => {
        const handle = await env.client.workflow.start(counter, { ...options('signal'), args: [10] });
        await handle.signal(incrementSignal, 5);
        await handle.signal('increment', 2);
        await handle.signalWithOptions('increment', { args: [1] });
        await handle.signal(finishSignal);
        expect(await handle.result()).toBe(18);
      });

      test(
        'signalWithStart',
        'signalWithStart() starts a Workflow with a Signal, or signals the running one',
        async () => {
          const opts = { ...options('sws'), args: [1] as [number] };
          const first = await env.client.workflow.signalWithStart(counter, {
            ...opts,
            signal: incrementSignal,
            signalArgs: [10],
          });
          expect(first.signaledRunId).toMatch(/^[0-9a-f-]{36}$/);
          const second = await env.client.workflow.signalWithStart(counter, {
            ...opts,
            signal: 'increment',
            signalArgs: [100],
          });
          expect(second.signaledRunId).toBe(first.signaledRunId);
          await first.signal(finishSignal);
          expect(await first.result()).toBe(111);
          const err = await env.client.workflow
            .signalWithStart(counter, {
              ...opts,
              signal: incrementSignal,
              signalArgs: [1],
              workflowIdReusePolicy: 'REJECT_DUPLICATE',
            })
            .catch((e: unknown) => e);
          expect(err).toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
          expect(err).toMatchObject({ workflowId: opts.workflowId, workflowType: 'counter' });
        },
      );

      test('query', 'query() returns typed results, with arguments, by definition and by name', async () => {
        const handle = await env.client.workflow.start(counter, { ...options('query'), args: [3] });
        const value: number = await handle.query(valueQuery);
        expect(value).toBe(3);
        expect(await handle.query(addQuery, 4)).toBe(7);
        expect(await handle.query<number, [number]>('add', 10)).toBe(13);
        expect(await handle.queryWithOptions<number, [number]>('add', { args: [1] })).toBe(4);
        await handle.signal(finishSignal);
        await handle.result();
        expect(await handle.query(valueQuery)).toBe(3);
      });

      test('query', 'unknown and failing Queries throw QueryNotRegisteredError', async () => {
        const handle = await env.client.workflow.start(counter, options('query-err'));
        const unknown = await handle.query('no-such-query').catch((e: unknown) => e);
        expect(unknown).toBeInstanceOf(QueryNotRegisteredError);
        expect((unknown as QueryNotRegisteredError).message).toMatch(/no-such-query/);
        const failing = await handle.query(failingQuery).catch((e: unknown) => e);
        expect(failing).toBeInstanceOf(QueryNotRegisteredError);
        expect((failing as Error).message).toMatch(/query handler failed/);
        await handle.terminate();
      });

      test(
        'query',
        'queryRejectCondition NOT_OPEN rejects Queries of closed Workflows with QueryRejectedError',
        async () => {
          const handle = await env.client.workflow.start(counter, options('query-reject'));
          await handle.signal(finishSignal);
          await handle.result();
          const strict = env.makeClient({ workflow: { queryRejectCondition: 'NOT_OPEN' } });
          const err = await strict.workflow
            .getHandle(handle.workflowId)
            .query(valueQuery)
            .catch((e: unknown) => e);
          expect(err).toBeInstanceOf(QueryRejectedError);
          expect((err as QueryRejectedError).status).toBe(2); // WORKFLOW_EXECUTION_STATUS_COMPLETED
        },
      );
    });

    describe('updates', () => {
      test('update', 'executeUpdate() returns the typed result of the Update handler', async () => {
        const handle = await env.client.workflow.start(counter, { ...options('update'), args: [1] });
        const result: number = await handle.executeUpdate(incrementUpdate, { args: [41] });
        expect(result).toBe(42);
        expect(await handle.executeUpdate<number, [number]>('incrementAndGet', { args: [1] })).toBe(43);
        expect(await handle.query(valueQuery)).toBe(43);
        await handle.terminate();
      });

      test('update', 'a validator rejection and a failing handler throw WorkflowUpdateFailedError', async () => {
        const handle = await env.client.workflow.start(counter, options('update-err'));
        const rejected = await handle.executeUpdate(incrementUpdate, { args: [-1] }).catch((e: unknown) => e);
        expect(rejected).toBeInstanceOf(WorkflowUpdateFailedError);
        expect((rejected as WorkflowUpdateFailedError).cause?.message).toMatch(/increment must not be negative/);
        const failed = await handle.executeUpdate(failingUpdate).catch((e: unknown) => e);
        expect(failed).toBeInstanceOf(WorkflowUpdateFailedError);
        expect((failed as WorkflowUpdateFailedError).cause).toBeInstanceOf(ApplicationFailure);
        expect((failed as WorkflowUpdateFailedError).cause).toMatchObject({
          type: 'UpdateError',
          message: 'update handler failed',
        });
        await handle.terminate();
      });

      test(
        'update',
        'startUpdate() returns once accepted; the handle and getUpdateHandle() give the result',
        async () => {
          const handle = await env.client.workflow.start(counter, options('update-start'));
          const updateHandle = await handle.startUpdate(slowUpdate, {
            args: ['abc'],
            waitForStage: 'ACCEPTED',
            updateId: 'upd-1',
          });
          expect(updateHandle.updateId).toBe('upd-1');
          expect(updateHandle.workflowId).toBe(handle.workflowId);
          expect(updateHandle.workflowRunId).toMatch(/^[0-9a-f-]{36}$/);
          await handle.signal(releaseSignal);
          expect(await updateHandle.result()).toBe('ABC');
          expect(await handle.getUpdateHandle<string>('upd-1').result()).toBe('ABC');
          // Same update id: the server returns the first Update instead of running a new one.
          expect(await handle.executeUpdate(slowUpdate, { args: ['other'], updateId: 'upd-1' })).toBe('ABC');
          await expect(
            handle.startUpdate(slowUpdate, { args: ['x'], waitForStage: 'COMPLETED' as 'ACCEPTED' }),
          ).rejects.toThrow(TypeError);
          await handle.terminate();
        },
      );

      test('update', 'an Update call past its deadline throws WorkflowUpdateRPCTimeoutOrCancelledError', async () => {
        const handle = await env.client.workflow.start(counter, options('update-deadline'));
        const err = await env.client
          .withDeadline(Date.now() + 1000, () => handle.executeUpdate(slowUpdate, { args: ['x'] }))
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WorkflowUpdateRPCTimeoutOrCancelledError);
        await handle.terminate();
      });
    });

    describe('update-with-start', () => {
      test(
        'updateWithStart',
        'executeUpdateWithStart() starts the Workflow and returns the Update result',
        async () => {
          const workflowId = env.id('uws');
          const op = new WithStartWorkflowOperation(counter, {
            workflowId,
            taskQueue: env.taskQueue,
            args: [5],
            workflowIdConflictPolicy: 'USE_EXISTING',
          });
          const result: number = await env.client.workflow.executeUpdateWithStart(incrementUpdate, {
            args: [1],
            startWorkflowOperation: op,
          });
          expect(result).toBe(6);
          const wfHandle = await op.workflowHandle();
          expect(wfHandle.workflowId).toBe(workflowId);
          expect(await wfHandle.query(valueQuery)).toBe(6);

          const again = new WithStartWorkflowOperation(counter, {
            workflowId,
            taskQueue: env.taskQueue,
            args: [1000],
            workflowIdConflictPolicy: 'USE_EXISTING',
          });
          const updateHandle = await env.client.workflow.startUpdateWithStart(incrementUpdate, {
            args: [10],
            waitForStage: 'ACCEPTED',
            startWorkflowOperation: again,
          });
          expect(await updateHandle.result()).toBe(16);
          expect((await again.workflowHandle()).workflowId).toBe(workflowId);
          await expect(
            env.client.workflow.executeUpdateWithStart(incrementUpdate, { args: [1], startWorkflowOperation: again }),
          ).rejects.toThrow('already been executed');

          const failing = new WithStartWorkflowOperation(counter, {
            workflowId,
            taskQueue: env.taskQueue,
            workflowIdConflictPolicy: 'FAIL',
          });
          const err = await env.client.workflow
            .executeUpdateWithStart(incrementUpdate, { args: [1], startWorkflowOperation: failing })
            .catch((e: unknown) => e);
          expect(err).toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
          await expect(failing.workflowHandle()).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
          await wfHandle.terminate();
        },
      );
    });

    describe('list and count', () => {
      test(
        'visibility',
        'list() pages through matching executions and count() counts them',
        async () => {
          const listQueue = `${env.taskQueue}-list`;
          const ids = [env.id('list-a'), env.id('list-b'), env.id('list-c')];
          for (const workflowId of ids) {
            await env.client.workflow.start(waitForever, {
              taskQueue: listQueue,
              workflowId,
              memo: { id: workflowId },
            });
          }
          const query = `TaskQueue = '${listQueue}'`;
          const listed = await eventually(
            async () => {
              const found = [];
              for await (const info of env.client.workflow.list({ query, pageSize: 1 })) found.push(info);
              return found;
            },
            (found) => found.length === 3,
            'the three Workflows to be listed',
          );
          expect(listed.map((w) => w.workflowId).sort()).toEqual([...ids].sort());
          for (const info of listed) {
            expect(info.type).toBe('waitForever');
            expect(info.taskQueue).toBe(listQueue);
            expect(info.status.name).toBe('RUNNING');
            expect(info.memo).toEqual({ id: info.workflowId });
            expect(info.startTime).toBeInstanceOf(Date);
          }
          const count = await eventually(
            () => env.client.workflow.count(query),
            (c) => c.count === 3,
            'the count to reach 3',
          );
          expect(count.groups).toEqual([]);
          await env.client.workflow.getHandle(ids[0]).terminate();
          const grouped = await eventually(
            () => env.client.workflow.count(`${query} GROUP BY ExecutionStatus`),
            (c) => c.groups.length === 2,
            'two status groups',
          );
          const byStatus = Object.fromEntries(grouped.groups.map((g) => [String(g.groupValues[0]), g.count]));
          expect(byStatus).toEqual({ Running: 2, Terminated: 1 });
          const histories = [];
          for await (const h of env.client.workflow.list({ query }).intoHistories({ concurrency: 2 }))
            histories.push(h);
          expect(histories.map((h) => h.workflowId).sort()).toEqual([...ids].sort());
          for (const { history } of histories) {
            expect((history as { events: unknown[] }).events.length).toBeGreaterThan(0);
          }
          for (const id of ids.slice(1)) await env.client.workflow.getHandle(id).terminate();
        },
        60_000,
      );
    });
  });
}
