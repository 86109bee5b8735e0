/**
 * The service calls at the end of the Workflow client's interceptor chains: start, signal, signal-with-start,
 * query, describe, cancel and terminate.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { status as grpcStatus } from '@grpc/grpc-js';
import { WorkflowExecutionAlreadyStartedError } from '@kairos/common';
import { decodeFromPayloadsAtIndex } from '@kairos/common/lib/internal-non-workflow/codec-helpers';
import type { temporal } from '@kairos/proto';
import { isGrpcServiceError } from './errors';
import { rethrowKnownErrorTypes } from './helpers';
import type {
  WorkflowCancelInput,
  WorkflowDescribeInput,
  WorkflowQueryInput,
  WorkflowSignalInput,
  WorkflowSignalWithStartInput,
  WorkflowStartInput,
  WorkflowStartOutput,
  WorkflowTerminateInput,
} from './interceptors';
import type { InternalWorkflowQueryInput, InternalWorkflowSignalInput } from './internal';
import { InternalWorkflowQueryOptionsSymbol, InternalWorkflowSignalOptionsSymbol } from './internal';
import type {
  DescribeWorkflowExecutionResponse,
  RequestCancelWorkflowExecutionResponse,
  TerminateWorkflowExecutionResponse,
} from './types';
import type { WorkflowClientContext } from './workflow-client-context';
import { callOrRethrow } from './workflow-client-context';
import { QueryRejectedError, queryFailureReportedByWorker } from './workflow-errors';
import { encodePayloads, internalStartOptionsOf, linkOf, startRequestBase } from './workflow-requests';

/** Sends a Query; the end of the query interceptor chain. */
export async function queryWorkflow(ctx: WorkflowClientContext, input: WorkflowQueryInput): Promise<unknown> {
  const { workflowExecution, typeInfo } = input;
  const context = ctx.serializationContext(workflowExecution.workflowId);
  const queryArgs = await encodePayloads(ctx.dataConverter, context, input.args, typeInfo?.inputTypes);
  const response = await ctx.client.workflowService
    .queryWorkflow({
      namespace: ctx.client.options.namespace,
      execution: workflowExecution,
      queryRejectCondition: input.queryRejectCondition,
      query: { queryType: input.queryType, queryArgs, header: { fields: input.headers } },
    })
    .catch((err: unknown) => {
      if (isGrpcServiceError(err)) {
        rethrowKnownErrorTypes(err);
        const workerFailure = queryFailureReportedByWorker(err);
        if (workerFailure) throw workerFailure;
      }
      return ctx.rethrowGrpcError(err, 'Failed to query Workflow', workflowExecution);
    });
  const internal = (input as InternalWorkflowQueryInput)[InternalWorkflowQueryOptionsSymbol];
  if (internal !== undefined) internal.responseLink = linkOf(response);
  const rejection = response.queryRejected;
  if (rejection) {
    if (rejection.status == null) throw new TypeError('The server rejected the Query without giving a status');
    throw new QueryRejectedError(rejection.status);
  }
  if (!response.queryResult) throw new TypeError('Invalid response from server');
  return await decodeFromPayloadsAtIndex(
    ctx.dataConverter,
    0,
    response.queryResult.payloads,
    context,
    typeInfo?.outputType,
  );
}

/** Sends a Signal; the end of the signal interceptor chain. */
export async function signalWorkflow(ctx: WorkflowClientContext, input: WorkflowSignalInput): Promise<void> {
  const context = ctx.serializationContext(input.workflowExecution.workflowId);
  const extras = (input as InternalWorkflowSignalInput)[InternalWorkflowSignalOptionsSymbol];
  const request: temporal.api.workflowservice.v1.ISignalWorkflowExecutionRequest = {
    namespace: ctx.client.options.namespace,
    identity: ctx.client.options.identity,
    requestId: randomUUID(),
    workflowExecution: input.workflowExecution,
    signalName: input.signalName,
    input: await encodePayloads(ctx.dataConverter, context, input.args, input.typeInfo?.inputTypes),
    header: { fields: input.headers },
  };
  if (extras?.links) request.links = extras.links;
  const response = await callOrRethrow(ctx, 'Failed to signal Workflow', input.workflowExecution, () =>
    ctx.client.workflowService.signalWorkflowExecution(request),
  );
  if (extras !== undefined) extras.responseLink = linkOf(response);
}

