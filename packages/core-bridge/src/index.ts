/**
 * `@kairos/core-bridge`: the Kairos worker core (Rust) loaded as a Node addon. Activations,
 * completions and tasks cross the boundary as `kairos.core.*` protobuf bytes; every call that
 * waits returns a Promise. Errors from the core are instances of the classes below.
 */
import * as path from 'node:path';

/** Log and metric settings for `initTelemetry`. */
export interface TelemetryOptions {
  /** Most verbose level forwarded: `'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'`. Default `'INFO'`. */
  logLevel?: string;
  /** Prefix of every metric name. Default `'temporal_'`. */
  metricPrefix?: string;
}

/** One log record produced by the core. */
export interface LogEntry {
  level: string;
  target: string;
  message: string;
  fields: Record<string, string>;
  timestampMs: number;
}

/** One metric series (counter, gauge or histogram) with the official SDK's metric names. */
export interface MetricPoint {
  name: string;
  kind: 'counter' | 'gauge' | 'histogram';
  labels: Record<string, string>;
  /** Counter total, gauge value or histogram sum. */
  value: number;
  /** Histogram observation count (0 otherwise). */
  count: number;
  bucketBounds: number[];
  bucketCounts: number[];
}

/** TLS settings of a connection; with no CA certificate the Mozilla roots are trusted. */
export interface TlsOptions {
  serverRootCaCert?: Buffer;
  serverNameOverride?: string;
  clientCert?: Buffer;
  clientPrivateKey?: Buffer;
}

/** Retry settings for calls to the server (defaults: 100 ms, ×1.7, max 5 s, 10 s total, 10 retries). */
export interface RetryOptions {
  initialIntervalMs?: number;
  multiplier?: number;
  maxIntervalMs?: number;
  maxElapsedMs?: number;
  maxRetries?: number;
}

/** Options of `NativeConnection.connect`. TLS is implied by `apiKey`. */
export interface ConnectionOptions {
  /** `host:port` or an `http(s)://` URL. */
  address: string;
  tls?: TlsOptions;
  apiKey?: string;
  metadata?: Record<string, string>;
  clientName?: string;
  clientVersion?: string;
  /** How long to keep retrying the initial connection. Default 10 s. */
  connectTimeoutMs?: number;
  retry?: RetryOptions;
}

/** Worker options; unset numbers take the official SDK's defaults. */
export interface WorkerOptions {
  namespace: string;
  taskQueue: string;
  identity: string;
  buildId?: string;
  /** Worker deployment versioning: the deployment whose version `buildId` is. Unset: no deployment. */
  deploymentName?: string;
  /** Whether the server routes tasks to this worker by its deployment version. Default false. */
  useWorkerVersioning?: boolean;
  /** `temporal.api.enums.v1.VersioningBehavior` number declared for workflows that declare none. */
  defaultVersioningBehavior?: number;
  sdkName?: string;
  sdkVersion?: string;
  /** Default true. */
  enableWorkflows?: boolean;
  /** Default true. */
  enableActivities?: boolean;
  /** Default false. */
  enableNexus?: boolean;
  /** Default 40 (at least 2 when the cache is on). */
  maxConcurrentWorkflowTaskExecutions?: number;
  /** Default 100. */
  maxConcurrentActivityTaskExecutions?: number;
  /** Activity slots a workflow task completion may reserve for eager activity tasks. Default 3; 0 turns it off. */
  maxEagerActivityReservationsPerWorkflowTask?: number;
  /** Default 100. */
  maxConcurrentLocalActivityExecutions?: number;
  /** Default 100. */
  maxConcurrentNexusTaskExecutions?: number;
  /** Default 100; 0 disables the sticky cache. */
  maxCachedWorkflows?: number;
  /** Default 10 s. */
  stickyQueueScheduleToStartTimeoutMs?: number;
  /** Default 5. */
  maxConcurrentWorkflowTaskPolls?: number;
  /** Default 5. */
  maxConcurrentActivityTaskPolls?: number;
  /** Default 5. */
  maxConcurrentNexusTaskPolls?: number;
  /** Default 0.2. */
  nonstickyToStickyPollRatio?: number;
  /** Default 60 s. */
  maxHeartbeatThrottleIntervalMs?: number;
  /** Default 30 s. */
  defaultHeartbeatThrottleIntervalMs?: number;
  /** How long activities may run after shutdown starts before they are cancelled. Default: no limit. */
  gracefulShutdownPeriodMs?: number;
  /** Fail the workflow, not only the task, on non-determinism. Default false. */
  nondeterminismFailsWorkflow?: boolean;
  /** Events per GetWorkflowExecutionHistory page the core asks for. Default 0: the server's page size. */
  historyPageSize?: number;
}

