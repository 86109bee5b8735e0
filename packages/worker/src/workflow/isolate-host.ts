/**
 * Runs workflow code in isolated-vm isolates. An isolate evaluates the runtime script and the user's bundle
 * once per context; the runtime keeps each run's state apart. Two layouts:
 *
 * - shared context (the default, `reuseV8Context: true`): one context per isolate serves many runs; the user's
 *   modules are instantiated per run and each run's global variables are swapped in and out;
 * - context per run (`reuseV8Context: false`): every run gets a fresh context.
 *
 * Calls into an isolate are synchronous and bounded by a deadlock timeout; an isolate that exceeds its memory
 * limit is disposed by V8, and every run it held is reported lost so the worker can evict them.
 *
 * @module
 */
import v8 from 'node:v8';
import ivm from 'isolated-vm';
import type { ConcludeResult, IsolateActivation, RuntimeOptions } from '@kairos/workflow/lib/worker-interface';
import type { SinkCall } from '@kairos/workflow';
import { loadRuntimeScript } from './runtime-script';

/** The user bundle as the isolate evaluates it. */
export interface LoadedBundle {
  code: string;
  /** The source map as JSON text, when there is one. */
  sourceMap?: string;
  filename: string;
}

/** Options of an {@link IsolatePool}. */
export interface IsolatePoolOptions {
  bundle: LoadedBundle;
  runtimeOptions: Omit<RuntimeOptions, 'sourceMaps'>;
  /** Heap limit of each isolate, in MiB. */
  memoryLimitMb: number;
  /** How long one call into the isolate may run before it counts as a deadlock, in ms. */
  deadlockTimeoutMs: number;
  /** One context shared by the runs of an isolate (true) or a context per run (false). */
  reuseContext: boolean;
  /** Number of isolates; runs are spread over them. */
  isolateCount: number;
  /**
   * Run workflow code on the isolates' own threads (isolated-vm's asynchronous calls) instead of the worker's
   * JavaScript thread. It frees that thread for polling, activities and clients (more throughput), at the price
   * of a thread hop per call (more latency). Default false.
   */
  offThread?: boolean;
}

/** The outcome of one activation, as the host sees it. */
export interface ActivationOutcome {
  completion: Extract<ConcludeResult, { completion: unknown }>['completion'];
  sinkCalls: SinkCall[];
}

/** The workflow exceeded its isolate's memory limit; the isolate was lost with every run in it. */
export class IsolateMemoryLimitError extends Error {
  constructor(
    public readonly limitMb: number,
    public readonly lostRunIds: string[],
  ) {
    super(`Workflow isolate memory limit of ${limitMb} MB exceeded; the isolate was disposed and is rebuilt`);
    this.name = 'IsolateMemoryLimitError';
  }
}

/**
 * A promise rejection that no workflow code handled by the end of the activation (isolated-vm reports it by
 * throwing it from the call into the isolate).
 */
export class UnhandledRejectionError extends Error {
  constructor(cause: unknown) {
    const text = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`Unhandled Promise rejection: ${text.replace(/^Error: Error: /, 'Error: ')}`, { cause });
    this.name = 'UnhandledRejectionError';
    if (cause instanceof Error && cause.stack)
      this.stack = `${this.name}: ${this.message}\n${cause.stack.split('\n').slice(1).join('\n')}`;
  }
}

/** A call into the isolate ran longer than the deadlock timeout. */
export class DeadlockError extends Error {
  constructor(timeoutMs: number) {
    super(
      `Potential deadlock detected: workflow didn't yield within ${timeoutMs} ms ` +
        '(a workflow must not block the thread: no busy loops or long synchronous work)',
    );
    this.name = 'DeadlockError';
  }
}

interface ApiRefs {
  activate: ivm.Reference<(activation: IsolateActivation) => void>;
  conclude: ivm.Reference<(runId: string) => ConcludeResult>;
  dispose: ivm.Reference<(runId: string) => void>;
}

