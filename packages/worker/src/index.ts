/**
 * The Kairos worker, source-compatible with `@temporalio/worker`: it polls a task queue through the Rust core,
 * runs workflows in isolated-vm isolates and runs activities.
 *
 * @module
 */
export { NativeConnection, type NativeConnectionPlugin } from './connection';
export type {
  DNSLoadBalancingConfig,
  GrpcCompressionConfig,
  NativeConnectionOptions,
  TLSConfig,
} from './connection-options';
export { IllegalStateError } from '@kairos/common';
export {
  CombinedWorkerRunError,
  type CombinedWorkerRunErrorCause,
  GracefulShutdownPeriodExpiredError,
  PromiseCompletionTimeoutError,
  UnhandledRejectionError,
  errors,
  ShutdownError,
  TransportError,
  UnexpectedError,
} from './errors';
export * from './interceptors';
export { DefaultLogger, type LogEntry, type LogLevel, type LogMetadata, LogTimestamp, type Logger } from './logger';
export { type History, Runtime } from './runtime';
export {
  type RuntimeOptions,
  makeTelemetryFilterString,
  type ConsoleLogger,
  type ForwardLogger,
  type LogExporterConfig,
  type MetricsExporterConfig,
  type OtelCollectorExporter,
  type PrometheusMetricsExporter,
  type TelemetryOptions,
  type MetricsExporterConfig as MetricsExporter,
} from './runtime-options';
export * from './sinks';
export { type DataConverter, defaultPayloadConverter, type State, Worker, type WorkerStatus } from './worker';
export {
  type CompiledWorkerOptions,
  type PatchActivationCallback,
  type PatchActivationInput,
  type ReplayWorkerOptions,
  type WorkerDeploymentOptions,
  type WorkerOptions,
  type WorkerPlugin,
  type WorkflowBundle,
  type WorkflowBundleOption,
  type WorkflowBundlePath,
  type WorkflowBundlePathWithSourceMap,
  appendDefaultInterceptors,
  defaultSinks,
} from './worker-options';
export { ReplayError, type ReplayHistoriesIterable, type ReplayResult, ReplayWorker } from './replay';
export {
  type BundleOptions,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
  type BundlerPlugin,
} from './workflow/bundler';
export { workflowLogAttributes } from '@kairos/workflow/lib/logs';
export { activityLogAttributes } from './activity';
export { startDebugReplayer } from './debug-replayer';
export { MetricsBuffer, type MetricsBufferOptions, type BufferedMetricUpdate } from './runtime-metrics';
export {
  type WorkerTuner,
  type TunerHolder,
  type SlotSupplier,
  ResourceBasedController,
  type ResourceBasedTuner,
  type ResourceBasedTunerWithController,
  type ResourceBasedTunerOptions,
  type ResourceBasedSlotOptions,
  type ResourceBasedSlotsForType,
  type FixedSizeSlotSupplier,
  type CustomSlotSupplier,
  type SlotInfo,
  type WorkflowSlotInfo,
  type ActivitySlotInfo,
  type LocalActivitySlotInfo,
  type SlotPermit,
  type SlotReserveContext,
  type SlotMarkUsedContext,
  type SlotReleaseContext,
} from './worker-tuner';
export {
  ActivityInboundLogInterceptor,
  WorkflowInboundLogInterceptor,
  WorkflowLogInterceptor,
} from './log-interceptors';
export type { LoggerSinks } from '@kairos/workflow';

/** @deprecated Workflow interceptor modules the worker adds by default (none). */
export { defaultWorkflowInterceptorModules } from './workflow/bundler';
