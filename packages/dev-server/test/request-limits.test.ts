// The real server's limits and request checks, run against both servers: what the real `temporal server start-dev`
// refuses, this server refuses with the same code and message; what it accepts, this server accepts.
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { uniqueId } from './helpers';
import { rejection } from './raw-client';
import { onEachServer, TestServer } from './servers';

const MiB = 1024 * 1024;

interface Answer {
  code: grpc.status | 'OK';
  message?: string;
}

/** The outcome of a call: OK, or its status code and message. */
async function answer(p: Promise<unknown>): Promise<Answer> {
  try {
    await p;
    return { code: 'OK' };
  } catch (err) {
    const e = err as grpc.ServiceError;
    return { code: e.code, message: e.details };
  }
}

const invalid = (message: string): Answer => ({ code: grpc.status.INVALID_ARGUMENT, message });
const ok: Answer = { code: 'OK' };
const bytes = (n: number) => ({ payloads: [{ data: Buffer.alloc(n) }] });
const keyword = (value: string) => ({
  metadata: { encoding: Buffer.from('json/plain'), type: Buffer.from('Keyword') },
  data: Buffer.from(JSON.stringify(value)),
});

/** Bytes of a varint. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

/** A Failure with `depth` causes below it, encoded by hand (protobufjs refuses to encode it that deep). */
function nestedFailure(depth: number): Buffer {
  let b = Buffer.from([0x0a, 0x01, 0x78]); // message "x"
  for (let i = 0; i < depth; i++) b = Buffer.concat([Buffer.from([0x0a, 0x01, 0x78, 0x22, ...varint(b.length)]), b]);
  return b;
}

/** RespondActivityTaskFailedRequest { task_token, failure, namespace: "default" }, encoded by hand. */
function failedRequestWith(failure: Buffer, taskToken: Uint8Array = Buffer.from([1])): Buffer {
  return Buffer.concat([
    Buffer.from([0x0a, ...varint(taskToken.length)]),
    taskToken,
    Buffer.from([0x12, ...varint(failure.length)]),
    failure,
    Buffer.from([0x22, 0x07]),
    Buffer.from('default'),
  ]);
}

/** A non-retryable application failure (application_failure_info { non_retryable: true }) over `cause`. */
function nonRetryableOver(cause: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from([0x0a, 0x01, 0x78, 0x22, ...varint(cause.length)]),
    cause,
    Buffer.from([0x2a, 0x02, 0x10, 0x01]),
  ]);
}