interface NativeConnectionHandle {
  updateMetadata(metadata: Record<string, string>): void;
  updateApiKey(apiKey?: string): void;
  close(): void;
}

interface NativeWorkerHandle {
  pollWorkflowActivation(): Promise<Buffer>;
  completeWorkflowActivation(completion: Buffer): Promise<void>;
  pollActivityTask(): Promise<Buffer>;
  completeActivityTask(completion: Buffer): Promise<void>;
  recordActivityHeartbeat(heartbeat: Buffer): void;
  requestWorkflowEviction(runId: string): boolean;
  pollNexusTask(): Promise<Buffer>;
  completeNexusTask(completion: Buffer): Promise<void>;
  initiateShutdown(): void;
  finalizeShutdown(): Promise<void>;
  pushHistory(workflowId: string, history: Buffer): Promise<void>;
  closeHistoryStream(): void;
  readonly cachedWorkflows: number;
  readonly outstandingActivities: number;
}

/** The raw functions of `index.node`. */
export interface NativeBinding {
  initTelemetry(options: TelemetryOptions): boolean;
  drainLogs(): LogEntry[];
  metricsSnapshot(): MetricPoint[];
  connect(options: ConnectionOptions): Promise<NativeConnectionHandle>;
  newWorker(connection: NativeConnectionHandle, options: WorkerOptions): NativeWorkerHandle;
  newReplayWorker(options: WorkerOptions): NativeWorkerHandle;
  panicInCoreForTest(message: string): Promise<void>;
  panicInCoreSyncForTest(message: string): void;
}

/** Base class of every error raised by the core. */
export class CoreBridgeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
/** A poll was made after the worker finished shutting down: stop polling. */
export class ShutdownError extends CoreBridgeError {}
/** A call to the server failed (after retries) or the connection could not be made. */
export class TransportError extends CoreBridgeError {}
/** The call is not allowed now (unknown run id or task token, no outstanding activation, closed handle). */
export class IllegalStateError extends CoreBridgeError {}
/** An argument was invalid (bad options, undecodable bytes, malformed completion). */
export class InvalidArgumentError extends CoreBridgeError {}
/** The core does not implement this feature yet; the message names it. */
export class NotImplementedError extends CoreBridgeError {}
/** Something unexpected happened in the core (for example a panic); the message has the context. */
export class UnexpectedError extends CoreBridgeError {}

const errorClasses: Record<string, new (message: string, options?: { cause?: unknown }) => CoreBridgeError> = {
  ShutdownError,
  TransportError,
  IllegalStateError,
  InvalidArgumentError,
  NotImplementedError,
  UnexpectedError,
};

/** Turns an error from the addon into one of the classes above (other errors are returned as is). */
export function convertError(err: unknown): unknown {
  // Errors thrown by the addon may come from another realm (e.g. jest's), so no `instanceof Error`.
  if (err instanceof CoreBridgeError || typeof err !== 'object' || err === null) return err;
  const message = (err as { message?: unknown }).message;
  if (typeof message !== 'string') return err;
  const match = /^(\w+Error): ([\s\S]*)$/.exec(message);
  const cls = match ? errorClasses[match[1]] : undefined;
  if (!cls || !match) return err;
  return new cls(match[2], { cause: err });
}

async function wrapAsync<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw convertError(err);
  }
}

function wrapSync<T>(call: () => T): T {
  try {
    return call();
  } catch (err) {
    throw convertError(err);
  }
}

let binding: NativeBinding | undefined;

/** Loads `index.node` (built by `pnpm build`), or the file named by `KAIROS_CORE_BRIDGE_NODE`. */
export function native(): NativeBinding {
  if (!binding) {
    const file = process.env.KAIROS_CORE_BRIDGE_NODE ?? path.join(__dirname, '..', 'index.node');
    binding = require(file) as NativeBinding;
  }
  return binding;
}

/** Configures log forwarding and metrics; returns false when they were already set up. */
export function initTelemetry(options: TelemetryOptions = {}): boolean {
  return wrapSync(() => native().initTelemetry(options));
}

/** Takes the core's buffered log records, oldest first. */
export function drainLogs(): LogEntry[] {
  return native().drainLogs();
}

/** Current values of every core metric. */
export function metricsSnapshot(): MetricPoint[] {
  return native().metricsSnapshot();
}

