/**
 * A small scripted workflow runtime for tests: a script is an async function over a
 * `ScriptContext` that issues the same commands, with the same sequence numbers and in the same
 * order, as the equivalent workflow code does under the official TypeScript workflow runtime
 * (timer, activity, child, signal and cancel counters starting at 1; local activities share the
 * activity counter; activity ids are the seq; jobs of an activation are applied before the
 * workflow function resumes; microtasks are drained before the activation is concluded). The
 * random number generator is seeded from the activation's seed the way the official runtime
 * seeds `Math.random` (Alea over the seed's 8 big-endian bytes), so scripts that branch on
 * `random()` or make up ids with `uuid4()` take the recorded branch only if the core derived
 * the right seed.
 */
import { google, kairos, temporal } from '@kairos/proto';
import { Activation, Command, duration, fromPayload, jsonPayload } from './workflows';

type IPayload = temporal.api.common.v1.IPayload;
type Job = Activation['jobs'][number];
type Init = kairos.core.activation.IInitializeWorkflow;
type Backoff = kairos.core.activity.IDoBackoff;

/** A u64 as protobufjs decodes it. */
export type U64 = { low: number; high: number } | number | null | undefined;

/** The 8 big-endian bytes of a u64 seed. */
export function seedBytes(seed: U64): number[] {
  if (seed === null || seed === undefined) throw new TypeError('no randomness seed');
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed)) throw new TypeError(`seed ${seed} lost precision`);
    return seedBytes({ high: Math.floor(seed / 2 ** 32), low: seed >>> 0 });
  }
  const { high, low } = seed;
  return [
    high >>> 24,
    (high >>> 16) & 255,
    (high >>> 8) & 255,
    high & 255,
    low >>> 24,
    (low >>> 16) & 255,
    (low >>> 8) & 255,
    low & 255,
  ];
}

const TWO_POW_32 = 4294967296;
const TWO_POW_MINUS_32 = 1 / TWO_POW_32;

/** Baagøe's Mash hash: each call folds more numbers into the running state. */
function mashHasher(): (values: number[]) => number {
  let state = 0xefc8249d;
  return (values) => {
    for (const v of values) {
      state += v;
      let h = 0.02519603282416938 * state;
      state = h >>> 0;
      h -= state;
      h *= state;
      state = h >>> 0;
      h -= state;
      state += h * TWO_POW_32;
    }
    return (state >>> 0) * TWO_POW_MINUS_32;
  };
}

/** Baagøe's Alea generator seeded with `seed` (a list of numbers), as a `Math.random` replacement. */
export function alea(seed: number[]): () => number {
  const mash = mashHasher();
  const s = [mash([32]), mash([32]), mash([32])];
  for (let i = 0; i < 3; i++) {
    s[i] -= mash(seed);
    if (s[i] < 0) s[i] += 1;
  }
  let carry = 1;
  return () => {
    const t = 2091639 * s[0] + carry * TWO_POW_MINUS_32;
    s[0] = s[1];
    s[1] = s[2];
    carry = t | 0;
    s[2] = t - carry;
    return s[2];
  };
}