onEachServer({ searchAttributes: { CustomKeywordField: 'Keyword' } }, (server: () => TestServer) => {
  const raw = () => server().raw;
  const start = (extra: object = {}) =>
    raw().wf('StartWorkflowExecution', {
      workflowId: uniqueId(),
      workflowType: { name: 'Wf' },
      taskQueue: { name: 'limits' },
      requestId: uniqueId('req'),
      ...extra,
    });
  /** A running workflow (no worker takes its tasks), for requests that address one. */
  let openId: string;
  beforeAll(async () => {
    openId = uniqueId('open');
    await start({ workflowId: openId });
  });

  describe('message and blob sizes', () => {
    test('a request over 4 MiB is RESOURCE_EXHAUSTED, refused from its length', async () => {
      const request = { namespace: 'default', workflowId: 'w', input: bytes(5 * MiB) };
      const size = temporal.api.workflowservice.v1.StartWorkflowExecutionRequest.encode(request).finish().length;
      expect(await answer(raw().wf('StartWorkflowExecution', request))).toEqual({
        code: grpc.status.RESOURCE_EXHAUSTED,
        message: `grpc: received message larger than max (${size} vs. 4194304)`,
      });
      // A 60 MB request gets the same answer from its length prefix.
      const huge = Buffer.alloc(60 * MiB);
      expect(await answer(raw().callBytes('WorkflowService', 'StartWorkflowExecution', huge))).toEqual({
        code: grpc.status.RESOURCE_EXHAUSTED,
        message: `grpc: received message larger than max (${huge.length} vs. 4194304)`,
      });
    });

    test('start input, signal input, signal-with-start input and query arguments over 2 MB are refused', async () => {
      const blob = invalid('Blob data size exceeds limit.');
      expect(await answer(start({ input: bytes(2.5 * MiB) }))).toEqual(blob);
      // The limit is on the whole input, not on each payload.
      expect(
        await answer(start({ input: { payloads: [bytes(1.5 * MiB).payloads[0], bytes(1.5 * MiB).payloads[0]] } })),
      ).toEqual(blob);
      expect(
        await answer(
          raw().wf('SignalWorkflowExecution', {
            workflowExecution: { workflowId: openId },
            signalName: 's',
            input: bytes(2.5 * MiB),
          }),
        ),
      ).toEqual(blob);
      expect(
        await answer(
          raw().wf('SignalWithStartWorkflowExecution', {
            workflowId: uniqueId(),
            workflowType: { name: 'Wf' },
            taskQueue: { name: 'limits' },
            signalName: 's',
            signalInput: bytes(2.5 * MiB),
          }),
        ),
      ).toEqual(blob);
      expect(
        await answer(
          raw().wf('QueryWorkflow', {
            execution: { workflowId: openId },
            query: { queryType: 'q', queryArgs: bytes(2.5 * MiB) },
          }),
        ),
      ).toEqual(blob);
      // Under the limit (and over the warning threshold) is accepted.
      expect(await answer(start({ input: bytes(1 * MiB) }))).toEqual(ok);
    });

    test('a memo over 2 MB is refused with its own message; headers and user metadata have no limit', async () => {
      expect(await answer(start({ memo: { fields: { m: { data: Buffer.alloc(2.5 * MiB) } } } }))).toEqual(
        invalid('Memo size exceeds limit.'),
      );
      expect(await answer(start({ header: { fields: { h: { data: Buffer.alloc(2.5 * MiB) } } } }))).toEqual(ok);
      expect(await answer(start({ userMetadata: { summary: { data: Buffer.alloc(2.5 * MiB) } } }))).toEqual(ok);
    });

    test("update-with-start reports the start operation's size errors in its operation status", async () => {
      const workflowId = uniqueId('uws');
      const err = await rejection(
        raw().wf('ExecuteMultiOperation', {
          operations: [
            {
              startWorkflow: {
                namespace: 'default',
                workflowId,
                workflowType: { name: 'Wf' },
                taskQueue: { name: 'limits' },
                requestId: uniqueId(),
                workflowIdConflictPolicy: 2,
                input: bytes(2.5 * MiB),
              },
            },
            {
              updateWorkflow: {
                namespace: 'default',
                workflowExecution: { workflowId },
                request: { meta: { updateId: 'u' }, input: { name: 'n' } },
              },
            },
          ],
        }),
      );
      expect([err.code, err.details]).toEqual([
        grpc.status.INVALID_ARGUMENT,
        'Update-with-Start could not be executed.',
      ]);
      const statuses = err.statusDetails[0].message.statuses as Array<{ code: number; message: string }>;
      expect(statuses.map((s) => [s.code, s.message])).toEqual([
        [grpc.status.INVALID_ARGUMENT, 'Blob data size exceeds limit.'],
        [grpc.status.ABORTED, 'Operation was aborted.'],
      ]);
    });
  });

  describe('lengths and names', () => {
    const long = (n: number) => 'x'.repeat(n);
    test('ids and names over 1000 bytes are refused, each with its own message', async () => {
      // 1001 bytes in 501 characters: the limit counts bytes.
      expect(await answer(start({ workflowId: 'é'.repeat(500) + 'x' }))).toEqual(
        invalid('WorkflowId exceeds maximum allowed length (1001/1000)'),
      );
      expect(await answer(start({ workflowId: long(1000) }))).toEqual(ok);
      expect(await answer(start({ workflowType: { name: long(1001) } }))).toEqual(
        invalid('WorkflowType length exceeds limit.'),
      );
      expect(await answer(start({ taskQueue: { name: long(1001) } }))).toEqual(
        invalid('taskQueue length exceeds limit'),
      );
      expect(await answer(start({ requestId: long(1001) }))).toEqual(invalid('RequestId length exceeds limit.'));
      expect(
        await answer(
          raw().wf('SignalWorkflowExecution', { workflowExecution: { workflowId: openId }, signalName: long(1001) }),
        ),
      ).toEqual(invalid('SignalName length exceeds limit.'));
      expect(
        await answer(
          raw().wf('SignalWithStartWorkflowExecution', {
            workflowId: uniqueId(),
            workflowType: { name: 'Wf' },
            taskQueue: { name: 'limits' },
            signalName: long(1001),
          }),
        ),
      ).toEqual(invalid('signal name exceeds maximum allowed length (1001/1000)'));
      expect(
        await answer(
          raw().wf('UpdateWorkflowExecution', {
            workflowExecution: { workflowId: openId },
            request: { meta: { updateId: long(1001) }, input: { name: 'n' } },
          }),
        ),
      ).toEqual(invalid('UpdateId length exceeds limit.'));
      expect(
        await answer(raw().wf('PollWorkflowTaskQueue', { taskQueue: { name: 'limits' }, identity: long(1001) })),
      ).toEqual(invalid('Identity length exceeds limit.'));
    });

    test('task queues under /_sys/ are reserved', async () => {
      const reserved = invalid('task queue name cannot start with reserved prefix /_sys/');
      expect(await answer(start({ taskQueue: { name: '/_sys/mine' } }))).toEqual(reserved);
      expect(await answer(raw().wf('PollWorkflowTaskQueue', { taskQueue: { name: '/_sys/mine' } }))).toEqual(reserved);
      expect(await answer(raw().wf('PollActivityTaskQueue', { taskQueue: { name: '/_sys/mine' } }))).toEqual(reserved);
    });

    test('a Keyword search attribute value over 2048 bytes is refused', async () => {
      expect(
        await answer(start({ searchAttributes: { indexedFields: { CustomKeywordField: keyword(long(2049)) } } })),
      ).toEqual(invalid('search attribute CustomKeywordField value size 2051 exceeds size limit 2048'));
      expect(
        await answer(start({ searchAttributes: { indexedFields: { CustomKeywordField: keyword(long(2046)) } } })),
      ).toEqual(ok);
    });

    test('a duration with seconds and nanos of different signs, or negative, is refused naming the field', async () => {
      const mixed = { seconds: 5, nanos: -5 };
      for (const [field, name] of [
        ['workflowExecutionTimeout', 'WorkflowExecutionTimeoutSeconds'],
        ['workflowRunTimeout', 'WorkflowRunTimeoutSeconds'],
        ['workflowTaskTimeout', 'WorkflowTaskTimeoutSeconds'],
        ['workflowStartDelay', 'WorkflowStartDelaySeconds'],
      ]) {
        expect(await answer(start({ [field]: mixed }))).toEqual(
          invalid(`An invalid ${name} is set on request. cause: duration has seconds and nanos with different signs`),
        );
        expect(await answer(start({ [field]: { seconds: -1 } }))).toEqual(
          invalid(`An invalid ${name} is set on request. cause: negative duration`),
        );
      }
    });
  });

  describe('nesting', () => {
    test('a failure cause chain 5000 deep is accepted', async () => {
      // Well-formed otherwise: the answer is about the task token, so the request was read.
      expect(
        await answer(
          raw().callBytes('WorkflowService', 'RespondActivityTaskFailed', failedRequestWith(nestedFailure(5_000))),
        ),
      ).toEqual(invalid('Error deserializing task token.'));
      expect(
        await answer(
          raw().callBytes('WorkflowService', 'RespondActivityTaskFailed', failedRequestWith(nestedFailure(100))),
        ),
      ).toEqual(invalid('Error deserializing task token.'));
    });

    test('an activity failing with a cause chain 5000 deep fails as it says', async () => {
      const taskQueue = uniqueId('deep');
      const workflowId = uniqueId('deep');
      await raw().wf('StartWorkflowExecution', {
        workflowId,
        workflowType: { name: 'Wf' },
        taskQueue: { name: taskQueue },
        requestId: uniqueId(),
      });
      const task = await raw().wf('PollWorkflowTaskQueue', { taskQueue: { name: taskQueue } });
      await raw().wf('RespondWorkflowTaskCompleted', {
        taskToken: task.taskToken,
        commands: [
          {
            commandType: temporal.api.enums.v1.CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
            scheduleActivityTaskCommandAttributes: {
              activityId: '1',
              activityType: { name: 'A' },
              taskQueue: { name: taskQueue },
              startToCloseTimeout: { seconds: 30 },
            },
          },
        ],
      });
      const activity = await raw().wf('PollActivityTaskQueue', { taskQueue: { name: taskQueue } });
      const request = failedRequestWith(nonRetryableOver(nestedFailure(5_000)), activity.taskToken);
      expect(await answer(raw().callBytes('WorkflowService', 'RespondActivityTaskFailed', request))).toEqual(ok);
      // The failure is not retried: the workflow has a task to see it (read raw: its history nests too deep for
      // the client's decoder).
      const poll = temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest.encode({
        namespace: 'default',
        taskQueue: { name: taskQueue },
      }).finish();
      const next = (await raw().callBytes('WorkflowService', 'PollWorkflowTaskQueue', poll, 10_000)) as Buffer;
      // Field 1 (task_token) comes first in a task.
      expect(next[0]).toBe(0x0a);
    }, 30_000);

    test('a failure nested past the recursion limit is refused naming the recursion depth', async () => {
      expect(
        await answer(
          raw().callBytes('WorkflowService', 'RespondActivityTaskFailed', failedRequestWith(nestedFailure(20_000))),
        ),
      ).toEqual({
        code: grpc.status.INTERNAL,
        message: 'grpc: error unmarshalling request: proto:\u00a0exceeded maximum recursion depth',
      });
    });

    test('a list query nested 5000 deep is INVALID_ARGUMENT at the max nesting level', async () => {
      const query = '('.repeat(5000) + 'WorkflowId = "x"' + ')'.repeat(5000);
      const tooDeep = invalid('invalid query: malformed SQL query: max nesting level reached at position 228');
      expect(await answer(raw().wf('ListWorkflowExecutions', { query }))).toEqual(tooDeep);
      expect(await answer(raw().wf('CountWorkflowExecutions', { query }))).toEqual(tooDeep);
      const fine = '('.repeat(199) + 'WorkflowId = "x"' + ')'.repeat(199);
      expect(await answer(raw().wf('ListWorkflowExecutions', { query: fine }))).toEqual(ok);
    });
  });

  describe('undecodable requests', () => {
    test('invalid UTF-8, a truncated message and a bad tag name the cause as the real server does', async () => {
      const send = (b: number[]) =>
        answer(raw().callBytes('WorkflowService', 'StartWorkflowExecution', Buffer.from(b)));
      expect(await send([0x0a, 0x02, 0xff, 0xfe])).toEqual({
        code: grpc.status.INTERNAL,
        message: 'grpc: error unmarshalling request: string field contains invalid UTF-8',
      });
      const wire = {
        code: grpc.status.INTERNAL,
        message: 'grpc: error unmarshalling request: proto:\u00a0cannot parse invalid wire-format data',
      };
      expect(await send([0x0a, 0x10, 0x61])).toEqual(wire);
      expect(await send([0x00])).toEqual(wire);
    });
  });

  describe('validation and messages', () => {
    test('cron schedules that never fire or do not parse are refused; CRON_TZ prefixes work', async () => {
      expect(await answer(start({ cronSchedule: '0 0 30 2 *' }))).toEqual(
        invalid('invalid CronSchedule, no time can be found to satisfy the schedule'),
      );
      for (const bad of ['bogus', '0 * * * * *', 'CRON_TZ=Nowhere/Zone 0 5 * * *']) {
        expect(await answer(start({ cronSchedule: bad }))).toEqual(invalid('invalid CronSchedule.'));
      }
      expect(await answer(start({ cronSchedule: '* * * * *', workflowStartDelay: { seconds: 5 } }))).toEqual(
        invalid('CronSchedule and WorkflowStartDelay may not be used together.'),
      );
      for (const good of ['CRON_TZ=America/New_York 0 5 * * *', 'TZ=UTC 0 5 * * *', '@hourly', '@every 5m']) {
        expect(await answer(start({ cronSchedule: good }))).toEqual(ok);
      }
    });

    test('a cron schedule with a zone waits until that wall-clock time in the zone', async () => {
      const workflowId = uniqueId('cron-tz');
      await start({ workflowId, cronSchedule: 'CRON_TZ=Asia/Kolkata 30 5 * * *' });
      const history = await raw().wf('GetWorkflowExecutionHistory', { execution: { workflowId } });
      const started = history.history.events[0];
      const startMs = Number(started.eventTime.seconds) * 1000 + Math.floor(started.eventTime.nanos / 1e6);
      const backoff = started.workflowExecutionStartedEventAttributes.firstWorkflowTaskBackoff;
      // The backoff is in whole seconds (rounded up), as the real server computes it.
      expect(backoff.nanos).toBe(0);
      const firstMs = startMs + Number(backoff.seconds) * 1000;
      // 05:30 in Kolkata is 00:00 UTC.
      expect(firstMs % 86_400_000).toBeLessThan(1000);
    });

    test("an empty namespace, a run id that is not a UUID and missing fields get the real server's messages", async () => {
      expect(
        await answer(
          raw().call('WorkflowService', 'StartWorkflowExecution', {
            workflowId: 'w',
            workflowType: { name: 'Wf' },
            taskQueue: { name: 'q' },
          }),
        ),
      ).toEqual(invalid('Namespace is empty.'));
      const badRun = { workflowId: openId, runId: 'not-a-uuid' };
      const invalidRun = invalid('Invalid RunId.');
      expect(await answer(raw().wf('DescribeWorkflowExecution', { execution: badRun }))).toEqual(invalidRun);
      expect(await answer(raw().wf('GetWorkflowExecutionHistory', { execution: badRun }))).toEqual(invalidRun);
      expect(await answer(raw().wf('SignalWorkflowExecution', { workflowExecution: badRun, signalName: 's' }))).toEqual(
        invalidRun,
      );
      expect(await answer(raw().wf('TerminateWorkflowExecution', { workflowExecution: badRun }))).toEqual(invalidRun);
      expect(await answer(raw().wf('RequestCancelWorkflowExecution', { workflowExecution: badRun }))).toEqual(
        invalidRun,
      );
      expect(await answer(raw().wf('QueryWorkflow', { execution: badRun, query: { queryType: 'q' } }))).toEqual(
        invalidRun,
      );
      expect(await answer(raw().wf('DescribeWorkflowExecution', {}))).toEqual(
        invalid('Execution is not set on request.'),
      );
      expect(await answer(start({ workflowId: '' }))).toEqual(invalid('WorkflowId is not set on request.'));
      expect(await answer(start({ workflowType: null }))).toEqual(invalid('WorkflowType is not set on request.'));
      expect(await answer(start({ taskQueue: null }))).toEqual(invalid('taskQueue is not set'));
      expect(await answer(raw().wf('SignalWorkflowExecution', { workflowExecution: { workflowId: openId } }))).toEqual(
        invalid('SignalName is not set on request.'),
      );
      expect(await answer(raw().wf('QueryWorkflow', { execution: { workflowId: openId } }))).toEqual(
        invalid('WorkflowQuery is not set on request.'),
      );
      expect(await answer(raw().call('WorkflowService', 'DescribeNamespace', {}))).toEqual(
        invalid('Namespace not set on request.'),
      );
    });

    test('a namespace needs a retention of at least an hour', async () => {
      const register = (seconds?: number) =>
        answer(
          raw().wf('RegisterNamespace', {
            namespace: uniqueId('ns'),
            workflowExecutionRetentionPeriod: seconds === undefined ? null : { seconds },
          }),
        );
      const refused = invalid('A valid retention period is not set on request.');
      expect(await register()).toEqual(refused);
      expect(await register(3599)).toEqual(refused);
      expect(await register(3600)).toEqual(ok);
    });

    test('an unknown search attribute type names the number', async () => {
      expect(
        await answer(
          raw().call('OperatorService', 'AddSearchAttributes', { namespace: 'default', searchAttributes: { X: 99 } }),
        ),
      ).toEqual(invalid('Unknown search attribute type: 99.'));
    });

    test('a list page token the server did not issue is an internal error; a schedule without an action is accepted', async () => {
      for (const method of ['ListWorkflowExecutions', 'ListSchedules']) {
        const a = await answer(raw().wf(method, { nextPageToken: Buffer.from('not a token') }));
        expect(a.code).toBe(grpc.status.UNKNOWN);
        expect(a.message).toMatch(/^something went wrong, please retry \([0-9a-f]{8}\)$/);
      }
      expect(
        await answer(
          raw().wf('CreateSchedule', {
            scheduleId: uniqueId('sched'),
            requestId: uniqueId(),
            schedule: { spec: { interval: [{ interval: { seconds: 3600 } }] } },
          }),
        ),
      ).toEqual(ok);
    });
  });

  describe('task tokens', () => {
    /** A well-formed token of the real server's layout for an activity that does not exist, in `namespaceId`. */
    const notFoundToken = (namespaceId: string) => {
      const w = new (require('protobufjs/minimal').Writer)();
      w.uint32(10).string(namespaceId);
      w.uint32(18).string('c787f7af-23c4-486b-98b2-f57997ad0ae6');
      w.uint32(26).string('33fe12c8-be49-41a2-8abd-1765496ede9e');
      w.uint32(32).int64(5);
      w.uint32(40).int32(1);
      w.uint32(50).string('1');
      w.uint32(66).string('completeAsync');
      return Buffer.from(w.finish());
    };
    const runGone = {
      code: grpc.status.NOT_FOUND,
      message:
        'workflow execution not found for workflow ID "c787f7af-23c4-486b-98b2-f57997ad0ae6" and run ID "33fe12c8-be49-41a2-8abd-1765496ede9e"',
    };

    test('a well-formed token for an activity that does not exist is NOT_FOUND for every activity RPC', async () => {
      const { namespaceInfo } = await raw().wf('DescribeNamespace', { namespace: 'default' });
      const taskToken = notFoundToken(namespaceInfo.id);
      for (const method of [
        'RespondActivityTaskCompleted',
        'RespondActivityTaskFailed',
        'RespondActivityTaskCanceled',
        'RecordActivityTaskHeartbeat',
        'RespondWorkflowTaskCompleted',
      ]) {
        expect([method, await answer(raw().wf(method, { taskToken }))]).toEqual([method, runGone]);
      }
    });

    test('a token of an unknown namespace is NOT_FOUND naming it; of another namespace, INVALID_ARGUMENT', async () => {
      const unknownId = '4eb0f184-e031-44fa-8b0c-f027d055bedc';
      const err = await rejection(raw().wf('RespondActivityTaskCompleted', { taskToken: notFoundToken(unknownId) }));
      expect([err.code, err.details]).toEqual([grpc.status.NOT_FOUND, `Namespace ${unknownId} is not found.`]);
      expect(err.statusDetails[0].typeName).toBe('temporal.api.errordetails.v1.NamespaceNotFoundFailure');
      const { namespaceInfo } = await raw().wf('DescribeNamespace', { namespace: 'default' });
      expect(
        await answer(
          raw().wf('RespondWorkflowTaskCompleted', {
            namespace: 'temporal-system',
            taskToken: notFoundToken(namespaceInfo.id),
          }),
        ),
      ).toEqual(invalid('Operation requested with a token from a different namespace.'));
    });

    test('a token that is not one, or none, is INVALID_ARGUMENT', async () => {
      expect(await answer(raw().wf('RespondActivityTaskCompleted', { taskToken: Buffer.from([1, 2, 3]) }))).toEqual(
        invalid('Error deserializing task token.'),
      );
      expect(await answer(raw().wf('RespondQueryTaskCompleted', { taskToken: Buffer.from('garbage') }))).toEqual(
        invalid('Error deserializing task token.'),
      );
      expect(await answer(raw().wf('RespondActivityTaskCompleted', {}))).toEqual(
        invalid('Task token not set on request.'),
      );
    });
  });
});
