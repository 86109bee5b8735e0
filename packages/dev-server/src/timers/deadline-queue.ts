import { TimeSource } from '../time/time-source';

interface Entry {
  at: number;
  owner: string;
}

/** setTimeout cannot wait longer than this. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Wakes owners (an execution, a schedule, a test-service sleep) when their earliest deadline passes.
 * Each owner has at most one deadline; owners recompute it from their own state after every change, so
 * nothing here needs persisting. In time-skipping mode the queue asks the time source to jump to the next
 * deadline whenever no lock is held.
 */
export class DeadlineQueue {
  private readonly deadlines = new Map<string, number>();
  private heap: Entry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private checkScheduled = false;
  private stopped = false;

  constructor(
    private readonly time: TimeSource,
    private readonly onDue: (owner: string) => void,
  ) {
    time.onLockChange(() => this.poke());
  }

  /** Sets (or with `undefined` clears) the deadline of an owner. */
  set(owner: string, at: number | undefined): void {
    const current = this.deadlines.get(owner);
    if (current === at) return;
    if (at === undefined) {
      this.deadlines.delete(owner);
      return;
    }
    this.deadlines.set(owner, at);
    this.push({ at, owner });
    this.poke();
  }

  get(owner: string): number | undefined {
    return this.deadlines.get(owner);
  }

  /** The earliest live deadline, if any. */
  earliest(): number | undefined {
    this.dropStale();
    return this.heap[0]?.at;
  }

  /** Re-evaluates timers soon (after a state change that may allow time to skip). */
  poke(): void {
    if (this.checkScheduled || this.stopped) return;
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      this.run();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    if (this.stopped) return;
    // Fire everything due; owners re-arm through set() as they handle it.
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (!top) break;
      if (top.at > this.time.now()) {
        if (this.time.canSkip()) {
          this.time.advanceTo(top.at);
        } else {
          break;
        }
      }
      this.pop();
      this.deadlines.delete(top.owner);
      try {
        this.onDue(top.owner);
      } catch (err) {
        // An owner's failure must not stop the clock for everyone else.
        process.emitWarning(`deadline handler for ${top.owner} failed: ${(err as Error).stack ?? String(err)}`);
      }
      if (this.time.skipping) {
        // Let the work this deadline created take its lock before the clock may jump again.
        this.poke();
        return;
      }
    }
    this.arm();
  }

  private arm(): void {
    const next = this.heap[0]?.at;
    if (next === undefined) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Infinity;
      return;
    }
    if (this.timer && this.timerAt === next) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next;
    const delay = Math.min(Math.max(0, next - this.time.now()), MAX_TIMEOUT_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.run();
    }, delay);
    this.timer.unref?.();
  }

  private dropStale(): void {
    while (this.heap.length > 0) {
      const top = this.heap[0];
      if (this.deadlines.get(top.owner) === top.at) return;
      this.pop();
    }
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].at <= h[i].at) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (h.length === 0 || !last) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l].at < h[m].at) m = l;
      if (r < h.length && h[r].at < h[m].at) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
}
