/**
 * SDK flags: behaviour changes of the workflow runtime that are recorded in history (`sdkMetadata.langUsedFlags`)
 * the first time a run relies on them, so that replaying an older history keeps the older behaviour. The ids
 * are shared with the official TypeScript SDK, so histories replay the same way in both.
 *
 * @module
 */

/** One SDK flag. */
export interface SdkFlag {
  readonly id: number;
  /**
   * Whether new work (anything not replayed from history) uses the flag. A history that does not record the flag
   * replays without it.
   */
  readonly default: boolean;
}

const byId = new Map<number, SdkFlag>();

function defineFlag(id: number, dflt: boolean): SdkFlag {
  const flag = { id, default: dflt };
  byId.set(id, flag);
  return flag;
}

/** The flags this runtime knows. */
export const SdkFlags = {
  /**
   * A non-cancellable scope does not pass its parent's cancellation on to the scopes it contains, and the timer
   * of `CancellationScope.withTimeout` is cancelled when the scope's function finishes.
   */
  NonCancellableScopesAreShieldedFromPropagation: defineFlag(1, true),
  /** All jobs of an activation are applied in one batch (signals and updates are not applied first). */
  ProcessWorkflowActivationJobsAsSingleBatch: defineFlag(2, true),
  /** The OpenTelemetry interceptors trace inbound signals. */
  OpenTelemetryInterceptorsTracesInboundSignals: defineFlag(3, true),
  /** The OpenTelemetry interceptors trace local activities. */
  OpenTelemetryInterceptorsTracesLocalActivities: defineFlag(4, true),
  /** The OpenTelemetry interceptors do not add yields (the official name keeps its misspelling). */
  OpenTelemetryInterceporsAvoidsExtraYields: defineFlag(5, true),
  /** The OpenTelemetry interceptors instrument every method. */
  OpenTelemetryInterceptorsInstrumentsAllMethods: defineFlag(6, true),
} as const;

/** Throws a `TypeError` for a flag id this runtime does not know. */
export function assertValidFlag(id: number): void {
  if (!byId.has(id)) throw new TypeError(`Unknown SDK flag: ${id}`);
}

/** The flag with this id, if the runtime knows it. */
export function flagById(id: number): SdkFlag | undefined {
  return byId.get(id);
}