/** A connection to a Temporal server, shared by workers. */
export class NativeConnection {
  private constructor(readonly handle: NativeConnectionHandle) {}

  /** Connects, retrying with backoff until `connectTimeoutMs`. */
  static async connect(options: ConnectionOptions): Promise<NativeConnection> {
    const handle = await wrapAsync(() => native().connect(options));
    return new NativeConnection(handle);
  }

  /** Replaces the custom metadata headers sent with every call. */
  updateMetadata(metadata: Record<string, string>): void {
    wrapSync(() => this.handle.updateMetadata(metadata));
  }

  /** Replaces (or with `undefined` removes) the API key. */
  updateApiKey(apiKey: string | undefined): void {
    wrapSync(() => this.handle.updateApiKey(apiKey));
  }

  /** Releases this handle; workers already created keep working. */
  close(): void {
    this.handle.close();
  }
}

/** A worker of the core. Poll results and completions are protobuf bytes. */
export class Worker {
  private constructor(readonly handle: NativeWorkerHandle) {}

  /** Creates a worker polling through `connection`. */
  static create(connection: NativeConnection, options: WorkerOptions): Worker {
    return new Worker(wrapSync(() => native().newWorker(connection.handle, options)));
  }

  /** Creates a replay worker; feed it with `pushHistory` and end with `closeHistoryStream`. */
  static createReplay(options: WorkerOptions): Worker {
    return new Worker(wrapSync(() => native().newReplayWorker(options)));
  }

  /** Next `kairos.core.activation.WorkflowActivation`; rejects with ShutdownError when done. */
  pollWorkflowActivation(): Promise<Buffer> {
    return wrapAsync(() => this.handle.pollWorkflowActivation());
  }

  /** Completes the outstanding activation of a run (`WorkflowActivationCompletion` bytes). */
  completeWorkflowActivation(completion: Uint8Array): Promise<void> {
    return wrapAsync(() => this.handle.completeWorkflowActivation(Buffer.from(completion)));
  }

  /** Next `kairos.core.activity.ActivityTask`; rejects with ShutdownError when done. */
  pollActivityTask(): Promise<Buffer> {
    return wrapAsync(() => this.handle.pollActivityTask());
  }

  /** Reports an activity result (`ActivityTaskCompletion` bytes). */
  completeActivityTask(completion: Uint8Array): Promise<void> {
    return wrapAsync(() => this.handle.completeActivityTask(Buffer.from(completion)));
  }

  /** Records an `ActivityHeartbeat`; throttled by the core, never waits. */
  recordActivityHeartbeat(heartbeat: Uint8Array): void {
    wrapSync(() => this.handle.recordActivityHeartbeat(Buffer.from(heartbeat)));
  }

  /** Asks for a run's eviction (delivered as a RemoveFromCache activation); false if not cached. */
  requestWorkflowEviction(runId: string): boolean {
    return wrapSync(() => this.handle.requestWorkflowEviction(runId));
  }

  /** Next `kairos.core.nexus.NexusTask`; rejects with ShutdownError when done. */
  pollNexusTask(): Promise<Buffer> {
    return wrapAsync(() => this.handle.pollNexusTask());
  }

  /** Reports a Nexus result (`NexusTaskCompletion` bytes). */
  completeNexusTask(completion: Uint8Array): Promise<void> {
    return wrapAsync(() => this.handle.completeNexusTask(Buffer.from(completion)));
  }

  /** Stops polling; keep polling until each poll rejects with ShutdownError. */
  initiateShutdown(): void {
    wrapSync(() => this.handle.initiateShutdown());
  }

  /** Finishes shutdown (call after every poll has rejected with ShutdownError). */
  finalizeShutdown(): Promise<void> {
    return wrapAsync(() => this.handle.finalizeShutdown());
  }

  /** Replay workers: queues a `temporal.api.history.v1.History` (bytes) to replay. */
  pushHistory(workflowId: string, history: Uint8Array): Promise<void> {
    return wrapAsync(() => this.handle.pushHistory(workflowId, Buffer.from(history)));
  }

  /** Replay workers: no more histories; polls reject with ShutdownError once all are replayed. */
  closeHistoryStream(): void {
    wrapSync(() => this.handle.closeHistoryStream());
  }

  /** Runs currently in the workflow cache. */
  get cachedWorkflows(): number {
    return this.handle.cachedWorkflows;
  }

  /** Activities currently running. */
  get outstandingActivities(): number {
    return this.handle.outstandingActivities;
  }
}
