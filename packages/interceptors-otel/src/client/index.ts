import * as otel from '@opentelemetry/api';
import type {
  DescribeWorkflowExecutionResponse,
  Next,
  RequestCancelWorkflowExecutionResponse,
  TerminateWorkflowExecutionResponse,
  WorkflowCancelInput,
  WorkflowClientInterceptor,
  WorkflowDescribeInput,
  WorkflowQueryInput,
  WorkflowSignalInput,
  WorkflowSignalWithStartInput,
  WorkflowStartInput,
  WorkflowStartOutput,
  WorkflowStartUpdateInput,
  WorkflowStartUpdateOutput,
  WorkflowStartUpdateWithStartInput,
  WorkflowStartUpdateWithStartOutput,
  WorkflowTerminateInput,
} from '@kairos/client';
import {
  headersWithContext,
  instrument,
  RUN_ID_ATTR_KEY,
  TERMINATE_REASON_ATTR_KEY,
  UPDATE_ID_ATTR_KEY,
  WORKFLOW_ID_ATTR_KEY,
} from '../instrumentation';
import { SPAN_DELIMITER, SpanName } from '../workflow/definitions';

/** Options of the interceptors. */
export interface InterceptorOptions {
  /** The tracer to make spans with. Default: `@temporalio/interceptor-client` of the global tracer provider. */
  readonly tracer?: otel.Tracer;
}

/**
 * Traces the calls of the workflow client (start, signal, signal-with-start, query, updates, terminate, cancel,
 * describe) and sends the span's context to the workflow in the `_tracer-data` header.
 */
export class OpenTelemetryWorkflowClientInterceptor implements WorkflowClientInterceptor {
  protected readonly tracer: otel.Tracer;

  constructor(options?: InterceptorOptions) {
    this.tracer = options?.tracer ?? otel.trace.getTracer('@temporalio/interceptor-client');
  }

  start(input: WorkflowStartInput, next: Next<WorkflowClientInterceptor, 'start'>): Promise<string> {
    return instrument({
      tracer: this.tracer,
      spanName: `${SpanName.WORKFLOW_START}${SPAN_DELIMITER}${input.workflowType}`,
      fn: async (span) => {
        span.setAttribute(WORKFLOW_ID_ATTR_KEY, input.options.workflowId);
        const runId = await next({ ...input, headers: headersWithContext(input.headers) });
        span.setAttribute(RUN_ID_ATTR_KEY, runId);
        return runId;
      },
    });
  }

  startWithDetails(
    input: WorkflowStartInput,
    next: Next<WorkflowClientInterceptor, 'startWithDetails'>,
  ): Promise<WorkflowStartOutput> {
    return instrument({
      tracer: this.tracer,
      spanName: `${SpanName.WORKFLOW_START}${SPAN_DELIMITER}${input.workflowType}`,
      fn: async (span) => {
        span.setAttribute(WORKFLOW_ID_ATTR_KEY, input.options.workflowId);
        const output = await next({ ...input, headers: headersWithContext(input.headers) });
        span.setAttribute(RUN_ID_ATTR_KEY, output.runId);
        return output;
      },
    });
  }

  signal(input: WorkflowSignalInput, next: Next<WorkflowClientInterceptor, 'signal'>): Promise<void> {
    return instrument({
      tracer: this.tracer,
      spanName: `${SpanName.WORKFLOW_SIGNAL}${SPAN_DELIMITER}${input.signalName}`,
      fn: async (span) => {
        span.setAttribute(WORKFLOW_ID_ATTR_KEY, input.workflowExecution.workflowId);
        await next({ ...input, headers: headersWithContext(input.headers) });
      },
    });
  }

  signalWithStart(
    input: WorkflowSignalWithStartInput,
    next: Next<WorkflowClientInterceptor, 'signalWithStart'>,
  ): Promise<string> {
    return instrument({
      tracer: this.tracer,
      spanName: `${SpanName.WORKFLOW_SIGNAL_WITH_START}${SPAN_DELIMITER}${input.workflowType}`,
      fn: async (span) => {
        span.setAttribute(WORKFLOW_ID_ATTR_KEY, input.options.workflowId);
        const runId = await next({ ...input, headers: headersWithContext(input.headers) });
        span.setAttribute(RUN_ID_ATTR_KEY, runId);
        return runId;
      },
    });
  }