/** One V8 context with the runtime and the user bundle loaded. */
class LoadedContext {
  readonly runIds = new Set<string>();
  private constructor(
    readonly context: ivm.Context,
    readonly api: ApiRefs,
  ) {}

  static create(host: WorkflowIsolate, sealGlobals: boolean): LoadedContext {
    const { isolate, runtimeScript, bundleScript, options } = host;
    const context = isolate.createContextSync();
    const jail = context.global;
    const url = urlHost();
    jail.setSync('__kairos_url_parse', url.parse);
    jail.setSync('__kairos_url_set', url.set);
    runtimeScript.runSync(context, { timeout: options.deadlockTimeoutMs });
    const api = (name: string) => context.evalSync(`globalThis.__KAIROS__.api.${name}`, { reference: true });
    const runtime = loadRuntimeScript();
    const sourceMaps = [{ filename: runtime.filename, map: runtime.sourceMap, internal: true }];
    if (options.bundle.sourceMap) {
      sourceMaps.push({ filename: options.bundle.filename, map: options.bundle.sourceMap, internal: false });
    }
    const callOnce = (name: string, args: unknown[]) => {
      const ref = api(name);
      try {
        ref.applySync(undefined, args, { arguments: { copy: true }, timeout: options.deadlockTimeoutMs });
      } finally {
        ref.release();
      }
    };
    callOnce('initRuntime', [{ ...options.runtimeOptions, sourceMaps }]);
    bundleScript.runSync(context, { timeout: options.deadlockTimeoutMs });
    if (sealGlobals) callOnce('sealGlobals', []);
    return new LoadedContext(context, {
      activate: api('activate'),
      conclude: api('conclude'),
      dispose: api('dispose'),
    });
  }

  release(): void {
    try {
      // The references hold the context's functions: release them too, or the context's heap stays alive.
      for (const ref of Object.values(this.api)) ref.release();
      this.context.release();
    } catch {
      // The isolate may already be gone.
    }
  }
}

/** The URL parser the isolate's `URL` calls synchronously. */
function urlHost(): { parse: ivm.Callback; set: ivm.Callback } {
  const parts = (u: URL) => ({
    href: u.href,
    protocol: u.protocol,
    username: u.username,
    password: u.password,
    host: u.host,
    hostname: u.hostname,
    port: u.port,
    pathname: u.pathname,
    search: u.search,
    hash: u.hash,
    origin: u.origin,
  });
  const host = {
    parse: new ivm.Callback((input: string, base: string | undefined) => {
      try {
        return parts(new URL(input, base));
      } catch {
        throw new TypeError(`Invalid URL: ${input}`);
      }
    }),
    set: new ivm.Callback((href: string, part: string, value: string) => {
      const u = new URL(href);
      (u as unknown as Record<string, string>)[part] = value;
      return parts(u);
    }),
  };
  return host;
}

/**
 * The largest semi-space of a workflow isolate's young generation, in MB: what Node gives its own heaps on 64-bit
 * (and so the official SDK's workflow threads). isolated-vm sizes the young generation from the memory limit
 * alone: 4 MB in all (a semi-space of about 1.3 MB) at the default 256 MB limit. Workflow runs allocate briskly and
 * keep state across activations: with so small a semi-space, the hello-world benchmark's isolate ran 3 to 5 times
 * as many scavenges and spent about twice as long in them. A semi-space only grows to this size while much of it
 * survives.
 */
export const WORKFLOW_SEMI_SPACE_MB = 16;

