/**
 * The server's single clock. In real mode it is the wall clock. In time-skipping mode it is a virtual
 * clock that runs at wall speed while anything holds a lock and jumps forward to the next deadline when
 * nothing does (the Temporal test server's semantics: explicit locks from TestService plus one implicit
 * lock while any worker-side work is outstanding).
 */
export class TimeSource {
  private offsetMs = 0;
  private explicitLocks: number;
  private busyProbe: () => boolean = () => false;
  private readonly lockListeners: Array<() => void> = [];

  constructor(
    readonly skipping: boolean,
    /** Time skipping starts locked unless enabled explicitly, as the test server does. */
    startLocked = true,
  ) {
    this.explicitLocks = skipping && startLocked ? 1 : 0;
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Whether the clock may jump right now. */
  canSkip(): boolean {
    return this.skipping && this.explicitLocks === 0 && !this.busyProbe();
  }

  /** Moves the virtual clock forward to `targetMs` (never backwards). */
  advanceTo(targetMs: number): void {
    const delta = targetMs - this.now();
    if (delta > 0) this.offsetMs += delta;
  }

  setBusyProbe(probe: () => boolean): void {
    this.busyProbe = probe;
  }

  onLockChange(listener: () => void): void {
    this.lockListeners.push(listener);
  }

  lock(): void {
    this.explicitLocks += 1;
  }

  /** Returns false when the counter would go below zero. */
  unlock(): boolean {
    if (this.explicitLocks === 0) return false;
    this.explicitLocks -= 1;
    for (const l of this.lockListeners) l();
    return true;
  }

  get lockCount(): number {
    return this.explicitLocks;
  }
}