  startUpdate(
    input: WorkflowStartUpdateInput,
    next: Next<WorkflowClientInterceptor, 'startUpdate'>,
  ): Promise<WorkflowStartUpdateOutput> {
    return instrument({
      tracer: this.tracer,
      spanName: `${SpanName.WORKFLOW_START_UPDATE}${SPAN_DELIMITER}${input.updateName}`,
      fn: async (span) => {
        span.setAttribute(WORKFLOW_ID_ATTR_KEY, input.workflowExecution.workflowId);
        if (input.options.updateId) span.setAttribute(UPDATE_ID_ATTR_KEY, input.options.updateId);
        const output = await next({ ...input, headers: headersWithContext(input.headers) });
        if (output.workflowRunId) span.setAttribute(RUN_ID_ATTR_KEY, output.workflowRunId);
        return output;
      },
    });
  }

  startUpdateWithStart(
    input: WorkflowStartUpdateWithStartInput,
    next: Next<WorkflowClientInterceptor, 'startUpdateWithStart'>,
  ): Promise<WorkflowStartUpdateWithStartOutput> {
    return instrument({
      tracer: this.tracer,
      spanName: `${SpanName.WORKFLOW_UPDATE_WITH_START}${SPAN_DELIMITER}${input.updateName}`,
      fn: async (span) => {
        span.setAttribute(WORKFLOW_ID_ATTR_KEY, input.workflowStartOptions.workflowId);
        if (input.updateOptions.updateId) span.setAttribute(UPDATE_ID_ATTR_KEY, input.updateOptions.updateId);
        const output = await next({
          ...input,
          workflowStartHeaders: headersWithContext(input.workflowStartHeaders),
          updateHeaders: headersWithContext(input.updateHeaders),
        });
        if (output.workflowExecution.runId) span.setAttribute(RUN_ID_ATTR_KEY, output.workflowExecution.runId);
        return output;
      },
    });
  }

  query(input: WorkflowQueryInput, next: Next<WorkflowClientInterceptor, 'query'>): Promise<unknown> {
    return instrument({
      tracer: this.tracer,
      spanName: `${SpanName.WORKFLOW_QUERY}${SPAN_DELIMITER}${input.queryType}`,
      fn: async (span) => {
        span.setAttribute(WORKFLOW_ID_ATTR_KEY, input.workflowExecution.workflowId);
        if (input.workflowExecution.runId) span.setAttribute(RUN_ID_ATTR_KEY, input.workflowExecution.runId);
        return await next({ ...input, headers: headersWithContext(input.headers) });
      },
    });
  }

  terminate(
    input: WorkflowTerminateInput,
    next: Next<WorkflowClientInterceptor, 'terminate'>,
  ): Promise<TerminateWorkflowExecutionResponse> {
    return instrument({
      tracer: this.tracer,
      spanName: SpanName.WORKFLOW_TERMINATE,
      fn: async (span) => {
        span.setAttribute(WORKFLOW_ID_ATTR_KEY, input.workflowExecution.workflowId);
        if (input.workflowExecution.runId) span.setAttribute(RUN_ID_ATTR_KEY, input.workflowExecution.runId);
        if (input.reason) span.setAttribute(TERMINATE_REASON_ATTR_KEY, input.reason);
        return await next(input);
      },
    });
  }

  cancel(
    input: WorkflowCancelInput,
    next: Next<WorkflowClientInterceptor, 'cancel'>,
  ): Promise<RequestCancelWorkflowExecutionResponse> {
    return instrument({
      tracer: this.tracer,
      spanName: SpanName.WORKFLOW_CANCEL,
      fn: async (span) => {
        span.setAttribute(WORKFLOW_ID_ATTR_KEY, input.workflowExecution.workflowId);
        if (input.workflowExecution.runId) span.setAttribute(RUN_ID_ATTR_KEY, input.workflowExecution.runId);
        return await next(input);
      },
    });
  }

  describe(
    input: WorkflowDescribeInput,
    next: Next<WorkflowClientInterceptor, 'describe'>,
  ): Promise<DescribeWorkflowExecutionResponse> {
    return instrument({
      tracer: this.tracer,
      spanName: SpanName.WORKFLOW_DESCRIBE,
      fn: async (span) => {
        span.setAttribute(WORKFLOW_ID_ATTR_KEY, input.workflowExecution.workflowId);
        if (input.workflowExecution.runId) span.setAttribute(RUN_ID_ATTR_KEY, input.workflowExecution.runId);
        return await next(input);
      },
    });
  }
}