/** Sends signal-with-start; the end of the signalWithStart interceptor chain. Returns the run id. */
export async function signalWithStartWorkflow(
  ctx: WorkflowClientContext,
  input: WorkflowSignalWithStartInput,
): Promise<string> {
  const { options, workflowType } = input;
  const context = ctx.serializationContext(options.workflowId);
  const extras = internalStartOptionsOf(options);
  const request: temporal.api.workflowservice.v1.ISignalWithStartWorkflowExecutionRequest = {
    ...(await startRequestBase(ctx, options, input.headers, context)),
    workflowType: { name: workflowType },
    signalName: input.signalName,
    signalInput: await encodePayloads(ctx.dataConverter, context, input.signalArgs, input.signalTypeInfo?.inputTypes),
  };
  if (extras?.links) request.links = extras.links;
  const response = await ctx.client.workflowService
    .signalWithStartWorkflowExecution(request)
    .catch((err: unknown) => rethrowStartError(ctx, err, options.workflowId, workflowType, 'signalWithStart'));
  if (extras !== undefined) {
    extras.responseLink = (response as { signalLink?: temporal.api.common.v1.ILink }).signalLink ?? undefined;
  }
  return response.runId;
}

/** Sends `StartWorkflowExecution`; the end of the start interceptor chain. */
export async function startWorkflow(
  ctx: WorkflowClientContext,
  input: WorkflowStartInput,
): Promise<WorkflowStartOutput> {
  const request = await ctx.createStartWorkflowRequest(input);
  const { options, workflowType } = input;
  const response = await ctx.client.workflowService
    .startWorkflowExecution(request)
    .catch((err: unknown) => rethrowStartError(ctx, err, options.workflowId, workflowType, 'start'));
  const extras = internalStartOptionsOf(options);
  if (extras !== undefined) extras.responseLink = linkOf(response);
  return { runId: response.runId, eagerlyStarted: response.eagerWorkflowTask != null };
}

/** A start that found the Workflow running becomes {@link WorkflowExecutionAlreadyStartedError}. */
function rethrowStartError(
  ctx: WorkflowClientContext,
  err: unknown,
  workflowId: string,
  workflowType: string,
  verb: string,
): never {
  if (isGrpcServiceError(err) && err.code === grpcStatus.ALREADY_EXISTS) {
    throw new WorkflowExecutionAlreadyStartedError('Workflow execution already started', workflowId, workflowType);
  }
  ctx.rethrowGrpcError(err, `Failed to ${verb} Workflow`, { workflowId });
}

/** Sends `TerminateWorkflowExecution`; the end of the terminate interceptor chain. */
export async function terminateWorkflow(
  ctx: WorkflowClientContext,
  input: WorkflowTerminateInput,
): Promise<TerminateWorkflowExecutionResponse> {
  const context = ctx.serializationContext(input.workflowExecution.workflowId);
  const details = input.details ? await encodePayloads(ctx.dataConverter, context, input.details) : undefined;
  return await callOrRethrow(ctx, 'Failed to terminate Workflow', input.workflowExecution, () =>
    ctx.client.workflowService.terminateWorkflowExecution({
      namespace: ctx.client.options.namespace,
      identity: ctx.client.options.identity,
      workflowExecution: input.workflowExecution,
      firstExecutionRunId: input.firstExecutionRunId,
      reason: input.reason,
      details,
    }),
  );
}

/** Sends `RequestCancelWorkflowExecution`; the end of the cancel interceptor chain. */
export async function cancelWorkflow(
  ctx: WorkflowClientContext,
  input: WorkflowCancelInput,
): Promise<RequestCancelWorkflowExecutionResponse> {
  return await callOrRethrow(ctx, 'Failed to cancel workflow', input.workflowExecution, () =>
    ctx.client.workflowService.requestCancelWorkflowExecution({
      namespace: ctx.client.options.namespace,
      identity: ctx.client.options.identity,
      requestId: randomUUID(),
      workflowExecution: input.workflowExecution,
      firstExecutionRunId: input.firstExecutionRunId,
    }),
  );
}

/** Sends `DescribeWorkflowExecution`; the end of the describe interceptor chain. */
export async function describeWorkflow(
  ctx: WorkflowClientContext,
  input: WorkflowDescribeInput,
): Promise<DescribeWorkflowExecutionResponse> {
  return await callOrRethrow(ctx, 'Failed to describe workflow', input.workflowExecution, () =>
    ctx.client.workflowService.describeWorkflowExecution({
      namespace: ctx.client.options.namespace,
      execution: input.workflowExecution,
    }),
  );
}