/** A version 4 UUID drawn from `random` (four 32-bit words, version and variant bits set). */
export function uuid4From(random: () => number): string {
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = (random() * TWO_POW_32) >>> 0;
    bytes.push(word >>> 24, (word >>> 16) & 255, (word >>> 8) & 255, word & 255);
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The workflow was cancelled, or an operation it waited for was. */
export class CancelledError extends Error {}
/** An activity, child or external operation failed. */
export class OperationFailed extends Error {}
/** Thrown by a script to end the run with ContinueAsNew. */
export class ContinueAsNewRequest {
  constructor(readonly args: unknown[]) {}
}
/** Thrown by a script to fail the workflow. */
export class WorkflowFailure extends Error {}
class LocalBackoff {
  constructor(readonly backoff: Backoff) {}
}

interface Waiter {
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

export interface TimerHandle {
  seq: number;
  done: Promise<void>;
}
export interface ActivityHandle {
  seq: number;
  result: Promise<unknown>;
}
export interface ChildHandle {
  seq: number;
  workflowId: string;
  started: Promise<string>;
  result: Promise<unknown>;
}
export interface ActivityOptions {
  startToCloseMs?: number;
  heartbeatMs?: number;
  retry?: temporal.api.common.v1.IRetryPolicy;
}
export interface LocalActivityOptions {
  startToCloseMs?: number;
  retry?: temporal.api.common.v1.IRetryPolicy;
  localRetryThresholdMs?: number;
}

/** How the script's run ended. */
export type Outcome =
  | { kind: 'completed'; value: unknown }
  | { kind: 'failed'; message: string }
  | { kind: 'continuedAsNew'; args: unknown[] }
  | { kind: 'cancelled' };

export type Script = (ctx: ScriptContext) => Promise<unknown>;

function durationMs(d: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return Number(d?.seconds ?? 0) * 1000 + Math.round((d?.nanos ?? 0) / 1e6);
}

/** Which of `names` is set on `obj` (a oneof's case). */
function setField(obj: object | null | undefined, names: string[]): string {
  const o = (obj ?? {}) as Record<string, unknown>;
  return names.find((n) => o[n] !== null && o[n] !== undefined) ?? 'none';
}

/** A one-line description of a job, for assertions on what the core produced. */
export function describeJob(job: Job): string {
  const v = job.variant ?? 'none';
  switch (v) {
    case 'fireTimer':
      return `fireTimer ${job.fireTimer!.seq}`;
    case 'resolveActivity': {
      const r = job.resolveActivity!;
      return `resolveActivity ${r.seq}${r.isLocal ? ' local' : ''} ${setField(r.result, ['completed', 'failed', 'cancelled', 'backoff'])}`;
    }
    case 'notifyHasPatch':
      return `notifyHasPatch ${job.notifyHasPatch!.patchId}`;
    case 'signalWorkflow':
      return `signalWorkflow ${job.signalWorkflow!.signalName}`;
    case 'doUpdate':
      return `doUpdate ${job.doUpdate!.name}${job.doUpdate!.runValidator ? ' validate' : ''}`;
    case 'resolveChildWorkflowExecutionStart':
      return `resolveChildWorkflowExecutionStart ${job.resolveChildWorkflowExecutionStart!.seq} ${setField(job.resolveChildWorkflowExecutionStart, ['succeeded', 'failed', 'cancelled'])}`;
    case 'resolveChildWorkflowExecution':
      return `resolveChildWorkflowExecution ${job.resolveChildWorkflowExecution!.seq} ${setField(job.resolveChildWorkflowExecution!.result, ['completed', 'failed', 'cancelled'])}`;
    case 'resolveSignalExternalWorkflow':
      return `resolveSignalExternalWorkflow ${job.resolveSignalExternalWorkflow!.seq}${job.resolveSignalExternalWorkflow!.failure ? ' failed' : ''}`;
    case 'resolveRequestCancelExternalWorkflow':
      return `resolveRequestCancelExternalWorkflow ${job.resolveRequestCancelExternalWorkflow!.seq}${job.resolveRequestCancelExternalWorkflow!.failure ? ' failed' : ''}`;
    case 'removeFromCache':
      return `removeFromCache ${kairos.core.activation.EvictionReason[job.removeFromCache!.reason ?? 0]}`;
    default:
      return v;
  }
}

/** Runs one script against the activations of one run. */
export class ScriptContext {
  /** Every activation's jobs, described, in order. */
  readonly activations: string[][] = [];
  info!: Init;
  outcome?: Outcome;
  replaying = false;
  cancelRequested = false;
  /** Patches the core said history has (NotifyHasPatch). */
  readonly knownPatches = new Set<string>();
  private random_: () => number = () => {
    throw new Error('random() before the workflow was initialized');
  };
  private commands: Command[] = [];
  private readonly seqs = { timer: 1, activity: 1, child: 1, signal: 1, cancel: 1 };
  private readonly timers = new Map<number, Waiter>();
  private readonly activities = new Map<number, Waiter>();
  private readonly childStarts = new Map<number, Waiter>();
  private readonly childResults = new Map<number, Waiter>();
  private readonly externalSignals = new Map<number, Waiter>();
  private readonly externalCancels = new Map<number, Waiter>();
  private conditions: Array<{ fn: () => boolean; resolve: () => void }> = [];
  private readonly patchDecisions = new Map<string, boolean>();
  private readonly sentPatches = new Set<string>();
  private readonly signalHandlers = new Map<string, (...args: unknown[]) => void>();
  private readonly updateHandlers = new Map<
    string,
    { handler: (...args: unknown[]) => unknown; validator?: (...args: unknown[]) => void }
  >();
  private readonly queryHandlers = new Map<string, (...args: unknown[]) => unknown>();
  private readonly cancelCallbacks: Array<() => void> = [];

  constructor(private readonly script: Script) {}

  /** The workflow's arguments (JSON). */
  get args(): unknown[] {
    return (this.info.arguments ?? []).map((p) => fromPayload(p));
  }

  /** Applies an activation and returns the commands the workflow issues in answer. */
  async activate(a: Activation): Promise<Command[]> {
    this.commands = [];
    this.replaying = a.isReplaying;
    this.activations.push(a.jobs.map(describeJob));
    let init: Init | undefined;
    for (const job of a.jobs) {
      if (job.initializeWorkflow) {
        init = job.initializeWorkflow;
        this.info = init;
        this.random_ = alea(seedBytes(init.randomnessSeed as U64));
        continue;
      }
      this.applyJob(job);
      this.unblockConditions();
    }
    if (init) this.start();
    await flush();
    while (this.unblockConditions()) await flush();
    return this.commands;
  }

  private start(): void {
    this.script(this).then(
      (value) => {
        this.outcome = { kind: 'completed', value };
        this.push({
          completeWorkflowExecution: { result: value === undefined ? undefined : jsonPayload(value) },
        });
      },
      (err: unknown) => {
        if (err instanceof ContinueAsNewRequest) {
          this.outcome = { kind: 'continuedAsNew', args: err.args };
          this.push({
            continueAsNewWorkflowExecution: {
              workflowType: this.info.workflowType,
              taskQueue: this.info.taskQueue,
              arguments: err.args.map(jsonPayload),
            },
          });
        } else if (err instanceof CancelledError && this.cancelRequested) {
          this.outcome = { kind: 'cancelled' };
          this.push({ cancelWorkflowExecution: {} });
        } else {
          const message = err instanceof Error ? err.message : String(err);
          this.outcome = { kind: 'failed', message };
          this.push({ failWorkflowExecution: { failure: { message, applicationFailureInfo: { type: 'Boom' } } } });
        }
      },
    );
  }

  private applyJob(job: Job): void {
    const settle = (map: Map<number, Waiter>, seq: number | null | undefined, fn: (w: Waiter) => void) => {
      const w = map.get(seq ?? 0);
      if (!w) throw new Error(`job ${describeJob(job)} for an unknown seq`);
      map.delete(seq ?? 0);
      fn(w);
    };
    if (job.fireTimer) {
      settle(this.timers, job.fireTimer.seq, (w) => w.resolve(undefined));
    } else if (job.resolveActivity) {
      const r = job.resolveActivity.result;
      settle(this.activities, job.resolveActivity.seq, (w) => {
        if (r?.completed) w.resolve(fromPayload(r.completed.result));
        else if (r?.backoff) w.reject(new LocalBackoff(r.backoff));
        else if (r?.cancelled) w.reject(new CancelledError(r.cancelled.failure?.message ?? 'cancelled'));
        else w.reject(new OperationFailed(r?.failed?.failure?.message ?? 'activity failed'));
      });
    } else if (job.notifyHasPatch) {
      this.knownPatches.add(job.notifyHasPatch.patchId ?? '');
    } else if (job.updateRandomSeed) {
      this.random_ = alea(seedBytes(job.updateRandomSeed.randomnessSeed as U64));
    } else if (job.signalWorkflow) {
      const handler = this.signalHandlers.get(job.signalWorkflow.signalName ?? '');
      if (!handler) throw new Error(`no handler for signal ${job.signalWorkflow.signalName}`);
      handler(...(job.signalWorkflow.input ?? []).map((p) => fromPayload(p)));
    } else if (job.doUpdate) {
      this.runUpdate(job.doUpdate);
    } else if (job.queryWorkflow) {
      const q = job.queryWorkflow;
      const handler = this.queryHandlers.get(q.queryType ?? '');
      this.push({
        respondToQuery: handler
          ? {
              queryId: q.queryId,
              succeeded: { response: jsonPayload(handler(...(q.arguments ?? []).map(fromPayload))) },
            }
          : { queryId: q.queryId, failed: { message: `no query handler for ${q.queryType}` } },
      });
    } else if (job.cancelWorkflow) {
      this.cancelRequested = true;
      for (const cb of this.cancelCallbacks.splice(0)) cb();
    } else if (job.resolveChildWorkflowExecutionStart) {
      const s = job.resolveChildWorkflowExecutionStart;
      settle(this.childStarts, s.seq, (w) => {
        if (s.succeeded) w.resolve(s.succeeded.runId);
        else if (s.cancelled) w.reject(new CancelledError('child start cancelled'));
        else w.reject(new OperationFailed(`child start failed: ${s.failed?.cause}`));
      });
      if (!s.succeeded) this.childResults.delete(s.seq ?? 0);
    } else if (job.resolveChildWorkflowExecution) {
      const r = job.resolveChildWorkflowExecution.result;
      settle(this.childResults, job.resolveChildWorkflowExecution.seq, (w) => {
        if (r?.completed) w.resolve(fromPayload(r.completed.result));
        else if (r?.cancelled) w.reject(new CancelledError('child cancelled'));
        else w.reject(new OperationFailed(r?.failed?.failure?.message ?? 'child failed'));
      });
    } else if (job.resolveSignalExternalWorkflow) {
      const f = job.resolveSignalExternalWorkflow.failure;
      settle(this.externalSignals, job.resolveSignalExternalWorkflow.seq, (w) =>
        f ? w.reject(new OperationFailed(f.message ?? 'signal failed')) : w.resolve(undefined),
      );
    } else if (job.resolveRequestCancelExternalWorkflow) {
      const f = job.resolveRequestCancelExternalWorkflow.failure;
      settle(this.externalCancels, job.resolveRequestCancelExternalWorkflow.seq, (w) =>
        f ? w.reject(new OperationFailed(f.message ?? 'cancel failed')) : w.resolve(undefined),
      );
    } else {
      throw new Error(`the scripted runtime does not handle ${describeJob(job)}`);
    }
  }

  private runUpdate(u: kairos.core.activation.IDoUpdate): void {
    const h = this.updateHandlers.get(u.name ?? '');
    const protocolInstanceId = u.protocolInstanceId;
    if (!h) {
      this.push({ updateResponse: { protocolInstanceId, rejected: { message: `no update handler for ${u.name}` } } });
      return;
    }
    const args = (u.input ?? []).map((p) => fromPayload(p));
    if (u.runValidator && h.validator) {
      try {
        h.validator(...args);
      } catch (err) {
        this.push({ updateResponse: { protocolInstanceId, rejected: { message: (err as Error).message } } });
        return;
      }
    }
    this.push({ updateResponse: { protocolInstanceId, accepted: {} } });
    Promise.resolve()
      .then(() => h.handler(...args))
      .then(
        (value) => this.push({ updateResponse: { protocolInstanceId, completed: jsonPayload(value) } }),
        (err: unknown) =>
          this.push({ updateResponse: { protocolInstanceId, rejected: { message: (err as Error).message } } }),
      );
  }

  private unblockConditions(): boolean {
    const ready = this.conditions.filter((c) => c.fn());
    if (ready.length === 0) return false;
    this.conditions = this.conditions.filter((c) => !ready.includes(c));
    for (const c of ready) c.resolve();
    return true;
  }

  private push(c: Command): void {
    this.commands.push(c);
  }

  private wait<T>(map: Map<number, Waiter>, seq: number): Promise<T> {
    return new Promise<T>((resolve, reject) => map.set(seq, { resolve: resolve as (v: unknown) => void, reject }));
  }

  // ---- the workflow API ----

  random(): number {
    return this.random_();
  }

  uuid4(): string {
    return uuid4From(() => this.random_());
  }

  timer(ms: number): TimerHandle {
    const seq = this.seqs.timer++;
    this.push({ startTimer: { seq, startToFireTimeout: duration(Math.max(1, ms)) } });
    return { seq, done: this.wait<void>(this.timers, seq) };
  }

  sleep(ms: number): Promise<void> {
    return this.timer(ms).done;
  }

  /** Cancels a pending timer (no command once it has fired); its promise rejects with CancelledError. */
  cancelTimer(seq: number): void {
    const w = this.timers.get(seq);
    if (!w) return;
    this.timers.delete(seq);
    this.push({ cancelTimer: { seq } });
    w.reject(new CancelledError('timer cancelled'));
  }

  activity(activityType: string, args: unknown[], opts: ActivityOptions = {}): ActivityHandle {
    const seq = this.seqs.activity++;
    this.push({
      scheduleActivity: {
        seq,
        activityId: `${seq}`,
        activityType,
        taskQueue: this.info.taskQueue,
        arguments: args.map(jsonPayload),
        startToCloseTimeout: duration(opts.startToCloseMs ?? 10_000),
        heartbeatTimeout: opts.heartbeatMs ? duration(opts.heartbeatMs) : undefined,
        retryPolicy: opts.retry,
      },
    });
    return { seq, result: this.wait(this.activities, seq) };
  }

  /** Asks for a pending activity's cancellation; its promise settles with the core's resolution. */
  cancelActivity(seq: number): void {
    if (this.activities.has(seq)) this.push({ requestCancelActivity: { seq } });
  }

  /** Runs a local activity, sleeping through DoBackoff answers and rescheduling with a new seq. */
  async localActivity(activityType: string, args: unknown[], opts: LocalActivityOptions = {}): Promise<unknown> {
    let attempt = 1;
    let originalScheduleTime: google.protobuf.ITimestamp | null | undefined;
    for (;;) {
      const seq = this.seqs.activity++;
      this.push({
        scheduleLocalActivity: {
          seq,
          activityId: `${seq}`,
          activityType,
          attempt,
          originalScheduleTime,
          arguments: args.map(jsonPayload),
          startToCloseTimeout: duration(opts.startToCloseMs ?? 5_000),
          retryPolicy: opts.retry,
          localRetryThreshold:
            opts.localRetryThresholdMs === undefined ? undefined : duration(opts.localRetryThresholdMs),
        },
      });
      try {
        return await this.wait(this.activities, seq);
      } catch (err) {
        if (!(err instanceof LocalBackoff)) throw err;
        await this.sleep(durationMs(err.backoff.backoffDuration));
        attempt = err.backoff.attempt ?? attempt + 1;
        originalScheduleTime = err.backoff.originalScheduleTime;
      }
    }
  }

  startChild(workflowType: string, workflowId?: string): ChildHandle {
    const seq = this.seqs.child++;
    const id = workflowId ?? this.uuid4();
    this.push({
      startChildWorkflowExecution: {
        seq,
        namespace: this.info.namespace,
        workflowId: id,
        workflowType,
        taskQueue: this.info.taskQueue,
        cancellationType:
          kairos.core.commands.ChildWorkflowCancellationType
            .CHILD_WORKFLOW_CANCELLATION_TYPE_WAIT_CANCELLATION_COMPLETED,
      },
    });
    const started = this.wait<string>(this.childStarts, seq);
    const result = this.wait<unknown>(this.childResults, seq);
    result.catch(() => undefined);
    return { seq, workflowId: id, started, result };
  }

  signalExternal(workflowId: string, signalName: string, args: unknown[]): Promise<void> {
    const seq = this.seqs.signal++;
    this.push({
      signalExternalWorkflowExecution: {
        seq,
        workflowExecution: { namespace: this.info.namespace, workflowId },
        signalName,
        args: args.map(jsonPayload),
      },
    });
    return this.wait<void>(this.externalSignals, seq);
  }

  cancelExternal(workflowId: string): Promise<void> {
    const seq = this.seqs.cancel++;
    this.push({
      requestCancelExternalWorkflowExecution: {
        seq,
        workflowExecution: { namespace: this.info.namespace, workflowId },
      },
    });
    return this.wait<void>(this.externalCancels, seq);
  }

  /** `patched()` (or, with `deprecated`, `deprecatePatch()`) with the official runtime's rules. */
  patched(patchId: string, deprecated = false): boolean {
    const decided = this.patchDecisions.get(patchId);
    if (decided !== undefined) return decided;
    if (this.replaying && !this.knownPatches.has(patchId)) return false;
    this.patchDecisions.set(patchId, true);
    if (!this.sentPatches.has(patchId)) {
      this.sentPatches.add(patchId);
      this.push({ setPatchMarker: { patchId, deprecated } });
    }
    return true;
  }

  deprecatePatch(patchId: string): void {
    this.patched(patchId, true);
  }

  upsertSearchAttributes(attrs: Record<string, string[]>): void {
    const searchAttributes: Record<string, IPayload> = {};
    for (const [k, v] of Object.entries(attrs)) searchAttributes[k] = jsonPayload(v);
    this.push({ upsertWorkflowSearchAttributes: { searchAttributes } });
  }

  /** Resolves once `fn` holds; with a timeout, races a timer (true: `fn` held, false: timed out). */
  condition(fn: () => boolean): Promise<void>;
  condition(fn: () => boolean, timeoutMs: number): Promise<boolean>;
  async condition(fn: () => boolean, timeoutMs?: number): Promise<void | boolean> {
    if (timeoutMs === undefined) return this.blockUntil(fn);
    const t = this.timer(timeoutMs);
    const held = this.blockUntil(fn);
    try {
      return await Promise.race([t.done.then(() => false), held.then(() => true)]);
    } finally {
      this.cancelTimer(t.seq);
      this.conditions = this.conditions.filter((c) => c.fn !== fn);
    }
  }

  private blockUntil(fn: () => boolean): Promise<void> {
    if (fn()) return Promise.resolve();
    return new Promise<void>((resolve) => this.conditions.push({ fn, resolve }));
  }

  onSignal(name: string, handler: (...args: unknown[]) => void): void {
    this.signalHandlers.set(name, handler);
  }

  onQuery(name: string, handler: (...args: unknown[]) => unknown): void {
    this.queryHandlers.set(name, handler);
  }

  onUpdate(name: string, handler: (...args: unknown[]) => unknown, validator?: (...args: unknown[]) => void): void {
    this.updateHandlers.set(name, { handler, validator });
  }

  /** Runs `cb` when the workflow is cancelled. */
  onCancel(cb: () => void): void {
    this.cancelCallbacks.push(cb);
  }
}

/** Lets every queued microtask (and what it queues) run. */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
