/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
/**
 * Globals of the workflow isolate: deterministic `Date` and `Math.random`, `setTimeout` as workflow timers, no
 * `WeakRef`/`FinalizationRegistry`, and the web APIs the official sandbox offers (`TextEncoder`,
 * `TextDecoder`, `URL`, `URLSearchParams`, `AbortController`, `structuredClone`, `console`...). Installed once
 * per isolate context, before any workflow code loads; every override reads the current run's state.
 *
 * @module
 */
import { TextDecoder, TextEncoder } from '@kairos/common/lib/encoding';
import { CancellationScope } from './cancellation-scope';
import { DeterminismViolationError } from './errors';
import { getActivator, maybeGetActivator } from './global-attributes';
import { AbortController, AbortSignal, Event, EventTarget } from './sandbox/abort';
import { assert } from './sandbox/assert';
import { sandboxConsole } from './sandbox/console';
import { structuredClone } from './sandbox/structured-clone';
import { URL, URLSearchParams } from './sandbox/url';
import { untrackPromise } from './stack-helpers';
import { sleep } from './timers';

/** The real clock of the isolate, kept before `Date` is replaced (for `workflowInfo().unsafe.now`). */
export const realNow: () => number = Date.now.bind(Date);
/** The real random source of the isolate, kept before `Math.random` is replaced. */
export const realRandom: () => number = Math.random.bind(Math);

let installed = false;

function defineGlobal(name: string, value: unknown): void {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
}

/** Replaces the globals of the isolate context. */
export function overrideGlobals(): void {
  if (installed) return;
  installed = true;
  const global = globalThis as any;

  const OriginalDate = Date;
  function WorkflowDate(this: unknown, ...args: unknown[]): unknown {
    if (!new.target) return new OriginalDate(currentTime()).toString();
    if (args.length > 0) return new (OriginalDate as any)(...args);
    return new OriginalDate(currentTime());
  }
  WorkflowDate.prototype = OriginalDate.prototype;
  Object.defineProperty(OriginalDate.prototype, 'constructor', {
    value: WorkflowDate,
    writable: true,
    configurable: true,
  });
  WorkflowDate.now = () => currentTime();
  WorkflowDate.parse = OriginalDate.parse;
  WorkflowDate.UTC = OriginalDate.UTC;
  defineGlobal('Date', WorkflowDate);

  Math.random = () => getActivator().nextRandom();

  const weakRefError = (what: string) =>
    function (): never {
      throw new DeterminismViolationError(`${what} cannot be used in Workflows because v8 GC is non-deterministic`);
    };
  defineGlobal('WeakRef', weakRefError('WeakRef'));
  defineGlobal('FinalizationRegistry', weakRefError('FinalizationRegistry'));

  defineGlobal('setTimeout', workflowSetTimeout);
  defineGlobal('clearTimeout', workflowClearTimeout);
  defineGlobal('queueMicrotask', (fn: () => void) => {
    void Promise.resolve().then(fn);
  });

  defineGlobal('console', sandboxConsole);
  defineGlobal('TextEncoder', TextEncoder);
  defineGlobal('TextDecoder', TextDecoder);
  defineGlobal('URL', URL);
  defineGlobal('URLSearchParams', URLSearchParams);
  defineGlobal('Event', Event);
  defineGlobal('EventTarget', EventTarget);
  defineGlobal('AbortController', AbortController);
  defineGlobal('AbortSignal', AbortSignal);
  defineGlobal('structuredClone', structuredClone);
  defineGlobal('assert', assert);
  if (global.Symbol.dispose === undefined) {
    Object.defineProperty(Symbol, 'dispose', { value: Symbol('Symbol.dispose') });
  }
  if (global.Symbol.asyncDispose === undefined) {
    Object.defineProperty(Symbol, 'asyncDispose', { value: Symbol('Symbol.asyncDispose') });
  }
}

/** Workflow time; outside a workflow (while the bundle loads) the real time. */
function currentTime(): number {
  return maybeGetActivator()?.now ?? realNow();
}

/**
 * `setTimeout` inside a workflow: a durable timer in its own cancellable scope (at least 1 ms). Returns the
 * timer's sequence number, which `clearTimeout` takes.
 */
function workflowSetTimeout(cb: (...args: any[]) => void, ms?: number, ...args: any[]): number {
  const activator = getActivator();
  const durationMs = Math.max(1, Number(ms) || 0);
  const seq = activator.nextSeqs.timer;
  const timerScope = new CancellationScope({ cancellable: true });
  const sleeping = timerScope.run(() => sleep(durationMs));
  sleeping.then(
    () => {
      activator.timeoutScopes.delete(seq);
      cb(...args);
    },
    () => {
      activator.timeoutScopes.delete(seq);
    },
  );
  untrackPromise(sleeping);
  activator.timeoutScopes.set(seq, timerScope);
  return seq;
}

/** `clearTimeout` inside a workflow: cancels the timer started by `setTimeout`. */
function workflowClearTimeout(handle: number): void {
  const activator = getActivator();
  const scope = activator.timeoutScopes.get(handle);
  if (scope === undefined) return;
  activator.timeoutScopes.delete(handle);
  scope.cancel();
}
