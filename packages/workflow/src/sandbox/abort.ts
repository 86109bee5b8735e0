/**
 * `Event`, `EventTarget`, `AbortController` and `AbortSignal` for the isolate, enough for libraries that pass
 * an `AbortSignal` around. `AbortSignal.timeout` is left out: it would need a non-workflow timer.
 *
 * @module
 */

type Listener = ((event: Event) => void) | { handleEvent(event: Event): void };

/** A minimal DOM event. */
export class Event {
  readonly type: string;
  target: EventTarget | null = null;
  currentTarget: EventTarget | null = null;
  defaultPrevented = false;
  readonly cancelable: boolean;
  readonly timeStamp = 0;

  constructor(type: string, init?: { cancelable?: boolean }) {
    this.type = String(type);
    this.cancelable = init?.cancelable ?? false;
  }

  preventDefault(): void {
    if (this.cancelable) this.defaultPrevented = true;
  }
  stopPropagation(): void {}
  stopImmediatePropagation(): void {}
}

/** A minimal DOM event target (no capture or propagation: there is no tree). */
export class EventTarget {
  private readonly listeners = new Map<string, { listener: Listener; once: boolean }[]>();

  addEventListener(type: string, listener: Listener | null, options?: boolean | { once?: boolean }): void {
    if (listener === null || listener === undefined) return;
    const list = this.listeners.get(type) ?? [];
    if (list.some((l) => l.listener === listener)) return;
    list.push({ listener, once: typeof options === 'object' && options?.once === true });
    this.listeners.set(type, list);
  }

  removeEventListener(type: string, listener: Listener | null): void {
    const list = this.listeners.get(type);
    if (list)
      this.listeners.set(
        type,
        list.filter((l) => l.listener !== listener),
      );
  }

  dispatchEvent(event: Event): boolean {
    event.target = this;
    event.currentTarget = this;
    for (const entry of [...(this.listeners.get(event.type) ?? [])]) {
      if (entry.once) this.removeEventListener(event.type, entry.listener);
      if (typeof entry.listener === 'function') entry.listener.call(this, event);
      else entry.listener.handleEvent(event);
    }
    return !event.defaultPrevented;
  }
}

function abortError(): Error {
  const err = new Error('This operation was aborted');
  err.name = 'AbortError';
  return err;
}

/** Tells an operation that it should stop. */
export class AbortSignal extends EventTarget {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((event: Event) => void) | null = null;

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  /** @internal */
  signalAbort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason === undefined ? abortError() : reason;
    const event = new Event('abort');
    if (typeof this.onabort === 'function') this.onabort.call(this, event);
    this.dispatchEvent(event);
  }

  static abort(reason?: unknown): AbortSignal {
    const signal = new AbortSignal();
    signal.signalAbort(reason);
    return signal;
  }

  static any(signals: AbortSignal[]): AbortSignal {
    const controller = new AbortController();
    for (const s of signals) {
      if (s.aborted) {
        controller.abort(s.reason);
        break;
      }
      s.addEventListener('abort', () => controller.abort(s.reason), { once: true });
    }
    return controller.signal;
  }
}

/** Owns an {@link AbortSignal} and aborts it. */
export class AbortController {
  readonly signal = new AbortSignal();

  abort(reason?: unknown): void {
    this.signal.signalAbort(reason);
  }
}
