import { appendContributor, resolveContributors } from './internal/contributor-chain';

/** A log level. */
export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Structured attributes attached to a log message. */
export type LogMetadata = Record<string | symbol, unknown>;

/** A logger; implement it to send the SDK's and the workflows' logs where you want. */
export interface Logger {
  /** Logs `message` at `level`. */
  log(level: LogLevel, message: string, meta?: LogMetadata): unknown;
  /** Logs at TRACE level. */
  trace(message: string, meta?: LogMetadata): unknown;
  /** Logs at DEBUG level. */
  debug(message: string, meta?: LogMetadata): unknown;
  /** Logs at INFO level. */
  info(message: string, meta?: LogMetadata): unknown;
  /** Logs at WARN level. */
  warn(message: string, meta?: LogMetadata): unknown;
  /** Logs at ERROR level. */
  error(message: string, meta?: LogMetadata): unknown;
}

/**
 * The subsystem that emitted a log message, found in the `sdkComponent` metadata attribute; useful for filtering.
 * The list may change between releases.
 */
export enum SdkComponent {
  /** Messages logged by workflow code through the workflow logger (never by the SDK itself). */
  workflow = 'workflow',
  /** Messages logged by activity code through the activity context logger (never by the SDK itself). */
  activity = 'activity',
  /** Messages logged by Nexus operation handlers through the Nexus context logger (never by the SDK itself). */
  nexus = 'nexus',
  /**
   * Messages of the worker: configuration problems, lifecycle of workers, workflows and activities, task
   * processing, bundling, sinks.
   */
  worker = 'worker',
  /** Messages of the Rust core. */
  core = 'core',
}

/**
 * Metadata, or a function computing it each time a message is logged.
 *
 * @internal
 */
export type LogMetaOrFunc = LogMetadata | (() => LogMetadata);

/**
 * A logger that adds metadata to every message before passing it to a parent logger.
 *
 * @internal
 * @hidden
 */
export class LoggerWithComposedMetadata implements Logger {
  /**
   * A logger adding `metaOrFunc` (static metadata, or a function evaluated at each message) to `logger`'s
   * messages. Returns `logger` itself when there is nothing to add, and flattens nested compositions.
   */
  public static compose(logger: Logger, metaOrFunc: LogMetaOrFunc): Logger {
    const [parent, chain] =
      logger instanceof LoggerWithComposedMetadata ? [logger.parentLogger, logger.contributors] : [logger, []];
    const contributors = appendContributor(chain, metaOrFunc);
    return contributors === undefined ? logger : new LoggerWithComposedMetadata(parent, contributors);
  }

  constructor(
    private readonly parentLogger: Logger,
    private readonly contributors: LogMetaOrFunc[],
  ) {}

  /** Logs at `level` with the composed metadata. */
  log(level: LogLevel, message: string, extraMeta?: LogMetadata): void {
    this.parentLogger.log(level, message, resolveContributors(this.contributors, extraMeta));
  }

  /** Logs at TRACE level with the composed metadata. */
  trace(message: string, extraMeta?: LogMetadata): void {
    this.parentLogger.trace(message, resolveContributors(this.contributors, extraMeta));
  }

  /** Logs at DEBUG level with the composed metadata. */
  debug(message: string, extraMeta?: LogMetadata): void {
    this.parentLogger.debug(message, resolveContributors(this.contributors, extraMeta));
  }

  /** Logs at INFO level with the composed metadata. */
  info(message: string, extraMeta?: LogMetadata): void {
    this.parentLogger.info(message, resolveContributors(this.contributors, extraMeta));
  }

  /** Logs at WARN level with the composed metadata. */
  warn(message: string, extraMeta?: LogMetadata): void {
    this.parentLogger.warn(message, resolveContributors(this.contributors, extraMeta));
  }

  /** Logs at ERROR level with the composed metadata. */
  error(message: string, extraMeta?: LogMetadata): void {
    this.parentLogger.error(message, resolveContributors(this.contributors, extraMeta));
  }
}
