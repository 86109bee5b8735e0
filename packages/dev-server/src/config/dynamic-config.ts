/**
 * The real server's dynamic configuration, as far as this server honours it: `--dynamic-config-value KEY=JSON`
 * on the command line (or `dynamicConfig` in the options) overrides the defaults below, which are the real dev
 * server's. Keys are matched without regard to case, as the real server matches them; keys this server does not
 * use are accepted and ignored.
 */

const MiB = 1024 * 1024;

/** The keys this server reads, with the real server's defaults. */
export const DYNAMIC_CONFIG_DEFAULTS = {
  'limit.blobSize.error': 2 * MiB,
  'limit.blobSize.warn': 512 * 1024,
  'limit.memoSize.error': 2 * MiB,
  'limit.memoSize.warn': 2 * 1024,
  'limit.historyCount.error': 50 * 1024,
  'limit.historyCount.warn': 10 * 1024,
  'limit.historyCount.suggestContinueAsNew': 4 * 1024,
  'limit.historySize.error': 50 * MiB,
  'limit.historySize.warn': 10 * MiB,
  'limit.historySize.suggestContinueAsNew': 4 * MiB,
  'limit.maxIDLength': 1000,
  'limit.searchAttributesSizeOfValue': 2 * 1024,
  'history.maxInFlightUpdates': 10,
  'history.maxTotalUpdates': 2000,
  'frontend.enableCancelWorkerPollsOnShutdown': false,
  'frontend.MaxConcurrentBatchOperationPerNamespace': 1,
  'system.enableEagerWorkflowStart': true,
  'system.enableActivityEagerExecution': true,
  'system.namespaceMinRetentionLocal': '1h',
  'matching.longPollExpirationInterval': '1m',
  'history.longPollExpirationInterval': '20s',
  'activity.enableStandalone': true,
  'activity.longPollTimeout': '20s',
  'system.enableDeploymentVersions': true,
  'matching.wv.VersionDrainageStatusVisibilityGracePeriod': '3m',
  'matching.wv.VersionDrainageStatusRefreshInterval': '3m',
  'matching.PollerHistoryTTL': '5m',
  'frontend.workerVersioningWorkflowAPIs': true,
} satisfies Record<string, number | boolean | string>;

export type DynamicConfigKey = keyof typeof DYNAMIC_CONFIG_DEFAULTS;

/** Thrown for a `--dynamic-config-value` that is not `KEY=JSON`, or a value of the wrong type for its key. */
export class DynamicConfigError extends Error {
  override readonly name = 'DynamicConfigError';
}

/** Parses one `KEY=JSON` argument (`limit.blobSize.error=1000`, `'k="5s"'`, `k=true`). */
export function parseDynamicConfigValue(arg: string): [string, unknown] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new DynamicConfigError(`dynamic config value must be KEY=JSON_VALUE, got ${arg}`);
  const key = arg.slice(0, eq);
  const text = arg.slice(eq + 1);
  try {
    return [key, JSON.parse(text)];
  } catch {
    throw new DynamicConfigError(`invalid JSON value for dynamic config key ${key}: ${text}`);
  }
}

const GO_DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  '\u00b5s': 1e-3, // micro sign
  '\u03bcs': 1e-3, // Greek mu: Go accepts both
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds of a Go duration string (`"1m"`, `"5000ms"`, `"1h30m"`, `"1.5s"`), or undefined if it is not one. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * GO_DURATION_UNITS[m[2]];
    matched = re.lastIndex;
  }
  return matched > 0 && matched === text.length ? Math.round(total) : undefined;
}

/** The values a server runs with: the defaults, overridden by what it was started with. */
export class DynamicConfig {
  private readonly values = new Map<string, unknown>();

  constructor(overrides: Record<string, unknown> = {}) {
    for (const [key, value] of Object.entries(overrides)) {
      const known = (Object.keys(DYNAMIC_CONFIG_DEFAULTS) as DynamicConfigKey[]).find(
        (k) => k.toLowerCase() === key.toLowerCase(),
      );
      if (known) this.check(known, value);
      this.values.set(key.toLowerCase(), value);
    }
  }

  private check(key: DynamicConfigKey, value: unknown): void {
    const def = DYNAMIC_CONFIG_DEFAULTS[key];
    const ok =
      typeof def === 'number'
        ? typeof value === 'number' && Number.isFinite(value)
        : typeof def === 'boolean'
          ? typeof value === 'boolean'
          : (typeof value === 'string' && parseGoDuration(value) !== undefined) || typeof value === 'number';
    if (!ok) {
      throw new DynamicConfigError(
        `dynamic config value of ${key} must be ${typeof def === 'string' ? 'a duration such as "5s"' : `a ${typeof def}`}, got ${JSON.stringify(value)}`,
      );
    }
  }

  private raw(key: DynamicConfigKey): unknown {
    const v = this.values.get(key.toLowerCase());
    return v === undefined ? DYNAMIC_CONFIG_DEFAULTS[key] : v;
  }

  /** Whether the key was set when the server started. */
  isSet(key: DynamicConfigKey): boolean {
    return this.values.has(key.toLowerCase());
  }

  number(key: DynamicConfigKey): number {
    return Math.trunc(this.raw(key) as number);
  }

  bool(key: DynamicConfigKey): boolean {
    return this.raw(key) as boolean;
  }

  /** A duration key in ms (a bare number counts as seconds, as the real server reads it). */
  durationMs(key: DynamicConfigKey): number {
    const v = this.raw(key);
    return typeof v === 'number' ? v * 1000 : (parseGoDuration(v as string) ?? 0);
  }
}