/** The `--max-semi-space-size` the process was started with, if any (arguments win over `NODE_OPTIONS`, as in Node). */
export function processSemiSpaceFlag(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
): number | undefined {
  const args = [...nodeOptions.split(/\s+/).filter((a) => a !== ''), ...execArgv];
  let value: string | undefined;
  args.forEach((arg, i) => {
    const match = /^--max[-_]semi[-_]space[-_]size(?:=(.*))?$/.exec(arg);
    if (match) value = match[1] ?? args[i + 1];
  });
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * A new isolate with a young generation of {@link WORKFLOW_SEMI_SPACE_MB} (unless the process was started with
 * its own `--max-semi-space-size`, which then applies as to every heap). V8 reads the flag when it sizes a new heap
 * and isolated-vm has no option for it, so it is set around the constructor only and cleared right after: heaps
 * made later (worker threads) get V8's default as before.
 */
export function newWorkflowIsolate(options: ivm.IsolateOptions): ivm.Isolate {
  if (processSemiSpaceFlag() !== undefined) return new ivm.Isolate(options);
  v8.setFlagsFromString(`--max-semi-space-size=${WORKFLOW_SEMI_SPACE_MB}`);
  try {
    return new ivm.Isolate(options);
  } finally {
    v8.setFlagsFromString('--max-semi-space-size=0');
  }
}

/** One isolate with its compiled scripts and contexts. */
class WorkflowIsolate {
  readonly isolate: ivm.Isolate;
  readonly runtimeScript: ivm.Script;
  readonly bundleScript: ivm.Script;
  private shared?: LoadedContext;
  readonly contexts = new Map<string, LoadedContext>();
  /** Calls made off-thread run one at a time, in order: each activation's calls must not interleave. */
  private queue: Promise<unknown> = Promise.resolve();

  enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  constructor(readonly options: IsolatePoolOptions) {
    // KAIROS_ISOLATE_INSPECTOR=1 allows attaching a V8 inspector session (profiling the workflow runtime).
    this.isolate = newWorkflowIsolate({
      memoryLimit: options.memoryLimitMb,
      inspector: process.env.KAIROS_ISOLATE_INSPECTOR === '1',
    });
    const runtime = loadRuntimeScript();
    this.runtimeScript = this.isolate.compileScriptSync(runtime.code, { filename: runtime.filename });
    this.bundleScript = this.isolate.compileScriptSync(options.bundle.code, { filename: options.bundle.filename });
  }

  get disposed(): boolean {
    return this.isolate.isDisposed;
  }

  get runCount(): number {
    return this.contexts.size;
  }

  contextFor(runId: string): LoadedContext {
    let ctx = this.contexts.get(runId);
    if (ctx === undefined) {
      if (this.options.reuseContext) {
        this.shared ??= LoadedContext.create(this, true);
        ctx = this.shared;
      } else {
        ctx = LoadedContext.create(this, false);
      }
      ctx.runIds.add(runId);
      this.contexts.set(runId, ctx);
    }
    return ctx;
  }

  dispose(runId: string): void {
    const ctx = this.contexts.get(runId);
    if (ctx === undefined) return;
    this.contexts.delete(runId);
    ctx.runIds.delete(runId);
    if (this.disposed) return;
    try {
      ctx.api.dispose.applySync(undefined, [runId], { timeout: this.options.deadlockTimeoutMs });
    } finally {
      if (!this.options.reuseContext) ctx.release();
    }
  }

  destroy(): void {
    for (const ctx of new Set(this.contexts.values())) ctx.release();
    this.shared?.release();
    this.contexts.clear();
    if (!this.disposed) this.isolate.dispose();
  }
}

const copyArgs = { arguments: { copy: true }, result: { copy: true } } as const;

/** Isolates that run workflows, with runs assigned to the least loaded one. */
export class IsolatePool {
  private isolates: WorkflowIsolate[] = [];
  private readonly byRun = new Map<string, WorkflowIsolate>();

  constructor(private readonly options: IsolatePoolOptions) {
    for (let i = 0; i < Math.max(1, options.isolateCount); i++) this.isolates.push(new WorkflowIsolate(options));
  }

  /** Runs currently held. */
  get size(): number {
    return this.byRun.size;
  }

  has(runId: string): boolean {
    return this.byRun.has(runId);
  }

  private isolateFor(runId: string): WorkflowIsolate {
    let iso = this.byRun.get(runId);
    if (iso === undefined) {
      iso = this.isolates.reduce((a, b) => (b.runCount < a.runCount ? b : a));
      this.byRun.set(runId, iso);
    }
    return iso;
  }

  /**
   * Applies one activation and returns its completion. Throws {@link DeadlockError} or
   * {@link IsolateMemoryLimitError}; any other error thrown by the runtime is a bug of the host/runtime pair.
   */
  activate(activation: IsolateActivation): ActivationOutcome {
    const runId = activation.runId;
    const iso = this.isolateFor(runId);
    try {
      const ctx = iso.contextFor(runId);
      const timeout = this.options.deadlockTimeoutMs;
      ctx.api.activate.applySync(undefined, [activation], { ...copyArgs, timeout });
      let result: ConcludeResult;
      do {
        result = ctx.api.conclude.applySync(undefined, [runId], { ...copyArgs, timeout });
      } while (result.again);
      return { completion: result.completion, sinkCalls: result.sinkCalls };
    } catch (err) {
      throw this.translateError(iso, err);
    }
  }

  /** Like {@link activate}, with the workflow code running on the isolate's thread. */
  activateOffThread(activation: IsolateActivation): Promise<ActivationOutcome> {
    const runId = activation.runId;
    const iso = this.isolateFor(runId);
    return iso.enqueue(async () => {
      try {
        const ctx = iso.contextFor(runId);
        const timeout = this.options.deadlockTimeoutMs;
        await ctx.api.activate.apply(undefined, [activation], { ...copyArgs, timeout });
        let result: ConcludeResult;
        do {
          result = await ctx.api.conclude.apply(undefined, [runId], { ...copyArgs, timeout });
        } while (result.again);
        return { completion: result.completion, sinkCalls: result.sinkCalls };
      } catch (err) {
        throw this.translateError(iso, err);
      }
    });
  }

  /** Applies an activation the way the pool was configured to (on this thread or the isolate's). */
  activateConfigured(activation: IsolateActivation): Promise<ActivationOutcome> {
    if (this.options.offThread) return this.activateOffThread(activation);
    try {
      return Promise.resolve(this.activate(activation));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Forgets a run after the calls already queued on its isolate. */
  disposeConfigured(runId: string): Promise<void> {
    const iso = this.byRun.get(runId);
    if (!this.options.offThread || iso === undefined) {
      this.dispose(runId);
      return Promise.resolve();
    }
    return iso.enqueue(async () => this.dispose(runId));
  }

  private translateError(iso: WorkflowIsolate, err: unknown): unknown {
    const message = err instanceof Error ? err.message : String(err);
    if (iso.disposed || /memory limit|Isolate is disposed|Isolated is disposed/i.test(message)) {
      const lost = [...iso.contexts.keys()];
      for (const runId of lost) this.byRun.delete(runId);
      this.replaceIsolate(iso);
      return new IsolateMemoryLimitError(this.options.memoryLimitMb, lost);
    }
    if (/Script execution timed out/.test(message)) return new DeadlockError(this.options.deadlockTimeoutMs);
    // The runtime catches its own errors; anything else thrown out of a call is a rejection nobody handled.
    return new UnhandledRejectionError(err);
  }

  private replaceIsolate(iso: WorkflowIsolate): void {
    const i = this.isolates.indexOf(iso);
    try {
      iso.destroy();
    } catch {
      // Already disposed by V8.
    }
    if (i >= 0) this.isolates[i] = new WorkflowIsolate(this.options);
  }

  /** Forgets a run (eviction). */
  dispose(runId: string): void {
    const iso = this.byRun.get(runId);
    if (iso === undefined) return;
    this.byRun.delete(runId);
    try {
      iso.dispose(runId);
    } catch (err) {
      // A run that deadlocked may fail to dispose cleanly; rebuild its isolate so nothing of it lingers.
      this.translateError(iso, err);
    }
  }

  /** Releases every isolate. */
  destroy(): void {
    for (const iso of this.isolates) iso.destroy();
    this.isolates = [];
    this.byRun.clear();
  }

  /** Heap statistics of every isolate (for tests and benchmarks). */
  heapStatistics(): ivm.HeapStatistics[] {
    return this.isolates.map((iso) => iso.isolate.getHeapStatisticsSync());
  }
}
