/**
 * Client behaviour that needs no real server: option handling, error mapping from gRPC status details,
 * and the features Kairos does not implement yet. A stub gRPC server plays the Temporal server.
 */
import os from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { google, temporal } from '@kairos/proto';
import {
  ActivityClient,
  Client,
  Connection,
  NamespaceNotFoundError,
  NotImplementedError,
  QueryNotRegisteredError,
  ScheduleNotFoundError,
  ServiceError,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '../src';
import { StubError, StubServer } from './helpers/stub-server';

function statusDetails(...details: { typeName: string; value: Uint8Array }[]): grpc.Metadata {
  const md = new grpc.Metadata();
  const status = google.rpc.Status.encode({
    code: 0,
    message: '',
    details: details.map((d) => ({ type_url: `type.googleapis.com/${d.typeName}`, value: d.value })),
  }).finish();
  md.set('grpc-status-details-bin', Buffer.from(status));
  return md;
}

describe('Client', () => {
  let server: StubServer;
  let connection: Connection;
  beforeEach(async () => {
    server = await StubServer.start();
    connection = Connection.lazy({ address: server.address, interceptors: [] });
  });
  afterEach(async () => {
    await connection.close();
    await server.stop();
  });

  it('defaults the namespace to "default" and the identity to pid@hostname', async () => {
    const client = new Client({ connection });
    expect(client.options.namespace).toBe('default');
    expect(client.options.identity).toBe(`${process.pid}@${os.hostname()}`);
    expect(client.workflowService).toBe(connection.workflowService);
    await client.workflow.getHandle('wf').cancel();
    const [call] = server.callsOf('RequestCancelWorkflowExecution');
    expect(call.request).toMatchObject({ namespace: 'default', identity: client.options.identity });
    expect(call.metadata.get('temporal-namespace')).toEqual(['default']);
  });

  it('rejects malformed options with a TypeError', () => {
    expect(() => new Client({ connection, namespace: '' })).toThrow(TypeError);
    expect(() => new Client({ connection, identity: 42 as unknown as string })).toThrow(TypeError);
  });

  it('passes withDeadline, withMetadata and withAbortSignal to the connection', async () => {
    const client = new Client({ connection });
    await client.withMetadata({ 'x-client': 'yes' }, () => client.workflow.getHandle('wf').cancel());
    expect(server.callsOf('RequestCancelWorkflowExecution')[0].metadata.get('x-client')).toEqual(['yes']);
    server.on('DescribeWorkflowExecution', () => 'never');
    const err = await client
      .withDeadline(Date.now() + 200, () => client.workflow.getHandle('wf').describe())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    const controller = new AbortController();
    const pending = client.withAbortSignal(controller.signal, () => client.workflow.getHandle('wf').describe());
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(ServiceError);
  });

  it('maps NamespaceNotFoundFailure details to NamespaceNotFoundError', async () => {
    server.on(
      'StartWorkflowExecution',
      () =>
        new StubError(
          grpc.status.NOT_FOUND,
          'Namespace nope is not found.',
          statusDetails({
            typeName: 'temporal.api.errordetails.v1.NamespaceNotFoundFailure',
            value: temporal.api.errordetails.v1.NamespaceNotFoundFailure.encode({ namespace: 'nope' }).finish(),
          }),
        ),
    );
    const client = new Client({ connection, namespace: 'nope' });
    const err = await client.workflow.start('wf', { taskQueue: 'tq', workflowId: 'id' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NamespaceNotFoundError);
    expect((err as NamespaceNotFoundError).namespace).toBe('nope');
  });

  it('maps NOT_FOUND to WorkflowNotFoundError and other codes to ServiceError with the gRPC cause', async () => {
    server.on('DescribeWorkflowExecution', () => new StubError(grpc.status.NOT_FOUND, 'workflow not found for ID: wf'));
    server.on('TerminateWorkflowExecution', () => new StubError(grpc.status.PERMISSION_DENIED, 'no'));
    const client = new Client({ connection });
    const notFound = await client.workflow
      .getHandle('wf', 'run')
      .describe()
      .catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(WorkflowNotFoundError);
    expect(notFound).toMatchObject({ message: 'workflow not found for ID: wf', workflowId: 'wf', runId: 'run' });
    const denied = await client.workflow
      .getHandle('wf')
      .terminate()
      .catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(ServiceError);
    expect((denied as ServiceError).message).toBe('Failed to terminate Workflow');
    expect((denied as ServiceError).cause).toMatchObject({ code: grpc.status.PERMISSION_DENIED });
  });

  it('maps an INVALID_ARGUMENT query failure to QueryNotRegisteredError with the worker message', async () => {
    server.on(
      'QueryWorkflow',
      () => new StubError(grpc.status.INVALID_ARGUMENT, 'unknown queryType nope. KnownQueryTypes=[a b]'),
    );
    const err = await new Client({ connection }).workflow
      .getHandle('wf')
      .query('nope')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryNotRegisteredError);
    expect(err).toMatchObject({
      message: 'unknown queryType nope. KnownQueryTypes=[a b]',
      code: grpc.status.INVALID_ARGUMENT,
    });
  });

  it('reports the failing operation of update-with-start from MultiOperationExecutionFailure', async () => {
    const alreadyStarted = temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure.encode({
      startRequestId: 'r',
      runId: 'existing-run',
    }).finish();
    server.on(
      'ExecuteMultiOperation',
      () =>
        new StubError(
          grpc.status.ALREADY_EXISTS,
          'MultiOperation could not be executed.',
          statusDetails({
            typeName: 'temporal.api.errordetails.v1.MultiOperationExecutionFailure',
            value: temporal.api.errordetails.v1.MultiOperationExecutionFailure.encode({
              statuses: [
                {
                  code: grpc.status.ALREADY_EXISTS,
                  message: 'Workflow execution is already running',
                  details: [
                    {
                      type_url:
                        'type.googleapis.com/temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure',
                      value: alreadyStarted,
                    },
                  ],
                },
                {
                  code: grpc.status.ABORTED,
                  message: 'Operation was aborted.',
                  details: [
                    {
                      type_url: 'type.googleapis.com/temporal.api.failure.v1.MultiOperationExecutionAborted',
                      value: new Uint8Array(),
                    },
                  ],
                },
              ],
            }).finish(),
          }),
        ),
    );
    const op = new WithStartWorkflowOperation('wf', {
      taskQueue: 'tq',
      workflowId: 'id',
      workflowIdConflictPolicy: 'FAIL',
    });
    const err = await new Client({ connection }).workflow
      .executeUpdateWithStart('update', { startWorkflowOperation: op })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    await expect(op.workflowHandle()).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
  });

  it('maps update-with-start abort by the client to WorkflowUpdateRPCTimeoutOrCancelledError', async () => {
    server.on('ExecuteMultiOperation', () => 'never');
    const op = new WithStartWorkflowOperation('wf', {
      taskQueue: 'tq',
      workflowId: 'id',
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    const client = new Client({ connection });
    const err = await client
      .withDeadline(Date.now() + 200, () =>
        client.workflow.executeUpdateWithStart('update', { startWorkflowOperation: op }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateRPCTimeoutOrCancelledError);
  });

  it('turns an "Invalid schedule spec" rejection into a TypeError and NOT_FOUND into ScheduleNotFoundError', async () => {
    server.on('CreateSchedule', () => new StubError(grpc.status.INVALID_ARGUMENT, 'Invalid schedule spec: bad cron'));
    server.on('DescribeSchedule', () => new StubError(grpc.status.NOT_FOUND, 'schedule not found'));
    const client = new Client({ connection });
    const err = await client.schedule
      .create({
        scheduleId: 's',
        spec: { cronExpressions: ['nope'] },
        action: { type: 'startWorkflow', workflowType: 'wf', taskQueue: 'tq' },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toBe('bad cron');
    await expect(client.schedule.getHandle('s').describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });

  it('throws NotImplementedError for standalone Activity operator commands and legacy versioning', async () => {
    const client = new Client({ connection });
    const handle = client.activity.getHandle('a');
    await expect(handle.pause()).rejects.toThrow(NotImplementedError);
    await expect(handle.unpause()).rejects.toThrow(
      'not implemented: standalone Activity operator commands (pause, unpause, updateOptions, restoreOriginalOptions)',
    );
    await expect(handle.restoreOriginalOptions()).rejects.toThrow(NotImplementedError);
    await expect(client.taskQueue.getBuildIdCompatability('tq')).rejects.toThrow(NotImplementedError);
    expect(client.activity).toBeInstanceOf(ActivityClient);
    expect(server.calls).toHaveLength(0);
  });
});
