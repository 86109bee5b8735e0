import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SimplePlugin } from '@kairos/plugin';
import type { ReplayWorkerOptions, WorkerOptions } from '@kairos/worker';
import { type InterceptorOptions, OpenTelemetryWorkflowClientInterceptor } from './client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryNexusInboundInterceptor,
  OpenTelemetryNexusOutboundInterceptor,
} from './worker';

/** Options of {@link OpenTelemetryPlugin}. */
export interface OpenTelemetryPluginOptions extends InterceptorOptions {
  /** Resource of the workflow spans (the worker's own spans use their tracer provider's). */
  readonly resource: Resource;
  /** Receives the workflow spans (`onEnd`), e.g. a `BatchSpanProcessor` around an OTLP exporter. */
  readonly spanProcessor: SpanProcessor;
}

/**
 * Tracing for clients and workers in one plugin: the client interceptor, the activity and Nexus interceptors,
 * the workflow interceptor module, and the `exporter` sink that hands workflow spans to `spanProcessor`. Give it
 * to the connection (or to the client and the worker).
 *
 * @experimental Plugins are an experimental feature; their interface may change.
 */
export class OpenTelemetryPlugin extends SimplePlugin {
  constructor(readonly otelOptions: OpenTelemetryPluginOptions) {
    const interceptorOptions: InterceptorOptions = otelOptions.tracer ? { tracer: otelOptions.tracer } : {};
    super({
      name: 'OpenTelemetryPlugin',
      clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor(interceptorOptions)] },
      workerInterceptors: {
        client: { workflow: [new OpenTelemetryWorkflowClientInterceptor(interceptorOptions)] },
        workflowModules: [require.resolve('./workflow-interceptors')],
        activity: [
          (ctx) => ({
            inbound: new OpenTelemetryActivityInboundInterceptor(ctx, interceptorOptions),
            outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
          }),
        ],
        nexus: [
          (ctx) => ({
            inbound: new OpenTelemetryNexusInboundInterceptor(ctx, interceptorOptions),
            outbound: new OpenTelemetryNexusOutboundInterceptor(ctx),
          }),
        ],
      },
    });
  }

  override configureWorker(options: WorkerOptions): WorkerOptions {
    return super.configureWorker(this.withExporterSink(options));
  }

  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    return super.configureReplayWorker(this.withExporterSink(options));
  }

  private withExporterSink<T extends WorkerOptions | ReplayWorkerOptions>(options: T): T {
    const exporter = makeWorkflowExporter(this.otelOptions.spanProcessor, this.otelOptions.resource);
    return { ...options, sinks: { ...options.sinks, exporter } };
  }
}
